"""Survey logic without HTTP: issuing and resolving QR codes, the questionnaire, and
``record_rating`` — the one way a rating enters the database, whatever the channel."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, insert, literal_column, or_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from core.db import begin_write, database_key
from core.localtime import local_day
from core.models import Counter, Officer, Shift, Unit, utcnow
from core.workdays import due_date
from survey import code_cache, tokens
from survey.elements import COMPLAINT_CATEGORIES, ELEMENT_CODES
from survey.models import (
    Comment,
    CustomAnswer,
    QrCode,
    Question,
    Questionnaire,
    Rating,
)
from survey.schema import InvalidRating, RatingInput, RespondentInput


class SurveyError(Exception):
    """A domain error with an HTTP status and a message a citizen understands."""

    status = 400
    code = "error"
    message = _l("Permintaan tidak dapat diproses.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class CodeNotFound(SurveyError):
    status, code = 404, "code_not_found"
    message = _l("Kode QR ini tidak kami kenal. Periksa kembali kode di loket.")


class CodeTampered(SurveyError):
    status, code = 403, "code_tampered"
    message = _l("Kode QR ini tidak sah. Pindai ulang kode yang tertempel di loket.")


class CodeRevoked(SurveyError):
    status, code = 403, "code_revoked"
    message = _l("Kode QR ini sudah tidak berlaku. Silakan pindai kode terbaru di loket.")


class CodeAlreadyUsed(SurveyError):
    status, code = 409, "code_used"
    message = _l("Kode sekali pakai ini sudah dipakai untuk menilai. Terima kasih!")


class RatingConflict(SurveyError):
    status, code = 409, "id_conflict"
    message = _l("ID penilaian ini sudah dipakai untuk penilaian lain.")


# --- codes ----------------------------------------------------------------------------


def issue_code(
    session: Session,
    *,
    counter: Counter | None = None,
    officer: Officer | None = None,
    single_use_unit: Unit | None = None,
    batch: str | None = None,
) -> QrCode:
    """A new code for a counter, an officer, or (single use) a unit."""
    if counter is not None:
        code = QrCode(kind="counter", counter=counter, unit_id=counter.unit_id)
    elif officer is not None:
        code = QrCode(kind="officer", officer=officer, unit_id=officer.unit_id)
    elif single_use_unit is not None:
        code = QrCode(kind="single", unit_id=single_use_unit.id, batch=batch)
    else:
        raise ValueError("a code is for a counter, an officer or a unit")
    code.public_id = tokens.new_public_id()
    session.add(code)
    session.flush()
    return code


def current_code(
    session: Session, *, counter: Counter | None = None, officer: Officer | None = None
) -> QrCode:
    """The newest unrevoked standing code of a counter or officer, issued if there is none."""
    query = select(QrCode).where(QrCode.revoked_at.is_(None))
    if counter is not None:
        query = query.where(QrCode.kind == "counter", QrCode.counter_id == counter.id)
    else:
        assert officer is not None
        query = query.where(QrCode.kind == "officer", QrCode.officer_id == officer.id)
    code = session.scalars(query.order_by(QrCode.id.desc()).limit(1)).first()
    return code or issue_code(session, counter=counter, officer=officer)


def revoke_code(session: Session, code: QrCode, now: datetime | None = None) -> None:
    code.revoked_at = now or utcnow()
    code_cache.forget(code.public_id)


def reissue_code(session: Session, code: QrCode) -> QrCode:
    """Revoke a code and issue its replacement (a poster was photographed and misused…)."""
    revoke_code(session, code)
    if code.kind == "counter":
        return issue_code(session, counter=code.counter)
    if code.kind == "officer":
        return issue_code(session, officer=code.officer)
    raise ValueError("single-use codes are not reissued")


def token_for(code: QrCode, secret_key: str) -> str:
    return tokens.sign(secret_key, code.public_id)


def survey_url(code: QrCode, secret_key: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token_for(code, secret_key)}"


def resolve_code(session: Session, token: str, secret_key: str, *,
                 cache_for: float = 0.0, read_only: bool = False) -> QrCode:
    """The code behind a token (its unit loaded), or the reason it cannot be used.

    With ``cache_for`` seconds, a standing code this worker found that recently is used
    without a query (see ``survey.code_cache`` for how soon a revocation then bites);
    ``read_only`` callers get the cache's detached copy as it is (``code_cache.get``)."""
    try:
        public_id = tokens.unsign(secret_key, token)
    except tokens.TamperedToken as exc:
        raise CodeTampered() from exc
    if cache_for and (cached := code_cache.get(session, public_id,
                                               attach=not read_only)) is not None:
        return cached
    code = session.scalars(
        select(QrCode).options(joinedload(QrCode.unit)).where(QrCode.public_id == public_id)
    ).first()
    if code is None:
        raise CodeNotFound()
    if code.revoked_at is not None:
        raise CodeRevoked()
    if cache_for:
        code_cache.remember(session, code, cache_for)
    return code


