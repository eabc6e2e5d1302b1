"""The SKM index (Permenpan RB 14/2017) as pure arithmetic: NRR per element, the IKM, its
converted value and category, and the Krejcie–Morgan minimum sample.

Everything is exact (``Fraction``) until the final converted value, which alone is rounded
(half up, to two decimals); categories are decided on that rounded value. See docs/ikm.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from survey.elements import ELEMENT_CODES, ELEMENTS_BY_CODE

ROUNDING_RULE = (
    "IKM adalah rata-rata NRR unsur dengan bobot tepat 1/jumlah unsur yang dijawab (1/9 bila "
    "semua dijawab), dihitung dengan presisi penuh tanpa pembulatan antara; hanya nilai "
    "konversi (IKM × 25) yang dibulatkan ke 2 desimal (setengah ke atas), dan mutu pelayanan "
    "ditentukan dari nilai konversi yang sudah dibulatkan itu."
)
ROUNDING_RULE_EN = (
    "The IKM is the mean of the element NRRs with the exact weight 1/(number of answered "
    "elements) (1/9 when all are answered), kept at full precision with no intermediate "
    "rounding; only the converted value (IKM × 25) is rounded, half up, to 2 decimals, and "
    "the category is decided on that rounded value."
)

SCALE = 25


@dataclass(frozen=True)
class Category:
    """Mutu pelayanan (A–D) and kinerja unit for a converted value."""

    letter: str
    label: str
    label_en: str
    lower: Decimal  # the rounded converted value from which this category starts


# The thresholds are the rule (the published intervals have gaps, e.g. 88.30–88.31).
CATEGORIES: tuple[Category, ...] = (
    Category("A", "Sangat Baik", "Very good", Decimal("88.31")),
    Category("B", "Baik", "Good", Decimal("76.61")),
    Category("C", "Kurang Baik", "Fair", Decimal("65.00")),
    Category("D", "Tidak Baik", "Poor", Decimal("25.00")),
)


def round_half_up(value: Fraction | int, places: int = 2) -> Decimal:
    """``value`` rounded half up (away from zero), exactly: integer arithmetic only."""
    value = Fraction(value)
    numerator, denominator = abs(value.numerator) * 10**places, value.denominator
    whole = (2 * numerator + denominator) // (2 * denominator)
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def convert(nrr: Fraction) -> Decimal:
    """An index or an element's NRR on the 25–100 scale, rounded to two decimals."""
    return round_half_up(nrr * SCALE)


def category_of(converted: Decimal) -> Category:
    """The category of an already rounded converted value."""
    converted = Decimal(converted)
    for category in CATEGORIES:
        if converted >= category.lower:
            return category
    return CATEGORIES[-1]


@dataclass(frozen=True)
class ElementScore:
    """One element's result: NRR, its weighted share of the IKM and its own converted value."""

    code: str
    name: str
    total: int  # sum of the answers
    answers: int  # number of answers
    nrr: Fraction
    weighted: Fraction  # NRR × weight (NRR tertimbang)
    converted: Decimal
    category: str
    label: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "answers": self.answers,
            "total": self.total,
            "nrr": round(float(self.nrr), 4),
            "nrr_weighted": round(float(self.weighted), 4),
            "converted": float(self.converted),
            "category": self.category,
            "label": self.label,
        }


