"""Settings of the officer component (evaluation.md): which elements, the shrinkage, the
minimum number of ratings, the band threshold and the interval method.

Defaults follow the domain rules; an administrator overrides them through the app config
(``ANALYTICS_*``). Every report prints the settings it used, so a number is never shown
without the rules that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from survey.elements import ELEMENT_CODES, OFFICER_ELEMENTS

INTERVAL_METHODS = ("t",)


@dataclass(frozen=True)
class ComponentSettings:
    """What an officer's component is computed with."""

    # The SKM elements about the person who served (U3, U6, U7 by default).
    elements: tuple[str, ...] = OFFICER_ELEMENTS
    # Whether an office's own questions marked ``about_officer`` count too.
    include_custom_questions: bool = True
    # Shrinkage: the officer is treated as having ``k`` extra ratings at the unit's mean.
    k: int = 10
    # Below this many ratings the component is "belum cukup penilaian": no number shown.
    minimum_n: int = 30
    # An adjusted score below this (SKM category C or D) is "di bawah ekspektasi".
    band_threshold: Decimal = Decimal("76.61")
    confidence: Decimal = Decimal("0.95")
    # "t": Student's t interval from the spread of the per-rating means, clipped to 25–100.
    interval_method: str = "t"
    # The score the officer is compared with and shrunk toward: the unit's mean on the
    # same elements, over all the unit's ratings of the same period.
    reference: str = "unit-same-elements-same-period"

    def __post_init__(self):
        unknown = [code for code in self.elements if code not in ELEMENT_CODES]
        if unknown or not self.elements:
            raise ValueError(f"unknown officer elements: {unknown or 'none given'}")
        if self.k < 0 or self.minimum_n < 2:
            raise ValueError("k must be ≥ 0 and minimum_n ≥ 2")
        if self.interval_method not in INTERVAL_METHODS:
            raise ValueError(f"interval method must be one of {INTERVAL_METHODS}")
        if not Decimal(0) < Decimal(self.confidence) < Decimal(1):
            raise ValueError("confidence must be between 0 and 1")

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, in the order a report prints them."""
        data = asdict(self)
        data["elements"] = list(self.elements)
        data["band_threshold"] = str(self.band_threshold)
        data["confidence"] = str(self.confidence)
        return data

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) lines for a printed report, Indonesian first."""
        return [
            ("Unsur komponen petugas", ", ".join(self.elements)
             + (" + pertanyaan kantor tentang petugas" if self.include_custom_questions else "")),
            ("Penyusutan k (penilaian tambahan pada rata-rata unit)", str(self.k)),
            ("Minimum penilaian", str(self.minimum_n)),
            ("Batas di bawah ekspektasi (skor disesuaikan)", str(self.band_threshold)),
            ("Interval", f"{int(Decimal(self.confidence) * 100)}% t-Student, dibatasi 25–100"),
            ("Pembanding", "skor unit pada unsur yang sama, periode yang sama"),
        ]


DEFAULTS = ComponentSettings()

CONFIG_KEYS = {
    "ANALYTICS_OFFICER_ELEMENTS": "elements",
    "ANALYTICS_INCLUDE_CUSTOM_QUESTIONS": "include_custom_questions",
    "ANALYTICS_SHRINKAGE_K": "k",
    "ANALYTICS_MINIMUM_N": "minimum_n",
    "ANALYTICS_BAND_THRESHOLD": "band_threshold",
    "ANALYTICS_CONFIDENCE": "confidence",
    "ANALYTICS_INTERVAL_METHOD": "interval_method",
}


def from_config(config: Mapping[str, Any] | None) -> ComponentSettings:
    """The settings an app is configured with (``ANALYTICS_*`` keys), defaults elsewhere."""
    if not config:
        return DEFAULTS
    values: dict[str, Any] = {}
    for key, name in CONFIG_KEYS.items():
        if config.get(key) is None:
            continue
        value = config[key]
        if name == "elements":
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
            value = tuple(code.upper() for code in value)
        elif name in ("band_threshold", "confidence"):
            value = Decimal(str(value))
        elif name in ("k", "minimum_n"):
            value = int(value)
        values[name] = value
    return ComponentSettings(**values) if values else DEFAULTS


def current() -> ComponentSettings:
    """The settings of the running app, or the defaults outside one."""
    from flask import current_app, has_app_context

    return from_config(current_app.config) if has_app_context() else DEFAULTS
