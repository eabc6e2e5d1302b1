"""An officer's public-input component (evaluation.md, docs/officer-component.md) as pure
arithmetic: the officer against the rest of their unit, with an interval that treats the
ratings of one service day as one cluster (CR1), a band only for a difference that is both
real and relevant, a shrunk score for display and the top-box share with its Wilson interval.

Inputs are per-day totals (``Cell``: ratings, sum of per-rating means, element sums and
answer counts) so that the same math runs on raw ratings and on the daily aggregates;
``Fraction`` keeps both paths exact until the square root of the interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from statistics import NormalDist
from typing import Any

from analytics.ikm import SCALE, round_half_up
from analytics.settings import DEFAULTS, ComponentSettings
from survey.elements import OFFICER_ELEMENTS

CUSTOM = "CUSTOM"  # the key under which an office's own officer questions are totalled

ABOVE, EXPECTED, BELOW, INSUFFICIENT = "above", "expected", "below", "insufficient"
BAND_LABELS = {
    ABOVE: ("di atas ekspektasi", "above expectation"),
    EXPECTED: ("sesuai ekspektasi", "as expected"),
    BELOW: ("di bawah ekspektasi", "below expectation"),
    INSUFFICIENT: ("belum cukup penilaian", "not enough ratings"),
}
# Why a component is "belum cukup penilaian" (several may hold at once).
OFFICER_N, OFFICER_DAYS = "officer_n", "officer_days"
REFERENCE_N, REFERENCE_DAYS = "reference_n", "reference_days"

# The per-rating means are stored in the aggregates as integers scaled by this factor
# (lcm of 1…12), so sums of means stay exact for ratings with up to 12 officer answers.
MEAN_SCALE = 27720


# --- one rating, one day ------------------------------------------------------------------


def keyed_answers(answers: Mapping[str, int | None], custom: Iterable[int],
                  settings: ComponentSettings) -> list[tuple[str, int]]:
    """The (element, answer) pairs of one rating that count for the component."""
    keyed = [(code, int(answers[code])) for code in settings.elements
             if answers.get(code) is not None]
    if settings.include_custom_questions:
        keyed += [(CUSTOM, int(v)) for v in custom]
    return keyed


def scaled_mean(values: list[int]) -> int:
    """A rating's mean answer × MEAN_SCALE, as the aggregates store it."""
    count, total = len(values), sum(values)
    return (MEAN_SCALE * total // count if MEAN_SCALE % count == 0
            else round(MEAN_SCALE * total / count))