# --- questionnaire --------------------------------------------------------------------


class NoQuestionnaire(RuntimeError):
    """The database has no active questionnaire: its migrations have not been run."""


def active_questionnaire(session: Session) -> Questionnaire:
    """The active questionnaire (the newest active version). Migration 0014 seeds version 1
    with the nine SKM elements; nothing makes one on demand."""
    active = session.scalars(
        select(Questionnaire).where(Questionnaire.active.is_(True))
        .order_by(Questionnaire.version.desc()).limit(1)
    ).first()
    if active is None:
        raise NoQuestionnaire("No active questionnaire: run `flask --app wsgi db upgrade`.")
    return active


# The active questionnaire's id, per database, as this process last read it: every rating
# names it, and asking for it on every rating would add a query to the request. A version
# activated in another process is seen here within QUESTIONNAIRE_SECONDS.
QUESTIONNAIRE_SECONDS = 300.0
_questionnaire_ids: dict[str, tuple[float, int]] = {}
_questionnaire_lock = threading.Lock()


def active_questionnaire_id(session: Session) -> int:
    """The active questionnaire's id, without a query while this process remembers it."""
    key = database_key(session)
    found = _questionnaire_ids.get(key)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    questionnaire_id = active_questionnaire(session).id
    with _questionnaire_lock:
        _questionnaire_ids[key] = (time.monotonic() + QUESTIONNAIRE_SECONDS, questionnaire_id)
    return questionnaire_id


def questions_for_unit(session: Session, unit_id: int) -> list[Question]:
    """The active questionnaire's standard questions, then the unit's own, in order."""
    return list(
        session.scalars(
            select(Question)
            .where(
                Question.questionnaire_id == active_questionnaire_id(session),
                Question.active.is_(True),
                or_(Question.unit_id.is_(None), Question.unit_id == unit_id),
            )
            .order_by(Question.standard.desc(), Question.position)
        )
    )


# --- recording ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRules:
    """What the settings say about taking a rating: how far ahead a client's clock may be,
    how old a queued rating may be, and how many working days a complaint has. The view
    builds it from the app's configuration (``from_config``); services take it as given."""

    clock_skew: timedelta
    max_age: timedelta
    due_working_days: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RatingRules:
        return cls(
            clock_skew=timedelta(seconds=config["CLOCK_SKEW_SECONDS"]),
            max_age=timedelta(days=config["MAX_RATING_AGE_DAYS"]),
            due_working_days=config["COMPLAINT_DUE_WORKING_DAYS"],
        )


def rating_row(
    rating_id: uuid.UUID,
    unit: Unit,
    answers: Mapping[str, int | None],
    *,
    channel: str,
    questionnaire_id: int,
    submitted_at: datetime,
    received_at: datetime,
    body_digest: str,
    respondent: RespondentInput | None = None,
    counter_id: int | None = None,
    officer_id: int | None = None,
    qr_code_id: int | None = None,
    kiosk_device_id: int | None = None,
    client_hash: str | None = None,
) -> dict[str, Any]:
    """The column values of one raw rating, as it is stored before the fold: the one place a
    rating row is made, for ``record_rating``, the paper import, the demo and the tests'
    factory. Every key is always present (a bulk INSERT needs the same keys in every row);
    the service day is ``submitted_at`` in the unit's own time zone."""
    respondent = respondent or _NO_RESPONDENT
    return {
        "id": rating_id,
        "unit_id": unit.id,
        "counter_id": counter_id,
        "officer_id": officer_id,
        "qr_code_id": qr_code_id,
        "kiosk_device_id": kiosk_device_id,
        "questionnaire_id": questionnaire_id,
        "channel": channel,
        "submitted_at": submitted_at,
        "received_at": received_at,
        "service_day": local_day(submitted_at, unit.timezone),
        "body_digest": body_digest,
        "gender": respondent.gender,
        "age_band": respondent.age_band,
        "education": respondent.education,
        "occupation": respondent.occupation,
        "service_type": respondent.service_type,
        "client_hash": client_hash,
        **{code.lower(): answers.get(code) for code in ELEMENT_CODES},
    }


_NO_RESPONDENT = RespondentInput()


