"""The one set of rules for what a rating may contain, used by the citizen form, the JSON API
and the kiosk alike. ``parse_rating`` turns untrusted input into a ``RatingInput`` or raises
``InvalidRating`` with one message per field."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from survey.elements import (
    AGE_BANDS,
    COMMENT_KINDS,
    COMPLAINT_CATEGORIES,
    EDUCATION,
    ELEMENT_CODES,
    GENDERS,
    OCCUPATIONS,
)

QUESTION_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,15}$")
ASCII_DIGITS = re.compile(r"^[0-9]{1,3}$")
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{4,32}\.[A-Za-z0-9_\-]{10,64}$")
CONTACT_MAX = 200
SERVICE_TYPE_MAX = 120
TOP_LEVEL = {"id", "token", "answers", "comment", "respondent", "submitted_at"}
COMMENT_FIELDS = {"kind", "text", "category", "contact", "contact_consent"}
RESPONDENT_FIELDS = {"gender", "age_band", "education", "occupation", "service_type"}


# The years a rating's moment may fall in: wide enough for any real queue, narrow enough that
# moving it across a time zone never leaves the calendar (year 1 or 9999 did).
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099
# What the OpenAPI document promises for ``submitted_at``: an ISO 8601 moment in those years
# with its offset.
DATETIME_PATTERN = (r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})$")


def echoed(key: Any, limit: int = 40) -> str:
    """An untrusted JSON key made fit to name a field in an error: shortened, and with what
    UTF-8 cannot carry (a lone surrogate) or a terminal should not show replaced."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in str(key)[:limit])


class InvalidRating(ValueError):
    """Input that breaks the rules; ``errors`` maps a field path to a message."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CommentInput:
    kind: str
    text: str
    category: str | None = None
    contact: str | None = None
    contact_consent: bool = False


@dataclass(frozen=True)
class RespondentInput:
    gender: str | None = None
    age_band: str | None = None
    education: str | None = None
    occupation: str | None = None
    service_type: str | None = None


@dataclass(frozen=True)
class RatingInput:
    id: uuid.UUID
    token: str | None
    answers: dict[str, int]
    comment: CommentInput | None = None
    respondent: RespondentInput = field(default_factory=RespondentInput)
    submitted_at: datetime | None = None

    @property
    def standard_answers(self) -> dict[str, int]:
        return {k: v for k, v in self.answers.items() if k in ELEMENT_CODES}

    @property
    def custom_answers(self) -> dict[str, int]:
        return {k: v for k, v in self.answers.items() if k not in ELEMENT_CODES}

    def digest(self) -> str:
        """The same rating sent twice has the same digest, whatever its key order."""
        # Every field but the token (the same rating may arrive through a renewed code).
        # Built by hand: dataclasses.asdict deep-copies, and this runs on every rating.
        body = {
            "id": str(self.id),
            "answers": self.answers,
            "comment": dict(vars(self.comment)) if self.comment is not None else None,
            "respondent": dict(vars(self.respondent)),
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def clean_text(value: str) -> str:
    """Normalise a citizen's free text: NFC, no control characters, trimmed. Markup is kept
    as typed and escaped wherever it is shown."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return value.strip()


def _choice(value: Any, choices: Mapping[str, Any], path: str, errors: dict) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in choices:
        errors[path] = _l("Pilihan tidak dikenal; pilih salah satu dari: %(options)s.",
                          options=", ".join(choices))
        return None
    return value


def _parse_answers(raw: Any, errors: dict) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        errors["answers"] = _l("Jawaban harus berupa objek kode unsur → nilai 1–4.")
        return {}
    answers: dict[str, int] = {}
    for code, value in raw.items():
        if not isinstance(code, str) or not QUESTION_CODE.match(code):
            errors[f"answers.{echoed(code, 20)}"] = _l("Kode pertanyaan tidak dikenal.")
            continue
        if isinstance(value, str) and ASCII_DIGITS.match(value.strip()):
            # Only 0–9: str.isdigit() also takes "²", which int() refuses.
            value = int(value.strip())
        if type(value) is not int or not 1 <= value <= 4:  # bool is an int, and refused
            errors[f"answers.{echoed(code, 20)}"] = _l("Nilai harus bilangan bulat 1 sampai 4.")
            continue
        answers[code] = value
    answer_errors = any(k == "answers" or k.startswith("answers.") for k in errors)
    if not answers and not answer_errors:
        errors["answers"] = _l("Jawab setidaknya satu pertanyaan.")
    return answers