@dataclass(frozen=True)
class Cell:
    """Counted ratings of one group (an officer, or the rest of a unit) on one service day:
    how many answered at least one officer element, the sum of their per-rating means
    (1–4 scale), and per element the (sum, count) and the number of 1s…4s."""

    n: int = 0
    total: Fraction = Fraction(0)
    sums: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    distribution: Mapping[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def __add__(self, other: Cell) -> Cell:
        sums = dict(self.sums)
        for code, (s, c) in other.sums.items():
            old = sums.get(code, (0, 0))
            sums[code] = (old[0] + s, old[1] + c)
        distribution = dict(self.distribution)
        for code, counts in other.distribution.items():
            old = distribution.get(code, (0, 0, 0, 0))
            distribution[code] = tuple(a + b for a, b in zip(old, counts, strict=True))
        return Cell(self.n + other.n, self.total + other.total, sums, distribution)

    def __sub__(self, other: Cell) -> Cell:
        """What is left of ``self`` without ``other`` (a part of it): exact, and with no
        entry for an element nobody else answered, as if ``other`` was never added."""
        sums = dict(self.sums)
        for code, (s, c) in other.sums.items():
            left = (sums[code][0] - s, sums[code][1] - c)
            if left[1]:
                sums[code] = left
            else:
                del sums[code]
        distribution = dict(self.distribution)
        for code, counts in other.distribution.items():
            left = tuple(a - b for a, b in zip(distribution[code], counts, strict=True))
            if any(left):
                distribution[code] = left  # type: ignore[assignment]
            else:
                del distribution[code]
        return Cell(self.n - other.n, self.total - other.total, sums, distribution)

    @classmethod
    def of_rating(cls, keyed: list[tuple[str, int]]) -> Cell:
        if not keyed:
            return cls()
        sums: dict[str, tuple[int, int]] = {}
        distribution: dict[str, tuple[int, int, int, int]] = {}
        for code, value in keyed:
            s, c = sums.get(code, (0, 0))
            sums[code] = (s + value, c + 1)
            counts = list(distribution.get(code, (0, 0, 0, 0)))
            counts[value - 1] += 1
            distribution[code] = tuple(counts)  # type: ignore[assignment]
        return cls(1, Fraction(scaled_mean([v for _, v in keyed]), MEAN_SCALE), sums,
                   distribution)


def cells_from_answers(
    ratings: Iterable[tuple[date, Mapping[str, int | None], Iterable[int]]],
    settings: ComponentSettings = DEFAULTS,
) -> dict[date, Cell]:
    """Per-day cells straight from ratings, each given as (service day, SKM answers, the
    office's own answers about the officer). A rating with no counted answer adds nothing."""
    cells: dict[date, Cell] = {}
    for day, answers, custom in ratings:
        cell = Cell.of_rating(keyed_answers(answers, custom, settings))
        if cell.n:
            cells[day] = cells.get(day, Cell()) + cell
    return cells


def pooled(cells: Iterable[Cell]) -> Cell:
    total = Cell()
    for cell in cells:
        total = total + cell
    return total


# --- statistics ---------------------------------------------------------------------------


def cr1_variance(clusters: Iterable[tuple[int, Fraction]]) -> Fraction | None:
    """The cluster-robust (CR1) variance of a mean, clusters given as (n_g, S_g):
    V = G/(G−1) · Σ_g (S_g − n_g·ȳ)² / n², ȳ = ΣS/Σn. ``None`` below two clusters, where it
    is not defined (G/(G−1) divides by zero)."""
    clusters = [(n, Fraction(s)) for n, s in clusters if n]
    groups = len(clusters)
    if groups < 2:
        return None
    n = sum(c for c, _ in clusters)
    mean = sum(s for _, s in clusters) / n
    squares = sum((s - c * mean) ** 2 for c, s in clusters)
    return Fraction(groups, groups - 1) * squares / (n * n)


def _continued_fraction(a: float, b: float, x: float) -> float:
    # Lentz's method for the incomplete beta function's continued fraction.
    tiny = 1e-300
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
    if df < 1:
        raise ValueError("Student's t needs at least one degree of freedom")
    low, high = 0.0, 1e6
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (stays inside 0–1, sensible near 0 and 1)."""
    if trials <= 0:
        raise ValueError("no trials")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


# --- the component ----------------------------------------------------------------------


def _points(value: Fraction) -> Decimal:
    return round_half_up(value * SCALE)


def _share(value: float) -> Decimal:
    return round_half_up(Fraction(value), 4)


@dataclass(frozen=True)
class ComponentScore:
    """One officer's component in one unit and period. When ``enough`` is false every
    number that could reveal the score is ``None`` (not computed, so no surface can show
    it): only the counts and the reasons remain."""

    n: int
    days: int
    reference_n: int
    reference_days: int
    enough: bool
    reasons: tuple[str, ...]  # OFFICER_N, OFFICER_DAYS, REFERENCE_N, REFERENCE_DAYS
    band: str  # ABOVE / EXPECTED / BELOW / INSUFFICIENT
    settings: ComponentSettings
    flagged_excluded: int = 0  # the officer's flagged ratings left out
    reference_flagged_excluded: int = 0  # the rest of the unit's
    raw: Decimal | None = None
    reference: Decimal | None = None
    difference: Decimal | None = None
    lower: Decimal | None = None  # of the difference
    upper: Decimal | None = None
    standard_error: Decimal | None = None
    df: int | None = None
    t: Decimal | None = None
    adjusted: Decimal | None = None
    top_box: Decimal | None = None  # share of 4s among the officer's answers, 0–1
    top_box_lower: Decimal | None = None
    top_box_upper: Decimal | None = None
    answers: int | None = None
    elements: Mapping[str, Decimal] | None = None  # each element's mean × 25
    weakest_element: str | None = None
    distribution: Mapping[str, tuple[int, int, int, int]] | None = None

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band][0]

    @property
    def band_label_en(self) -> str:
        return BAND_LABELS[self.band][1]

    @property
    def band_word(self) -> str | None:
        """The band as the API answers it: one of the three words, or ``None``."""
        return None if self.band == INSUFFICIENT else self.band_label

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly; every score is ``None`` when there are not enough ratings."""

        def number(value):
            return None if value is None else float(value)

        top_box = None
        if self.top_box is not None:
            top_box = {"share": number(self.top_box), "answers": self.answers,
                       "interval": [number(self.top_box_lower), number(self.top_box_upper)]}
        return {
            "n": self.n,
            "days": self.days,
            "enough_ratings": self.enough,
            "not_enough_because": list(self.reasons),
            "raw": number(self.raw),
            "reference": number(self.reference),
            "reference_n": self.reference_n,
            "reference_days": self.reference_days,
            "difference": number(self.difference),
            "interval": None if self.lower is None else [number(self.lower),
                                                         number(self.upper)],
            "standard_error": number(self.standard_error),
            "degrees_of_freedom": self.df,
            "adjusted": number(self.adjusted),
            "top_box": top_box,
            "band": self.band_word,
            "band_en": None if self.band == INSUFFICIENT else self.band_label_en,
            "band_label": self.band_label,
            "elements": None if self.elements is None
            else {c: number(v) for c, v in self.elements.items()},
            "weakest_element": self.weakest_element,
            "distribution": None if self.distribution is None
            else {c: list(v) for c, v in self.distribution.items()},
            "flagged_excluded": self.flagged_excluded,
            "reference_flagged_excluded": self.reference_flagged_excluded,
            "settings": self.settings.as_dict(),
        }


def band_of(lower: Decimal, upper: Decimal, delta: Decimal) -> str:
    """Above only when the whole interval lies above +δ, below only when it lies wholly
    below −δ; an interval touching ±δ is not wholly beyond it."""
    if lower > delta:
        return ABOVE
    if upper < -delta:
        return BELOW
    return EXPECTED


def component(
    officer: Mapping[date, Cell],
    reference: Mapping[date, Cell],
    settings: ComponentSettings = DEFAULTS,
    *,
    flagged_excluded: int = 0,
    reference_flagged_excluded: int = 0,
) -> ComponentScore:
    """The component from the officer's per-day cells and the rest of the unit's."""
    officer = {day: cell for day, cell in officer.items() if cell.n}
    reference = {day: cell for day, cell in reference.items() if cell.n}
    mine, theirs = pooled(officer.values()), pooled(reference.values())
    counts = {"n": mine.n, "days": len(officer), "reference_n": theirs.n,
              "reference_days": len(reference)}
    reasons = tuple(reason for reason, short in (
        (OFFICER_N, mine.n < settings.minimum_n),
        (OFFICER_DAYS, len(officer) < settings.minimum_days),
        (REFERENCE_N, theirs.n < settings.minimum_n),
        (REFERENCE_DAYS, len(reference) < settings.minimum_days)) if short)
    common = {"settings": settings, "flagged_excluded": flagged_excluded,
              "reference_flagged_excluded": reference_flagged_excluded, **counts}
    if reasons:
        return ComponentScore(enough=False, reasons=reasons, band=INSUFFICIENT, **common)

    raw = mine.total / mine.n
    ref = theirs.total / theirs.n
    difference = raw - ref
    variance = (cr1_variance((c.n, c.total) for c in officer.values())
                + cr1_variance((c.n, c.total) for c in reference.values()))
    df = min(len(officer), len(reference)) - 1
    probability = 1 - (1 - float(settings.confidence)) / 2
    t = t_quantile(probability, df)
    half = Fraction(t * math.sqrt(variance) * SCALE)
    lower = round_half_up(difference * SCALE - half)
    upper = round_half_up(difference * SCALE + half)
    adjusted = ref + difference * Fraction(mine.n, mine.n + settings.k)

    answers = sum(c for _, c in mine.sums.values())
    fours = sum(counts_[3] for counts_ in mine.distribution.values())
    top_box = top_low = top_high = None
    if answers:
        low, high = wilson(fours, answers, float(settings.confidence))
        top_box, top_low, top_high = _share(fours / answers), _share(low), _share(high)
    elements = {code: _points(Fraction(s, c)) for code, (s, c) in sorted(mine.sums.items())
                if c}
    weakest = min(elements, key=lambda c: (elements[c], c)) if elements else None
    return ComponentScore(
        enough=True, reasons=(), band=band_of(lower, upper, Decimal(settings.delta)),
        raw=_points(raw), reference=_points(ref), difference=_points(difference),
        lower=lower, upper=upper,
        standard_error=round_half_up(Fraction(math.sqrt(variance) * SCALE), 3),
        df=df, t=round_half_up(Fraction(t), 4), adjusted=_points(adjusted),
        top_box=top_box, top_box_lower=top_low, top_box_upper=top_high, answers=answers,
        elements=elements,
        weakest_element=weakest, distribution=dict(sorted(mine.distribution.items())),
        **common)


# --- per-unit cells and an officer's score from them --------------------------------------


@dataclass(frozen=True)
class UnitCells:
    """One unit's counted ratings in a period as per-day cells, per officer (0 = nobody),
    and how many flagged (not cleared) ratings each officer key had left out."""

    cells: Mapping[int, Mapping[date, Cell]]
    flagged: Mapping[int, int]

    def officer_side(self, officer_id: int) -> dict[date, Cell]:
        return dict(self.cells.get(officer_id, {}))

    def reference_side(self, officer_id: int) -> dict[date, Cell]:
        """Every other counted rating of the unit, per day: never the officer's own. The
        unit's day less the officer's (exact): adding up everyone else's cells for each
        officer cost officers² × days. Days with no counted rating left are left out, as
        ``component`` leaves them out."""
        own = self.cells.get(officer_id, {})
        days = {day: total - own[day] if day in own else total
                for day, total in self._unit_days.items()}
        return {day: cell for day, cell in days.items() if cell.n}

    @cached_property
    def _unit_days(self) -> dict[date, Cell]:
        days: dict[date, Cell] = {}
        for cells in self.cells.values():
            for day, cell in cells.items():
                days[day] = days.get(day, Cell()) + cell
        return days

    def reference_flagged(self, officer_id: int) -> int:
        return sum(n for key, n in self.flagged.items() if key != officer_id)

    def officer_ids(self) -> set[int]:
        return {key for key in (*self.cells, *self.flagged) if key}


def cell_of_row(row: Mapping[str, Any]) -> Cell:
    """A Cell from summed aggregate columns (standard officer elements + custom)."""
    sums: dict[str, tuple[int, int]] = {}
    distribution: dict[str, tuple[int, int, int, int]] = {}
    for code, key in ((c, c.lower()) for c in OFFICER_ELEMENTS):
        if row[f"{key}_n"]:
            sums[code] = (int(row[f"{key}_sum"]), int(row[f"{key}_n"]))
            distribution[code] = tuple(int(row[f"{key}_a{v}"]) for v in (1, 2, 3, 4))
    if row["custom_n"]:
        sums[CUSTOM] = (int(row["custom_sum"]), int(row["custom_n"]))
        distribution[CUSTOM] = tuple(int(row[f"custom_a{v}"]) for v in (1, 2, 3, 4))
    return Cell(int(row["officer_ratings"]), Fraction(int(row["officer_mean_sum"]), MEAN_SCALE),
                sums, distribution)


def officer_score(cells: UnitCells, officer_id: int, settings: ComponentSettings
                  ) -> ComponentScore:
    return component(cells.officer_side(officer_id), cells.reference_side(officer_id),
                     settings, flagged_excluded=cells.flagged.get(officer_id, 0),
                     reference_flagged_excluded=cells.reference_flagged(officer_id))


def score_change(current: ComponentScore, previous: ComponentScore | None) -> Decimal | None:
    """Change of the raw score against the previous period (``None`` unless both have one)."""
    if previous is None or current.raw is None or previous.raw is None:
        return None
    return current.raw - previous.raw
