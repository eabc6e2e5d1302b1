"""Settings of the officer component (evaluation.md, docs/officer-component.md): which
elements, the shrinkage k, the margin δ, the minimum ratings and days, the confidence.

Defaults follow the domain rules; an administrator overrides them with ``ANALYTICS_*``
environment variables (or the app config). A malformed value refuses to start, naming the
key. ``TABLE`` is analytics' part of the settings table (core/settings.py): the component,
alerts and their delivery, the public page. Every surface prints the settings it used, so a
number is never shown without the rules that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from core.settings import BOOL, TEXT, Kind, Setting, Table, decimal, url, whole
from survey.elements import ELEMENT_CODES, OFFICER_ELEMENTS

TRUE_WORDS = {"1", "true", "yes", "on", "ya"}
FALSE_WORDS = {"0", "false", "no", "off", "tidak"}


@dataclass(frozen=True)
class ComponentSettings:
    """What an officer's component is computed with."""

    # The SKM elements about the person who served (U3, U6, U7 by default).
    elements: tuple[str, ...] = OFFICER_ELEMENTS
    # Whether an office's own questions marked ``about_officer`` count too.
    include_custom_questions: bool = True
    # Shrinkage of the displayed score: adjusted = reference + d · n / (n + k).
    k: int = 20
    # A difference smaller than δ points (25–100 scale) is not relevant: 2.5 = 0.1 on 1–4.
    delta: Decimal = Decimal("2.5")
    # Below this many ratings, or this many service days, on either side: no number.
    minimum_n: int = 30
    minimum_days: int = 5
    confidence: Decimal = Decimal("0.95")

    def __post_init__(self):
        unknown = [code for code in self.elements if code not in ELEMENT_CODES]
        if unknown or not self.elements:
            raise ValueError(f"unknown officer elements: {unknown or 'none given'}")
        if self.k < 0:
            raise ValueError("k must be ≥ 0")
        if self.minimum_n < 2:
            raise ValueError("minimum_n must be ≥ 2")
        # Two days at least: the interval's degrees of freedom are (fewer days − 1).
        if self.minimum_days < 2:
            raise ValueError("minimum_days must be ≥ 2")
        if Decimal(self.delta) < 0:
            raise ValueError("delta must be ≥ 0")
        if not Decimal("0.5") <= Decimal(self.confidence) < Decimal(1):
            raise ValueError("confidence must be at least 0.5 and below 1")

    @property
    def uses_standard_elements(self) -> bool:
        """Whether the daily aggregates hold exactly what these settings count."""
        return tuple(self.elements) == OFFICER_ELEMENTS and self.include_custom_questions

    @property
    def confidence_percent(self) -> str:
        value = Decimal(self.confidence) * 100
        return f"{value.normalize():f}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, in the order a report prints them."""
        return {
            "elements": list(self.elements),
            "include_custom_questions": self.include_custom_questions,
            "k": self.k,
            "delta": str(self.delta),
            "minimum_n": self.minimum_n,
            "minimum_days": self.minimum_days,
            "confidence": str(self.confidence),
            "reference": "rest-of-unit-same-period",
            "interval": "cr1-service-days-student-t",
        }

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) lines for a printed report (Indonesian outside a request)."""
        elements = ", ".join(self.elements)
        if self.include_custom_questions:
            elements += " + " + str(_l("pertanyaan kantor tentang petugas"))
        return [
            (str(_l("Unsur komponen petugas")), elements),
            (str(_l("Pembanding")), str(_l("penilaian lain di unit yang sama, periode yang "
                                           "sama (tanpa penilaian petugas sendiri)"))),
            (str(_l("Minimum penilaian (petugas dan pembanding)")), str(self.minimum_n)),
            (str(_l("Minimum hari layanan (petugas dan pembanding)")), str(self.minimum_days)),
            (str(_l("Interval selisih")),
             str(_l("%(p)s%% t-Student, galat baku klaster (CR1) per hari layanan",
                    p=self.confidence_percent))),
            (str(_l("Batas selisih yang berarti (δ)")), str(_l("±%(d)s poin", d=self.delta))),
            (str(_l("Penyusutan k (skor disesuaikan)")), str(self.k)),
        ]


DEFAULTS = ComponentSettings()

CONFIG_KEYS = {
    "ANALYTICS_OFFICER_ELEMENTS": "elements",
    "ANALYTICS_INCLUDE_CUSTOM_QUESTIONS": "include_custom_questions",
    "ANALYTICS_SHRINKAGE_K": "k",
    "ANALYTICS_DELTA": "delta",
    "ANALYTICS_MINIMUM_N": "minimum_n",
    "ANALYTICS_MINIMUM_DAYS": "minimum_days",
    "ANALYTICS_CONFIDENCE": "confidence",
}
# Keys of the old method: refused with a reason rather than silently ignored.
RETIRED_KEYS = {
    "ANALYTICS_BAND_THRESHOLD": "an absolute threshold no longer decides a person's band; "
                                "set ANALYTICS_DELTA (the margin around the rest of the unit)",
    "ANALYTICS_INTERVAL_METHOD": "the interval is always cluster-robust by service day",
}




def _elements(text: str) -> tuple[str, ...]:
    codes = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    if not codes or any(code not in ELEMENT_CODES for code in codes):
        raise ValueError("unknown element")
    return codes


ELEMENTS = Kind("SKM element codes separated by commas, such as U3,U6,U7", _elements,
                show=",".join, malformed="U3,U10")

TABLE = Table(
    prefixes=("ANALYTICS_", "ALERT_"),
    retired=RETIRED_KEYS,
    settings=(
        Setting("ANALYTICS_OFFICER_ELEMENTS", ELEMENTS, DEFAULTS.elements,
                "the SKM elements about the officer ([officer-component.md]"
                "(officer-component.md))", "U6,U7"),
        Setting("ANALYTICS_INCLUDE_CUSTOM_QUESTIONS", BOOL, DEFAULTS.include_custom_questions,
                "whether an office's own questions about the officer count too", "false"),
        Setting("ANALYTICS_SHRINKAGE_K", whole(0), DEFAULTS.k,
                "k of the adjusted score: reference + d · n / (n + k)", "10"),
        Setting("ANALYTICS_DELTA", decimal(minimum="0"), DEFAULTS.delta,
                "δ, the smallest difference that matters (points, 25–100 scale)", "1.5"),
        Setting("ANALYTICS_MINIMUM_N", whole(2), DEFAULTS.minimum_n,
                "fewest ratings, officer and reference, for a component", "40"),
        Setting("ANALYTICS_MINIMUM_DAYS", whole(2, "of days"), DEFAULTS.minimum_days,
                "fewest service days, officer and reference, for a component", "7"),
        Setting("ANALYTICS_CONFIDENCE", decimal(minimum="0.5", below="1"), DEFAULTS.confidence,
                "the confidence of the difference's interval", "0.9"),
        Setting("SMTP_URL", url("smtp", "smtps", password=True), None,
                "alert e-mail: `smtp://user:password@host:587?starttls=true` or "
                "`smtps://host:465`; unset, no e-mail ([alerts.md](alerts.md))",
                "smtp://suara:rahasia@mail.kotasukamaju.go.id:587?starttls=true",
                documented_default="unset (no e-mail)"),
        Setting("MAIL_SENDER", TEXT, "Suara Layanan <suara-layanan@localhost>",
                "the From of alert e-mail and digests", "Survei Kota <survei@kota.go.id>"),
        Setting("SMTP_TIMEOUT_SECONDS", whole(1, "of seconds"), 20,
                "how long one e-mail delivery may take", "30"),
        Setting("WEBHOOK_TIMEOUT_SECONDS", whole(1, "of seconds"), 10,
                "how long one webhook delivery may take", "5"),
        Setting("ALERT_MAX_ATTEMPTS", whole(1), 8,
                "tries per message (1, 2, 4 … minutes apart, at most 6 hours) before it is "
                "marked failed", "5"),
        Setting("ALERT_WORK_INTERVAL_SECONDS", whole(1, "of seconds"), 30,
                "how often the fold worker (or `alert work`) evaluates every rule and writes "
                "the weekly digests", "60"),
        Setting("ALERT_DELIVERY_INTERVAL_SECONDS", whole(1, "of seconds"), 5,
                "how often the fold worker sends the queued e-mail and webhooks", "10"),
        Setting("ALERT_WINDOW_RECHECK_SECONDS", whole(0, "of seconds"), 10,
                "a fold batch re-reads a place's rolling window for its alert rules at most "
                "this often (0: every batch); comment rules see every batch", "0"),
        Setting("PUBLIC_MINIMUM_RESPONDENTS", whole(1), 5,
                "the public results withhold an index from fewer respondents "
                "([reports.md](reports.md))", "10"),
    ),
)


class SettingsError(ValueError):
    """A component setting that cannot be used; the message names the key."""


def _parse(name: str, value: Any) -> Any:
    if name == "elements":
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return tuple(str(code).upper() for code in value)
    if name == "include_custom_questions":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"not a yes/no value: {value!r}")
    if name in ("delta", "confidence"):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if isinstance(value, bool):
        raise ValueError(f"not a whole number: {value!r}")
    return int(str(value).strip())


def from_config(config: Mapping[str, Any] | None) -> ComponentSettings:
    """The settings an app is configured with (``ANALYTICS_*`` keys), defaults elsewhere.
    Raises ``SettingsError`` naming the key of a value that cannot be used."""
    if not config:
        return DEFAULTS
    for key, reason in RETIRED_KEYS.items():
        if config.get(key) is not None:
            raise SettingsError(f"{key} is no longer used: {reason}.")
    values: dict[str, Any] = {}
    for key, name in CONFIG_KEYS.items():
        if config.get(key) is None or config.get(key) == "":
            continue
        try:
            values[name] = _parse(name, config[key])
        except ValueError as exc:
            raise SettingsError(f"{key}: {exc}") from None
    if not values:
        return DEFAULTS
    try:
        return ComponentSettings(**values)
    except ValueError as exc:
        keys = ", ".join(k for k, n in CONFIG_KEYS.items() if n in values)
        raise SettingsError(f"{keys}: {exc}") from None


def current() -> ComponentSettings:
    """The settings of the running app, or the defaults outside one."""
    from flask import current_app, has_app_context

    return from_config(current_app.config) if has_app_context() else DEFAULTS