@dataclass(frozen=True)
class Origin:
    """Where a rating came from, already authenticated by the caller."""

    channel: str
    unit: Unit
    counter_id: int | None = None
    officer_id: int | None = None  # an officer's own code names the officer
    qr_code: QrCode | None = None
    kiosk_device_id: int | None = None
    client_hash: str | None = None


def origin_from_code(code: QrCode, channel: str, client_hash: str | None = None) -> Origin:
    return Origin(
        channel=channel,
        unit=code.unit,
        counter_id=code.counter_id,
        officer_id=code.officer_id,
        qr_code=code,
        client_hash=client_hash,
    )


def _shift_at(where):
    # Built once with bound parameters: every rating asks, and building cost more than asking.
    return (
        select(Shift)
        .where(
            where,
            Shift.started_at <= bindparam("moment"),
            or_(Shift.ended_at.is_(None), Shift.ended_at > bindparam("moment")),
        )
        .order_by(Shift.started_at.desc())
        .limit(1)
    )


_SHIFT_AT_COUNTER = _shift_at(Shift.counter_id == bindparam("counter_id"))


def shift_at(session: Session, counter_id: int, moment: datetime) -> Shift | None:
    """The shift signed in to a counter at that moment, if any (the latest, if several)."""
    return session.scalars(
        _SHIFT_AT_COUNTER, {"counter_id": counter_id, "moment": moment}
    ).first()


def _moment_of_rating(data: RatingInput, origin: Origin, now: datetime,
                      rules: RatingRules) -> datetime:
    """When the rating was given: its arrival, unless an authenticated kiosk tablet says when
    it was tapped (its offline queue delivers later). A phone or API client may send a time
    (checked as before), but cannot move its rating to another shift or out of a burst."""
    if data.submitted_at is None:
        return now
    if data.submitted_at > now + rules.clock_skew:
        raise InvalidRating({"submitted_at": _l("Waktu penilaian ada di masa depan.")})
    if data.submitted_at < now - rules.max_age:
        raise InvalidRating({"submitted_at": _l("Penilaian ini terlalu lama untuk diterima.")})
    if origin.kiosk_device_id is None:
        return now
    return min(data.submitted_at, now)


class Recorded(NamedTuple):
    """What ``store_rating`` did: the rating, whether it is new, and (when asked and the
    INSERT could tell) whether a shift was signed in to its counter at its moment."""

    rating: Rating
    created: bool
    on_shift: bool | None = None


def record_rating(
    session: Session,
    data: RatingInput,
    origin: Origin,
    rules: RatingRules,
    *,
    now: datetime | None = None,
) -> tuple[Rating, bool]:
    """Store a rating once. Returns ``(rating, created)``: a retry of the same rating returns
    the stored one with ``created=False``; the same id with another body raises
    ``RatingConflict``. Flushes; the caller commits. (``store_rating``, with the answer's
    shift question asked by the INSERT itself.)"""
    recorded = store_rating(session, data, origin, rules, now=now)
    return recorded.rating, recorded.created


