"""An officer's public-input component (evaluation.md) as pure arithmetic: raw score,
score shrunk toward the unit, a t interval from the spread of per-rating means, the
minimum-n rule and the band.

Inputs are totals (sums and counts) so the same math runs on raw ratings and on the daily
aggregates; exact ``Fraction`` arithmetic keeps the two paths identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from analytics.ikm import SCALE, round_half_up
from analytics.settings import DEFAULTS, ComponentSettings

CUSTOM = "CUSTOM"  # the key under which an office's own officer questions are totalled

ABOVE, EXPECTED, BELOW, INSUFFICIENT = "above", "expected", "below", "insufficient"
BAND_LABELS = {
    ABOVE: ("di atas ekspektasi", "above expectation"),
    EXPECTED: ("sesuai ekspektasi", "as expected"),
    BELOW: ("di bawah ekspektasi", "below expectation"),
    INSUFFICIENT: ("belum cukup penilaian", "not enough ratings"),
}
MIN_SCORE, MAX_SCORE = Decimal("25.00"), Decimal("100.00")

# The per-rating means are stored in the aggregates as integers scaled by this factor
# (lcm of 1…12), so sums of means stay exact for ratings with up to 12 officer answers.
MEAN_SCALE = 27720


def per_rating_mean(values: Iterable[int]) -> Fraction | None:
    values = [int(v) for v in values]
    return Fraction(sum(values), len(values)) if values else None


def component_values(
    answers: Mapping[str, int | None], custom: Iterable[int], settings: ComponentSettings
) -> list[int]:
    """The answers of one rating that count for the component."""
    values = [answers[c] for c in settings.elements if answers.get(c) is not None]
    if settings.include_custom_questions:
        values.extend(custom)
    return [int(v) for v in values]


@dataclass(frozen=True)
class OfficerTotals:
    """What the component needs from a set of ratings: per element (sum, count) and the
    distribution of answers, the number of ratings with at least one component answer, and
    the sum and sum of squares of their per-rating means."""

    ratings: int = 0
    sums: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    distribution: Mapping[str, tuple[int, int, int, int]] = field(default_factory=dict)
    mean_sum: Fraction = Fraction(0)
    mean_square_sum: Fraction = Fraction(0)

    @property
    def answer_sum(self) -> int:
        return sum(s for s, _ in self.sums.values())

    @property
    def answer_count(self) -> int:
        return sum(n for _, n in self.sums.values())

    def __add__(self, other: OfficerTotals) -> OfficerTotals:
        sums = dict(self.sums)
        for code, (s, n) in other.sums.items():
            old = sums.get(code, (0, 0))
            sums[code] = (old[0] + s, old[1] + n)
        distribution = dict(self.distribution)
        for code, counts in other.distribution.items():
            old = distribution.get(code, (0, 0, 0, 0))
            distribution[code] = tuple(a + b for a, b in zip(old, counts, strict=True))
        return OfficerTotals(self.ratings + other.ratings, sums, distribution,
                             self.mean_sum + other.mean_sum,
                             self.mean_square_sum + other.mean_square_sum)


def totals_from_answers(
    ratings: Iterable[tuple[Mapping[str, int | None], Iterable[int]]],
    settings: ComponentSettings = DEFAULTS,
) -> OfficerTotals:
    """Totals straight from ratings, each given as (SKM answers, custom officer answers)."""
    sums: dict[str, list[int]] = {}
    distribution: dict[str, list[int]] = {}
    n, mean_sum, square_sum = 0, Fraction(0), Fraction(0)
    for answers, custom in ratings:
        custom = list(custom) if settings.include_custom_questions else []
        keyed = [(c, answers[c]) for c in settings.elements if answers.get(c) is not None]
        keyed += [(CUSTOM, v) for v in custom]
        for code, value in keyed:
            total = sums.setdefault(code, [0, 0])
            total[0] += int(value)
            total[1] += 1
            distribution.setdefault(code, [0, 0, 0, 0])[int(value) - 1] += 1
        mean = per_rating_mean(v for _, v in keyed)
        if mean is not None:
            n += 1
            mean_sum += mean
            square_sum += mean * mean
    return OfficerTotals(n, {c: (s, k) for c, (s, k) in sums.items()},
                         {c: tuple(v) for c, v in distribution.items()}, mean_sum, square_sum)


# --- Student's t quantile (no SciPy needed for one number) ------------------------------


def _continued_fraction(a: float, b: float, x: float) -> float:
    # Lentz's method for the incomplete beta function's continued fraction.
    tiny, h = 1e-300, 1.0
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


@lru_cache(maxsize=256)
def t_quantile(probability: float, df: int) -> float:
    """The ``probability`` quantile of Student's t with ``df`` degrees of freedom (p > 0.5)."""
    low, high = 0.0, 1e4
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