def _parse_comment(raw: Any, errors: dict, max_length: int) -> CommentInput | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors["comment"] = _l("Komentar harus berupa objek.")
        return None
    for unknown in set(raw) - COMMENT_FIELDS:
        errors[f"comment.{echoed(unknown)}"] = _l("Kolom tidak dikenal.")
    text = raw.get("text")
    kind = raw.get("kind")
    category = raw.get("category")
    if (text is None or text == "") and not kind and not category:
        return None  # an empty comment box is no comment
    if not isinstance(text, str) or not clean_text(text):
        errors["comment.text"] = _l("Tuliskan komentar Anda, atau kosongkan bagian komentar.")
        text = ""
    else:
        text = clean_text(text)
        if len(text) > max_length:
            errors["comment.text"] = _l("Komentar paling panjang %(max)d karakter.", max=max_length)
    kind = _choice(kind, COMMENT_KINDS, "comment.kind", errors)
    if kind is None and "comment.kind" not in errors:
        errors["comment.kind"] = _l(
            "Pilih jenis komentar: pujian, keluhan, saran, atau pertanyaan.")
    category = _choice(category, COMPLAINT_CATEGORIES, "comment.category", errors)
    if kind == "complaint" and category is None and "comment.category" not in errors:
        errors["comment.category"] = _l("Pilih kategori keluhan.")
    if kind in ("praise", "question") and category is not None:
        errors["comment.category"] = _l("Kategori hanya untuk keluhan dan saran.")
    consent = raw.get("contact_consent", False)
    if isinstance(consent, str):
        consent = consent.lower() in ("1", "true", "y", "on", "yes")
    if not isinstance(consent, bool):
        errors["comment.contact_consent"] = _l("Persetujuan harus ya atau tidak.")
        consent = False
    contact = raw.get("contact")
    if contact in (None, ""):
        contact = None
    elif not isinstance(contact, str) or not clean_text(contact):
        errors["comment.contact"] = _l("Kontak harus berupa teks.")
        contact = None
    else:
        contact = clean_text(contact)
        if len(contact) > CONTACT_MAX:
            errors["comment.contact"] = _l("Kontak paling panjang %(max)d karakter.",
                                           max=CONTACT_MAX)
        elif not consent:
            errors["comment.contact_consent"] = _l(
                "Kontak hanya kami simpan bila Anda setuju dihubungi untuk tindak lanjut."
            )
    if kind not in ("complaint", "question") and contact is not None:
        errors["comment.contact"] = _l(
            "Kontak hanya untuk keluhan atau pertanyaan yang ditindaklanjuti.")
    return CommentInput(kind=kind or "", text=text, category=category, contact=contact,
                        contact_consent=bool(consent and contact))


def _parse_respondent(raw: Any, errors: dict) -> RespondentInput:
    if raw is None:
        return RespondentInput()
    if not isinstance(raw, Mapping):
        errors["respondent"] = _l("Profil responden harus berupa objek.")
        return RespondentInput()
    for unknown in set(raw) - RESPONDENT_FIELDS:
        errors[f"respondent.{echoed(unknown)}"] = _l("Kolom tidak dikenal.")
    service_type = raw.get("service_type")
    if service_type in (None, ""):
        service_type = None
    elif not isinstance(service_type, str):
        errors["respondent.service_type"] = _l("Jenis layanan harus berupa teks.")
        service_type = None
    else:
        service_type = clean_text(service_type) or None
        if service_type and len(service_type) > SERVICE_TYPE_MAX:
            errors["respondent.service_type"] = _l(
                "Jenis layanan paling panjang %(max)d karakter.", max=SERVICE_TYPE_MAX
            )
    return RespondentInput(
        gender=_choice(raw.get("gender"), GENDERS, "respondent.gender", errors),
        age_band=_choice(raw.get("age_band"), AGE_BANDS, "respondent.age_band", errors),
        education=_choice(raw.get("education"), EDUCATION, "respondent.education", errors),
        occupation=_choice(raw.get("occupation"), OCCUPATIONS, "respondent.occupation", errors),
        service_type=service_type,
    )


def parse_datetime(value: Any, path: str, errors: dict) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors[path] = _l("Waktu harus dalam format ISO 8601, misalnya 2026-01-31T09:15:00+07:00.")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        errors[path] = _l("Waktu harus dalam format ISO 8601, misalnya 2026-01-31T09:15:00+07:00.")
        return None
    if parsed.tzinfo is None:
        errors[path] = _l("Sertakan zona waktu, misalnya +07:00 atau Z.")
        return None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        errors[path] = _l("Waktu harus antara tahun %(first)d dan %(last)d.",
                          first=EARLIEST_YEAR, last=LATEST_YEAR)
        return None
    return parsed.astimezone(UTC)


def parse_rating(
    raw: Any, *, require_token: bool = True, comment_max_length: int = 1000
) -> RatingInput:
    """Validate a rating from any channel; raise ``InvalidRating`` listing every problem."""
    if not isinstance(raw, Mapping):
        raise InvalidRating({"body": _l("Kirim sebuah objek JSON.")})
    errors: dict[str, Any] = {}
    for unknown in set(raw) - TOP_LEVEL:
        errors[echoed(unknown)] = _l("Kolom tidak dikenal.")

    rating_id = None
    raw_id = raw.get("id")
    if raw_id in (None, ""):
        errors["id"] = _l("Wajib diisi: UUID yang dibuat oleh klien.")
    else:
        try:
            rating_id = uuid.UUID(str(raw_id)) if isinstance(raw_id, str) else None
        except ValueError:
            rating_id = None
        if rating_id is None:
            errors["id"] = _l("Harus berupa UUID, misalnya 3f2b…-….")

    token = raw.get("token")
    if token in (None, ""):
        token = None
        if require_token:
            errors["token"] = _l("Wajib diisi: kode QR loket atau petugas.")
    elif not isinstance(token, str) or not TOKEN_SHAPE.match(token):
        errors["token"] = _l("Kode QR tidak dikenali.")
        token = None

    answers = _parse_answers(raw.get("answers"), errors) if "answers" in raw else {}
    if "answers" not in raw:
        errors["answers"] = _l("Wajib diisi: jawab setidaknya satu pertanyaan.")
    comment = _parse_comment(raw.get("comment"), errors, comment_max_length)
    respondent = _parse_respondent(raw.get("respondent"), errors)
    submitted_at = parse_datetime(raw.get("submitted_at"), "submitted_at", errors)

    if errors:
        raise InvalidRating(errors)
    assert rating_id is not None
    return RatingInput(
        id=rating_id,
        token=token,
        answers=answers,
        comment=comment,
        respondent=respondent,
        submitted_at=submitted_at,
    )