def store_rating(
    session: Session,
    data: RatingInput,
    origin: Origin,
    rules: RatingRules,
    *,
    now: datetime | None = None,
    ask_shift: bool = False,
    attach: bool = True,
) -> Recorded:
    """``record_rating``'s work. With ``ask_shift``, a new rating of a counter's code (no
    officer named) has the INSERT also say whether a shift is signed in to the counter at
    the rating's moment (``Recorded.on_shift``, what ``will_be_attributed`` would read):
    one statement instead of two on the path every citizen takes. ``attach=False``: a
    caller that only reads the new rating's columns (the web channels' answers) gets a plain
    rating with nothing in it for the session to hold, as long as nothing else (a comment,
    a custom answer, a ticket's claim) is stored with it; adding it to the session would cost
    a tenth of the request.

    Only what the answer needs happens here: validation, one INSERT of the raw rating (with
    its comment and custom answers), and for a single-use code its claim. Attribution to the
    shift, integrity flags, aggregates and comment counts are analytics' fold, behind the
    request (analytics/fold.py); until folded the rating names only what its code or tablet
    says (an officer's own code, a counter) and ``folded_at`` is NULL.

    Everything that only reads comes first; the write transaction (BEGIN IMMEDIATE on SQLite,
    which every worker's writes queue for) begins just before the inserts, so it is held for
    the inserts and the commit, not for the look-ups. The INSERT itself tells a retry from a
    new rating (ON CONFLICT DO NOTHING), also when the copy was stored a moment ago by
    another request."""
    now = now or utcnow()
    digest = data.digest()

    code = origin.qr_code
    if code is not None and code.kind == "single" and code.used_at is not None:
        # The rating that used the ticket, sent again, is still answered as a retry.
        stored = _stored_already(session, data.id, digest)
        if stored is None:
            raise CodeAlreadyUsed()
        return Recorded(stored, False)

    moment = _moment_of_rating(data, origin, now, rules)
    custom = _custom_answers(session, origin.unit.id, data.custom_answers)
    values = rating_row(
        data.id,
        origin.unit,
        data.standard_answers,
        channel=origin.channel,
        questionnaire_id=active_questionnaire_id(session),
        submitted_at=moment,
        received_at=now,
        body_digest=digest,
        respondent=data.respondent,
        counter_id=origin.counter_id,
        officer_id=origin.officer_id,
        qr_code_id=code.id if code else None,
        kiosk_device_id=origin.kiosk_device_id,
        client_hash=origin.client_hash,
    )
    plain = not custom and data.comment is None and (code is None or code.kind != "single")
    rating = _as_loaded(values) if plain else Rating(**values)
    comment = None
    if data.comment is not None:
        comment = comment_for(session, rating, data, rating.service_day, rules.due_working_days)

    ask_shift = ask_shift and values["officer_id"] is None and values["counter_id"] is not None
    connection = begin_write(session)
    inserted, on_shift = _insert_rating(connection, values, ask_shift=ask_shift)
    if not inserted:
        return Recorded(_stored_already(session, data.id, digest), False)
    if attach or not plain:
        _hold_as_stored(session, rating)
    if not plain:
        for question, value in custom:
            session.add(CustomAnswer(rating_id=data.id, question_id=question.id, value=value))
        if comment is not None:
            session.add(comment)
        if code is not None and code.kind == "single":
            _claim_single_use(session, code, now)
        session.flush()
    return Recorded(rating, True, on_shift)


_RATING_COLUMNS = {attribute.key: attribute.columns[0]
                   for attribute in Rating.__mapper__.column_attrs}
# Columns left unset hold NULL once inserted, unless the table supplies a default.
_NULL_UNLESS_SET = [key for key, column in _RATING_COLUMNS.items()
                    if column.default is None and column.server_default is None]
_insert_statements: dict[tuple[str, bool], object] = {}
# Whether a shift is signed in to the new row's counter at its moment: what the answer to a
# rating tells (will_be_attributed asks the same). Written out, since SQLAlchemy renders the
# columns of a RETURNING clause without their table, which a subquery cannot tell apart.
_ON_SHIFT = literal_column(
    "EXISTS (SELECT 1 FROM shift WHERE shift.counter_id = rating.counter_id"
    " AND shift.started_at <= rating.submitted_at"
    " AND (shift.ended_at IS NULL OR shift.ended_at > rating.submitted_at))"
).label("on_shift")


def _insert_statement(dialect: str, ask_shift: bool = False):
    """INSERT … ON CONFLICT (id) DO NOTHING: the row count tells a new rating from a retry
    (with ``ask_shift``, RETURNING the shift question: no row is a retry).

    On PostgreSQL the rating table is partitioned (by month of ``submitted_at``) and cannot
    hold a unique key on the id alone: a trigger claims the id in ``rating_key`` and skips
    the row when it is claimed already (migration 0007), so a plain INSERT answers the same
    way, whatever month a retry arrives in."""
    key = (dialect, ask_shift)
    if key not in _insert_statements:
        if dialect == "postgresql":
            statement = insert(Rating.__table__)
        else:
            statement = sqlite.insert(Rating.__table__).on_conflict_do_nothing(
                index_elements=["id"])
        if ask_shift:
            statement = statement.returning(_ON_SHIFT)
        _insert_statements[key] = statement.execution_options(preserve_rowcount=True)
    return _insert_statements[key]


def _insert_rating(connection: Connection, values: dict, *,
                   ask_shift: bool = False) -> tuple[bool, bool | None]:
    """INSERT the rating's row with one plain statement on the session's connection (the
    ORM's unit of work, or even Session.execute, costs more than the INSERT itself on the
    one path every citizen takes): ``(inserted, on shift)``, inserted ``False`` if a rating
    with its id is stored already, on shift ``None`` unless asked."""
    statement = _insert_statement(connection.dialect.name, ask_shift)
    result = connection.execute(statement, values)
    if not ask_shift:
        return result.rowcount == 1, None
    row = result.first()
    return (True, bool(row[0])) if row is not None else (False, None)