# --- the component ----------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentScore:
    """The numbers of one officer's component for one period. When ``enough`` is false the
    numbers are for internal checks only: shown as "belum cukup penilaian", never ranked."""

    n: int
    enough: bool
    raw: Decimal | None
    adjusted: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    unit_score: Decimal | None
    band: str  # ABOVE / EXPECTED / BELOW / INSUFFICIENT
    elements: Mapping[str, Decimal]  # each element's mean × 25, rounded
    weakest_element: str | None
    distribution: Mapping[str, tuple[int, int, int, int]]
    settings: ComponentSettings

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band][0]

    @property
    def band_label_en(self) -> str:
        return BAND_LABELS[self.band][1]

    def as_dict(self, public_numbers: bool | None = None) -> dict[str, Any]:
        """JSON-friendly. Below the minimum the scores are withheld (``None``)."""
        show = self.enough if public_numbers is None else public_numbers

        def number(value):
            return None if (value is None or not show) else float(value)

        return {
            "n": self.n,
            "enough_ratings": self.enough,
            "raw": number(self.raw),
            "adjusted": number(self.adjusted),
            "interval": None if not show or self.lower is None
            else [float(self.lower), float(self.upper)],
            "unit_score": None if self.unit_score is None else float(self.unit_score),
            "band": self.band,
            "band_label": self.band_label,
            "elements": {c: number(v) for c, v in self.elements.items()},
            "weakest_element": self.weakest_element,
            "distribution": {c: list(v) for c, v in self.distribution.items()},
            "settings": self.settings.as_dict(),
        }


def unit_reference(totals: OfficerTotals) -> Fraction | None:
    """The unit's score on the component's elements (mean of all answers × 25), exact."""
    count = totals.answer_count
    return Fraction(totals.answer_sum, count) * SCALE if count else None


def interval(totals: OfficerTotals, raw: Fraction, settings: ComponentSettings
             ) -> tuple[Decimal, Decimal] | None:
    """raw ± t·s/√n on the 25–100 scale, s from the per-rating means; clipped to 25–100."""
    n = totals.ratings
    if n < 2:
        return None
    variance = (totals.mean_square_sum - totals.mean_sum * totals.mean_sum / n) / (n - 1)
    variance = max(variance, Fraction(0))
    probability = 1 - (1 - float(settings.confidence)) / 2
    half = t_quantile(probability, n - 1) * math.sqrt(variance / n) * SCALE
    lower = max(raw - Fraction(half), Fraction(25))
    upper = min(raw + Fraction(half), Fraction(100))
    return round_half_up(lower), round_half_up(upper)


def component(
    totals: OfficerTotals,
    unit_score: Fraction | Decimal | None,
    settings: ComponentSettings = DEFAULTS,
) -> ComponentScore:
    """The component from an officer's totals and the unit's score for the same period."""
    n = totals.ratings
    elements = {code: round_half_up(Fraction(s, c) * SCALE)
                for code, (s, c) in sorted(totals.sums.items()) if c}
    weakest = min(elements, key=lambda c: (elements[c], c)) if elements else None
    reference = None if unit_score is None else Fraction(unit_score)
    shown_reference = None if reference is None else round_half_up(reference)
    if n == 0 or totals.answer_count == 0:
        return ComponentScore(0, False, None, None, None, None, shown_reference, INSUFFICIENT,
                              elements, weakest, dict(totals.distribution), settings)
    raw = Fraction(totals.answer_sum, totals.answer_count) * SCALE
    adjusted = raw if reference is None else (n * raw + settings.k * reference) / (n + settings.k)
    bounds = interval(totals, raw, settings)
    raw_shown, adjusted_shown = round_half_up(raw), round_half_up(adjusted)
    enough = n >= settings.minimum_n
    if not enough:
        band = INSUFFICIENT
    elif bounds is not None and shown_reference is not None and bounds[1] < shown_reference:
        band = BELOW
    elif adjusted_shown < settings.band_threshold:
        band = BELOW
    elif bounds is not None and shown_reference is not None and bounds[0] > shown_reference:
        band = ABOVE
    else:
        band = EXPECTED
    lower, upper = bounds if bounds else (None, None)
    return ComponentScore(n, enough, raw_shown, adjusted_shown, lower, upper, shown_reference,
                          band, elements, weakest, dict(totals.distribution), settings)
