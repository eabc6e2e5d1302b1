"""An officer's public-input component as arithmetic, pinned on hand-worked examples: the
per-rating score, the rest of the unit as reference, the CR1 variance with service days as
clusters, Student's t, the Wilson interval, the δ rule at its edges, the shrunk score and
the minimum of ratings and days (docs/officer-component.md)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from analytics.officers import (
    ABOVE,
    BELOW,
    CUSTOM,
    EXPECTED,
    INSUFFICIENT,
    OFFICER_DAYS,
    OFFICER_N,
    REFERENCE_DAYS,
    REFERENCE_N,
    Cell,
    band_of,
    cells_from_answers,
    component,
    cr1_variance,
    t_quantile,
    wilson,
)
from analytics.settings import DEFAULTS, ComponentSettings, SettingsError, from_config

MONDAY = date(2026, 3, 2)
RELAXED = ComponentSettings(minimum_n=2, minimum_days=2)


def day(i: int) -> date:
    return MONDAY + timedelta(days=i)


def ratings(per_day: list[list[int]]):
    """One list of answers per day; each answer given to U3, U6 and U7 alike."""
    return [(day(i), {"U1": 1, "U3": v, "U6": v, "U7": v}, [])
            for i, values in enumerate(per_day) for v in values]


def cells(per_day: list[list[int]], settings=DEFAULTS):
    return cells_from_answers(ratings(per_day), settings)


# --- the per-rating score ------------------------------------------------------------------


def test_a_rating_scores_the_mean_of_its_officer_answers_and_ignores_the_rest():
    made = cells_from_answers([(MONDAY, {"U1": 1, "U3": 4, "U6": 3, "U7": 2}, []),
                               (MONDAY, {"U3": 4, "U9": 1}, []),
                               (MONDAY, {"U1": 4, "U9": 4}, [])])  # no officer answer
    cell = made[MONDAY]
    # (4 + 3 + 2) / 3 = 3 and 4 / 1 = 4: two ratings, the third answered none of U3/U6/U7.
    assert (cell.n, cell.total) == (2, Fraction(7))
    assert cell.sums == {"U3": (8, 2), "U6": (3, 1), "U7": (2, 1)}
    assert cell.distribution["U3"] == (0, 0, 0, 2)


def test_the_raw_score_is_the_mean_of_the_per_rating_scores_not_of_all_answers():
    # Rating A answers only U3 = 4 (score 100); rating B answers 1, 1, 1 (score 25).
    # Mean of per-rating scores: 62.5; the mean of all four answers would be 43.75.
    officer = cells_from_answers([(day(0), {"U3": 4}, []), (day(1), {"U3": 1, "U6": 1,
                                                                     "U7": 1}, [])])
    score = component(officer, cells([[3], [3]]), RELAXED)
    assert score.raw == Decimal("62.50")


def test_an_office_question_about_the_officer_counts_unless_switched_off():
    rows = [(MONDAY, {"U3": 4}, [2])]
    assert cells_from_answers(rows)[MONDAY].total == Fraction(3)
    assert CUSTOM in cells_from_answers(rows)[MONDAY].sums
    without = ComponentSettings(include_custom_questions=False)
    assert cells_from_answers(rows, without)[MONDAY].total == Fraction(4)


# --- CR1, t, Wilson ---------------------------------------------------------------------


def test_the_cr1_variance_of_a_mean_with_unequal_days_worked_by_hand():
    # Day 1: 4, 4, 3 (n 3, S 11); day 2: 2, 3 (n 2, S 5). Mean 16/5 = 3.2.
    # Residual sums: 11 − 3·3.2 = 1.4 and 5 − 2·3.2 = −1.4; squares 1.96 + 1.96 = 3.92.
    # V = G/(G−1) · 3.92 / n² = 2 · 3.92 / 25 = 0.3136.
    assert cr1_variance([(3, Fraction(11)), (2, Fraction(5))]) == Fraction(3136, 10000)
    # Three days: (2, 8), (1, 2), (3, 8): mean 3; residuals 2, −1, −1 → 6;
    # V = 3/2 · 6 / 36 = 0.25.
    assert cr1_variance([(2, Fraction(8)), (1, Fraction(2)), (3, Fraction(8))]) == Fraction(1, 4)


def test_cr1_is_not_defined_on_one_day_and_zero_when_every_day_has_the_same_mean():
    assert cr1_variance([(30, Fraction(90))]) is None
    assert cr1_variance([(2, Fraction(6)), (4, Fraction(12))]) == 0


def test_the_t_quantile_matches_the_printed_tables():
    assert t_quantile(0.975, 1) == pytest.approx(12.7062, abs=1e-4)
    assert t_quantile(0.975, 4) == pytest.approx(2.7764, abs=1e-4)
    assert t_quantile(0.975, 10) == pytest.approx(2.2281, abs=1e-4)
    assert t_quantile(0.975, 29) == pytest.approx(2.0452, abs=1e-4)
    assert t_quantile(0.975, 1000) == pytest.approx(1.9623, abs=1e-4)
    assert t_quantile(0.95, 4) == pytest.approx(2.1318, abs=1e-4)


def test_the_wilson_interval_worked_by_hand():
    # 8 of 10, z = 1.959964: centre (0.8 + z²/20) / (1 + z²/10) = 0.71674,
    # half-width z/(1 + z²/10) · √(0.016 + z²/400) = 0.22658.
    low, high = wilson(8, 10)
    assert (low, high) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    # It stays inside 0–1 where the plain interval would not.
    assert wilson(10, 10) == (pytest.approx(0.7225, abs=1e-4), pytest.approx(1.0, abs=1e-12))
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)


def test_the_interval_of_the_difference_adds_both_sides_variances_and_uses_the_fewer_days():
    officer = {day(0): Cell(3, Fraction(11)), day(1): Cell(2, Fraction(5))}
    reference = {day(0): Cell(2, Fraction(8)), day(1): Cell(1, Fraction(2)),
                 day(2): Cell(3, Fraction(8))}
    score = component(officer, reference, RELAXED)
    # raw 3.2 · 25 = 80, reference 3 · 25 = 75, d = 5; SE = 25 · √(0.3136 + 0.25) = 18.768;
    # df = min(2, 3) − 1 = 1, t = 12.7062: 5 ± 238.47.
    half = 12.706204736 * 25 * math.sqrt(0.5636)
    assert (score.raw, score.reference, score.difference) == (
        Decimal("80.00"), Decimal("75.00"), Decimal("5.00"))
    assert score.standard_error == Decimal("18.768")
    assert score.df == 1
    assert float(score.lower) == pytest.approx(5 - half, abs=0.006)
    assert float(score.upper) == pytest.approx(5 + half, abs=0.006)
    assert score.band == EXPECTED


# --- the band and its edges ------------------------------------------------------------------


def test_the_band_needs_the_whole_interval_beyond_delta():
    delta = Decimal("2.5")
    assert band_of(Decimal("2.51"), Decimal("9"), delta) == ABOVE
    assert band_of(Decimal("2.50"), Decimal("9"), delta) == EXPECTED  # touching is not beyond
    assert band_of(Decimal("-9"), Decimal("-2.51"), delta) == BELOW
    assert band_of(Decimal("-9"), Decimal("-2.50"), delta) == EXPECTED
    assert band_of(Decimal("-1"), Decimal("4"), delta) == EXPECTED


def same_every_day(values: list[int], days: int = 5) -> list[list[int]]:
    return [list(values) for _ in range(days)]


def test_a_difference_of_exactly_delta_is_sesuai_and_a_larger_one_above():
    # Every day the same mix: CR1 variance 0, so the interval is the difference itself.
    reference = cells(same_every_day([3] * 10))  # 75 every day
    exactly = component(cells(same_every_day([3] * 9 + [4])), reference)  # 77.5
    assert (exactly.difference, exactly.lower, exactly.upper) == (
        Decimal("2.50"), Decimal("2.50"), Decimal("2.50"))
    assert exactly.band == EXPECTED
    more = component(cells(same_every_day([3] * 8 + [4] * 2)), reference)  # 80
    assert (more.lower, more.band) == (Decimal("5.00"), ABOVE)
    less = component(cells(same_every_day([3] * 9 + [2])), reference)  # 72.5
    assert (less.upper, less.band) == (Decimal("-2.50"), EXPECTED)
    worse = component(cells(same_every_day([3] * 8 + [2] * 2)), reference)
    assert worse.band == BELOW and worse.band_label == "di bawah ekspektasi"


def test_a_real_but_small_difference_is_sesuai():
    # 900 ratings over 30 days, about one point above the rest of the unit: the interval is
    # narrow and excludes 0, but the difference is far from relevant.
    # 30 ratings a day; one 4 a day, two every fifth day: mean 3.04 → 76, one point over 75.
    officer = cells([[3] * 28 + [4, 4 if i % 5 == 4 else 3] for i in range(30)])
    reference = cells([[3] * 30 for _ in range(30)])
    score = component(officer, reference)
    assert (score.n, score.days) == (900, 30)
    assert score.difference == Decimal("1.00")
    assert score.lower > 0
    assert score.band == EXPECTED


def test_no_absolute_threshold_applies_to_a_person():
    # A unit at about 55 (category D): an officer clearly better than every colleague is
    # above expectation although 62 is still category D.
    reference = cells([[2] * 25 + [3] * 5 for _ in range(6)])
    officer = cells([[2] * 15 + [3] * 15 for _ in range(6)])
    score = component(officer, reference)
    assert score.raw < Decimal("65")
    assert score.band == ABOVE


# --- enough data, and nothing below it -------------------------------------------------------


def test_thirty_ratings_over_five_days_on_both_sides_are_needed():
    reference = cells(same_every_day([3] * 6))
    assert component(cells(same_every_day([3] * 6)), reference).enough
    short = component(cells(same_every_day([3] * 6)[:4] + [[3] * 6]), reference)
    assert short.enough  # still 30 over 5 days
    few = component(cells(same_every_day([3] * 5) + [[3] * 4]), reference)
    assert few.reasons == (OFFICER_N,)
    four_days = component(cells([[3] * 8] * 4), reference)
    assert four_days.reasons == (OFFICER_DAYS,)
    no_colleagues = component(cells(same_every_day([3] * 6)), cells([[3] * 40]))
    assert no_colleagues.reasons == (REFERENCE_DAYS,)
    thin = component(cells(same_every_day([3] * 6)), cells(same_every_day([3] * 5)[:5]
                                                            + [[3] * 0]))
    assert thin.reasons == (REFERENCE_N,)


def test_forty_ratings_from_two_days_are_belum_cukup_and_carry_no_number():
    score = component(cells([[4] * 20, [1] * 20]), cells(same_every_day([3] * 10)))
    assert (score.n, score.days, score.enough) == (40, 2, False)
    assert score.band == INSUFFICIENT and score.band_label == "belum cukup penilaian"
    for name in ("raw", "reference", "difference", "lower", "upper", "standard_error",
                 "adjusted", "top_box", "top_box_lower", "top_box_upper", "elements",
                 "weakest_element", "distribution"):
        assert getattr(score, name) is None, name
    shown = score.as_dict()
    assert shown["band"] is None and shown["enough_ratings"] is False
    assert (shown["n"], shown["days"]) == (40, 2)
    assert shown["distribution"] is None and shown["elements"] is None
    assert shown["not_enough_because"] == [OFFICER_DAYS]


def test_the_adjusted_score_shrinks_the_difference_by_n_over_n_plus_k():
    reference = cells(same_every_day([3] * 6))  # 75
    officer = cells(same_every_day([4] * 6))  # 100, n 30
    assert component(officer, reference).adjusted == Decimal("90.00")  # 75 + 25·30/50
    assert component(officer, reference, ComponentSettings(k=30)).adjusted == Decimal("87.50")
    assert component(officer, reference, ComponentSettings(k=0)).adjusted == Decimal("100.00")


def test_the_top_box_share_counts_the_fours_among_the_officers_answers():
    score = component(cells(same_every_day([4, 4, 3, 3, 3, 2])), cells(same_every_day([3] * 6)))
    # Each rating gives three answers: 30 ratings → 90 answers, 30 of them 4.
    assert (score.answers, score.top_box) == (90, Decimal("0.3333"))
    low, high = wilson(30, 90)
    assert (score.top_box_lower, score.top_box_upper) == (
        Decimal(str(round(low, 4))), Decimal(str(round(high, 4))))


# --- settings --------------------------------------------------------------------------------


def test_every_setting_is_read_from_the_configuration_and_comes_with_the_result():
    settings = from_config({"ANALYTICS_SHRINKAGE_K": "5", "ANALYTICS_MINIMUM_N": "5",
                            "ANALYTICS_MINIMUM_DAYS": "3", "ANALYTICS_DELTA": "1.25",
                            "ANALYTICS_CONFIDENCE": "0.9",
                            "ANALYTICS_OFFICER_ELEMENTS": "u6, u7",
                            "ANALYTICS_INCLUDE_CUSTOM_QUESTIONS": "tidak"})
    assert (settings.k, settings.minimum_n, settings.minimum_days, settings.delta,
            settings.confidence, settings.elements, settings.include_custom_questions) == (
        5, 5, 3, Decimal("1.25"), Decimal("0.9"), ("U6", "U7"), False)
    shown = component({}, {}, settings).as_dict()["settings"]
    assert shown == {"elements": ["U6", "U7"], "include_custom_questions": False, "k": 5,
                     "delta": "1.25", "minimum_n": 5, "minimum_days": 3, "confidence": "0.9",
                     "reference": "rest-of-unit-same-period",
                     "interval": "cr1-service-days-student-t"}
    assert from_config({}) is DEFAULTS
    assert (DEFAULTS.k, DEFAULTS.delta, DEFAULTS.minimum_n, DEFAULTS.minimum_days) == (
        20, Decimal("2.5"), 30, 5)
    assert len(DEFAULTS.describe()) == 7


def test_five_ratings_are_enough_when_the_administrator_says_so():
    settings = from_config({"ANALYTICS_MINIMUM_N": "5"})
    score = component(cells(same_every_day([3])), cells(same_every_day([3])), settings)
    assert score.enough


@pytest.mark.parametrize("config", [
    {"ANALYTICS_OFFICER_ELEMENTS": "U10"},
    {"ANALYTICS_MINIMUM_N": "1"},
    {"ANALYTICS_MINIMUM_N": "lima"},
    {"ANALYTICS_MINIMUM_DAYS": "1"},
    {"ANALYTICS_DELTA": "-1"},
    {"ANALYTICS_CONFIDENCE": "95"},
    {"ANALYTICS_INCLUDE_CUSTOM_QUESTIONS": "mungkin"},
    {"ANALYTICS_BAND_THRESHOLD": "76.61"},
])
def test_settings_refuse_nonsense_naming_the_key(config):
    with pytest.raises(SettingsError, match=next(iter(config))):
        from_config(config)


def test_an_officer_without_ratings_has_no_number():
    score = component({}, cells(same_every_day([3] * 6)))
    assert (score.n, score.days, score.raw, score.band) == (0, 0, None, INSUFFICIENT)


def test_the_reference_is_everyone_else_of_the_unit_day_by_day_exactly():
    # reference_side takes the officer's cells from the unit's day (cheap at scale); it must
    # be exactly what adding up every other officer's cells gives.
    import random
    from datetime import date, timedelta

    from analytics.officers import Cell, UnitCells, keyed_answers

    rng = random.Random(5)
    days = [date(2026, 3, 2) + timedelta(days=d) for d in range(6)]
    cells: dict[int, dict] = {}
    for officer in range(5):  # 0: rated with nobody named
        for day in rng.sample(days, rng.randint(1, len(days))):
            cell = Cell()
            for _ in range(rng.randint(1, 4)):
                answers = {code: rng.choice((None, 1, 2, 3, 4)) for code in ("U3", "U6", "U7")}
                custom = [rng.randint(1, 4)] if rng.random() < 0.3 else []
                cell = cell + Cell.of_rating(keyed_answers(answers, custom, DEFAULTS))
            cells.setdefault(officer, {})[day] = cell
    unit = UnitCells(cells, {})
    for officer in range(6):  # 5: an officer with no rating in the period
        expected: dict = {}
        for key, by_day in cells.items():
            if key != officer:
                for day, cell in by_day.items():
                    expected[day] = expected.get(day, Cell()) + cell
        assert unit.reference_side(officer) == {d: c for d, c in expected.items() if c.n}