def _as_loaded(values: dict) -> Rating:
    """The rating as a query would hand it back, without the constructor's per-attribute
    events (a tenth of the request): nothing is added with it for the unit of work to
    cascade from."""
    rating = Rating.__mapper__.class_manager.new_instance()
    rating.__dict__.update(dict.fromkeys(_NULL_UNLESS_SET), **values)
    return rating


def _hold_as_stored(session: Session, rating: Rating) -> None:
    """Let the session hold a rating inserted by ``_insert_rating`` as a loaded row."""
    given = vars(rating)
    for key in _NULL_UNLESS_SET:
        if key not in given:
            setattr(rating, key, None)
    make_transient_to_detached(rating)  # anything else unset is read back if ever asked for
    session.add(rating)


def _stored_already(session: Session, rating_id, digest: str) -> Rating | None:
    """The stored rating with this id, if any; ``RatingConflict`` if its body differs."""
    stored = session.get(Rating, rating_id)
    if stored is not None and stored.body_digest != digest:
        raise RatingConflict()
    return stored


def _claim_single_use(session: Session, code: QrCode, now: datetime) -> None:
    """Mark a single-use code used, conditionally: of two citizens racing with one ticket,
    the second finds it taken (PostgreSQL re-checks the row once the first commits)."""
    with session.no_autoflush:
        claimed = session.execute(
            update(QrCode).where(QrCode.id == code.id, QrCode.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False)
        ).rowcount
    if not claimed:
        raise CodeAlreadyUsed()
    set_committed_value(code, "used_at", now)


def _custom_answers(
    session: Session, unit_id: int, answers: dict[str, int]
) -> list[tuple[Question, int]]:
    if not answers:
        return []
    by_code = {q.code: q for q in questions_for_unit(session, unit_id) if not q.standard}
    unknown = [code for code in answers if code not in by_code]
    if unknown:
        raise InvalidRating(
            {f"answers.{code}": _l("Pertanyaan tidak dikenal.") for code in unknown})
    return [(by_code[code], value) for code, value in answers.items()]


def comment_for(session: Session, rating: Rating, data: RatingInput, day: date,
                due_working_days: int) -> Comment:
    """The comment a rating carries (a complaint or question with its status and due date,
    ``due_working_days`` after the rating's local ``day``); what record_rating and the demo
    store."""
    comment = data.comment
    assert comment is not None
    followed_up = comment.kind in ("complaint", "question")
    return Comment(
        rating=rating,
        unit_id=rating.unit_id,
        officer_id=rating.officer_id,
        kind=comment.kind,
        text=comment.text,
        category=comment.category,
        element=COMPLAINT_CATEGORIES[comment.category][0] if comment.category else None,
        status="baru" if followed_up else None,
        due_on=due_date(session, day, due_working_days) if followed_up else None,
        contact=comment.contact if comment.contact_consent else None,
        contact_consent=comment.contact_consent,
        created_at=rating.received_at,
    )


_COUNTER_HAS_SHIFT_AT = (
    select(Shift.id)
    .where(
        Shift.counter_id == bindparam("counter_id"),
        Shift.started_at <= bindparam("moment"),
        or_(Shift.ended_at.is_(None), Shift.ended_at > bindparam("moment")),
    )
    .limit(1)
)


def will_be_attributed(session: Session, rating: Rating, on_shift: bool | None = None) -> bool:
    """Whether the rating names (or the fold will give it) an officer: what the answer to a
    rating says. Attribution itself is the fold's. Asked inside the rating's own transaction,
    before the commit, as one indexed read on the connection: after the commit it would
    cost a new transaction and an ORM load, which was a third of the request's time.
    ``on_shift``: the answer to that read, when the rating's INSERT gave it already
    (``store_rating(ask_shift=True)``)."""
    if rating.officer_id is not None:
        return True
    if rating.folded_at is not None or rating.counter_id is None:
        return False
    if on_shift is not None:
        return on_shift
    found = session.connection().execute(
        _COUNTER_HAS_SHIFT_AT, {"counter_id": rating.counter_id, "moment": rating.submitted_at}
    ).first()
    return found is not None


__all__ = [
    "CodeAlreadyUsed",
    "CodeNotFound",
    "CodeRevoked",
    "CodeTampered",
    "NoQuestionnaire",
    "Origin",
    "RatingConflict",
    "RatingRules",
    "Recorded",
    "SurveyError",
    "active_questionnaire",
    "active_questionnaire_id",
    "comment_for",
    "current_code",
    "issue_code",
    "origin_from_code",
    "rating_row",
    "record_rating",
    "reissue_code",
    "resolve_code",
    "revoke_code",
    "shift_at",
    "store_rating",
    "survey_url",
    "will_be_attributed",
]