@dataclass(frozen=True)
class IkmResult:
    """The IKM of a set of ratings. With no ratings (or no element answered) ``ikm`` and
    ``ikm_converted`` are ``None`` and ``empty`` is true: never a division by zero."""

    respondents: int
    elements: tuple[ElementScore, ...]  # weakest first
    unanswered: tuple[str, ...]  # element codes nobody answered, left out of the IKM
    ikm: Fraction | None
    ikm_converted: Decimal | None
    category: str | None  # mutu pelayanan, A–D
    label: str | None  # kinerja unit
    weight: Fraction | None
    rounding_rule: str = ROUNDING_RULE

    @property
    def empty(self) -> bool:
        return self.ikm is None

    @property
    def mutu_pelayanan(self) -> str | None:
        return self.category

    @property
    def kinerja_unit(self) -> str | None:
        return self.label

    @property
    def weakest(self) -> ElementScore | None:
        return self.elements[0] if self.elements else None

    def element(self, code: str) -> ElementScore | None:
        return next((e for e in self.elements if e.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "empty": self.empty,
            "elements": [e.as_dict() for e in self.elements],
            "unanswered_elements": list(self.unanswered),
            "weight": None if self.weight is None else f"1/{self.weight.denominator}",
            "ikm": None if self.ikm is None else round(float(self.ikm), 4),
            "ikm_converted": None if self.ikm_converted is None else float(self.ikm_converted),
            "category": self.category,
            "label": self.label,
            "rounding_rule": self.rounding_rule,
        }


def compute_ikm(
    respondents: int,
    totals: Mapping[str, tuple[int, int]],
    elements: Iterable[str] = ELEMENT_CODES,
) -> IkmResult:
    """The IKM from each element's (sum of answers, number of answers).

    Elements with no answers are left out and reported in ``unanswered``; the weight becomes
    1/(number of answered elements)."""
    codes = tuple(elements)
    answered = [c for c in codes if totals.get(c, (0, 0))[1] > 0]
    unanswered = tuple(c for c in codes if c not in answered)
    if respondents <= 0 or not answered:
        return IkmResult(respondents=max(respondents, 0), elements=(), unanswered=codes,
                         ikm=None, ikm_converted=None, category=None, label=None, weight=None)
    weight = Fraction(1, len(answered))
    scores = []
    for code in answered:
        total, count = totals[code]
        nrr = Fraction(total, count)
        converted = convert(nrr)
        category = category_of(converted)
        scores.append(ElementScore(
            code=code, name=ELEMENTS_BY_CODE[code].name, total=int(total), answers=int(count),
            nrr=nrr, weighted=nrr * weight, converted=converted,
            category=category.letter, label=category.label,
        ))
    ikm = sum((s.weighted for s in scores), Fraction(0))
    converted = convert(ikm)
    category = category_of(converted)
    order = {code: i for i, code in enumerate(codes)}
    scores.sort(key=lambda s: (s.nrr, order[s.code]))
    return IkmResult(respondents=respondents, elements=tuple(scores), unanswered=unanswered,
                     ikm=ikm, ikm_converted=converted, category=category.letter,
                     label=category.label, weight=weight)


# --- sample size ------------------------------------------------------------------------

LAMBDA_SQUARED = Fraction(3841, 1000)  # chi-square, 1 degree of freedom, 95%
P = Q = Fraction(1, 2)
D_SQUARED = Fraction(1, 400)  # margin of error d = 0.05


def minimum_sample(population: int) -> int:
    """Krejcie–Morgan: S = λ²NPQ / (d²(N−1) + λ²PQ), rounded to the nearest whole number."""
    if population <= 0:
        raise ValueError("population must be positive")
    n = Fraction(population)
    s = LAMBDA_SQUARED * n * P * Q / (D_SQUARED * (n - 1) + LAMBDA_SQUARED * P * Q)
    return int(round_half_up(s, 0))


@dataclass(frozen=True)
class SampleInfo:
    """The sample against the unit's Krejcie–Morgan minimum (unknown without a population)."""

    respondents: int
    population: int | None
    minimum: int | None
    reached: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {"respondents": self.respondents, "population": self.population,
                "minimum": self.minimum, "reached": self.reached,
                "method": "Krejcie-Morgan (λ²=3.841, P=Q=0.5, d=0.05)"}


def sample_info(respondents: int, population: int | None) -> SampleInfo:
    if not population or population <= 0:
        return SampleInfo(respondents, None, None, None)
    minimum = minimum_sample(population)
    return SampleInfo(respondents, population, minimum, respondents >= minimum)
