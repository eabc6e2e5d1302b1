"""An officer's public-input component: raw score, shrinkage toward the unit, the t interval,
the minimum number of ratings and the band (evaluation.md)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from analytics.officers import (
    ABOVE,
    BELOW,
    CUSTOM,
    EXPECTED,
    INSUFFICIENT,
    component,
    t_quantile,
    totals_from_answers,
)
from analytics.settings import DEFAULTS, ComponentSettings, from_config


def officer_ratings(*spec: tuple[int, int]):
    """(how many, answer for U3, U6 and U7) → ratings as (answers, custom answers)."""
    return [({"U1": 4, "U3": value, "U6": value, "U7": value}, [])
            for count, value in spec for _ in range(count)]


def test_the_raw_score_is_the_mean_of_the_officer_elements_times_25_and_ignores_the_others():
    totals = totals_from_answers([({"U1": 1, "U3": 4, "U6": 3, "U7": 2}, []),
                                  ({"U3": 4, "U9": 1}, [])])
    # U3, U6, U7 answers: 4, 3, 2, 4 → mean 3.25 → 81.25 (U1 and U9 are about the unit).
    score = component(totals, Fraction(80), ComponentSettings(minimum_n=2))
    assert totals.ratings == 2
    assert score.raw == Decimal("81.25")
    assert score.elements == {"U3": Decimal("100.00"), "U6": Decimal("75.00"),
                              "U7": Decimal("50.00")}
    assert score.weakest_element == "U7"
    assert score.distribution == {"U3": (0, 0, 0, 2), "U6": (0, 0, 1, 0), "U7": (0, 1, 0, 0)}


def test_an_office_question_about_the_officer_counts_unless_switched_off():
    ratings = [({"U3": 4}, [2])]
    assert component(totals_from_answers(ratings), 80).elements[CUSTOM] == Decimal("50.00")
    without = ComponentSettings(include_custom_questions=False)
    assert CUSTOM not in component(totals_from_answers(ratings, without), 80, without).elements


def test_a_new_officer_with_three_bad_ratings_is_shrunk_toward_the_unit_and_not_scored():
    totals = totals_from_answers(officer_ratings((3, 1)))
    score = component(totals, Fraction(80))
    # (3 · 25 + 10 · 80) / 13 = 67.307… → 67.31
    assert score.raw == Decimal("25.00")
    assert score.adjusted == Decimal("67.31")
    assert not score.enough
    assert score.band == INSUFFICIENT
    assert score.band_label == "belum cukup penilaian"
    shown = score.as_dict()
    assert shown["raw"] is None and shown["adjusted"] is None and shown["interval"] is None
    assert shown["n"] == 3 and shown["band"] == "insufficient"


def test_shrinkage_weighs_the_officer_by_n_and_the_unit_by_k():
    totals = totals_from_answers(officer_ratings((30, 4)))
    assert component(totals, Fraction(60)).adjusted == Decimal("90.00")  # (30·100+10·60)/40
    assert component(totals, Fraction(60), ComponentSettings(k=30)).adjusted == Decimal("80.00")
    assert component(totals, Fraction(60), ComponentSettings(k=0)).adjusted == Decimal("100.00")


def test_the_interval_is_student_t_from_the_spread_of_per_rating_means():
    # 15 ratings averaging 4 and 15 averaging 3: mean 3.5, s² = 30 · 0.25 / 29,
    # half-width = t(0.975, 29) · s / √30 · 25 with t = 2.04523.
    totals = totals_from_answers(officer_ratings((15, 4), (15, 3)))
    score = component(totals, Fraction(875, 10))
    half = 2.045229642 * math.sqrt(30 * 0.25 / 29 / 30) * 25
    assert score.raw == Decimal("87.50")
    assert float(score.lower) == pytest.approx(87.5 - half, abs=0.005)
    assert float(score.upper) == pytest.approx(87.5 + half, abs=0.005)
    assert (score.lower, score.upper) == (Decimal("82.75"), Decimal("92.25"))


def test_the_t_quantile_matches_the_printed_tables():
    assert t_quantile(0.975, 1) == pytest.approx(12.706, abs=1e-3)
    assert t_quantile(0.975, 10) == pytest.approx(2.228, abs=1e-3)
    assert t_quantile(0.975, 29) == pytest.approx(2.045, abs=1e-3)
    assert t_quantile(0.975, 1000) == pytest.approx(1.962, abs=1e-3)


def test_the_interval_is_clipped_to_the_scale():
    totals = totals_from_answers(officer_ratings((29, 4), (1, 1)))
    score = component(totals, Fraction(90))
    assert score.upper == Decimal("100.00")
    assert score.lower < score.raw < score.upper


def test_twenty_nine_ratings_are_not_enough_and_thirty_are():
    assert component(totals_from_answers(officer_ratings((29, 3))), 75).band == INSUFFICIENT
    assert component(totals_from_answers(officer_ratings((30, 3))), 75).band != INSUFFICIENT
    relaxed = ComponentSettings(minimum_n=10)
    assert component(totals_from_answers(officer_ratings((10, 3))), 75, relaxed).enough


def test_above_expectation_when_the_interval_lies_wholly_above_the_unit():
    score = component(totals_from_answers(officer_ratings((25, 4), (15, 3))), Fraction(80))
    assert score.lower > score.unit_score == Decimal("80.00")
    assert score.band == ABOVE
    assert score.band_label == "di atas ekspektasi"


def test_below_expectation_when_the_interval_lies_wholly_below_the_unit():
    score = component(totals_from_answers(officer_ratings((20, 4), (20, 3))), Fraction(95))
    # The adjusted score is still B (≥ 76.61): the interval alone puts it below.
    assert score.adjusted >= Decimal("76.61")
    assert score.upper < score.unit_score
    assert score.band == BELOW


def test_below_expectation_when_the_adjusted_score_is_category_c_or_d():
    # Officer and unit alike at about 72: the interval holds the unit, but 72 is category C.
    score = component(totals_from_answers(officer_ratings((16, 3), (14, 2), (5, 4))),
                      Fraction(72))
    assert score.lower <= score.unit_score <= score.upper
    assert score.adjusted < Decimal("76.61")
    assert score.band == BELOW
    assert score.band_label == "di bawah ekspektasi"


def test_as_expected_when_the_interval_holds_the_unit_and_the_score_is_b_or_better():
    score = component(totals_from_answers(officer_ratings((20, 4), (20, 3))), Fraction(875, 10))
    assert score.lower <= score.unit_score <= score.upper
    assert score.band == EXPECTED
    assert score.band_label == "sesuai ekspektasi"


def test_every_setting_used_comes_with_the_result():
    settings = from_config({"ANALYTICS_SHRINKAGE_K": "5", "ANALYTICS_MINIMUM_N": 20,
                            "ANALYTICS_OFFICER_ELEMENTS": "u6, u7",
                            "ANALYTICS_BAND_THRESHOLD": "80"})
    assert (settings.k, settings.minimum_n, settings.elements, settings.band_threshold) == (
        5, 20, ("U6", "U7"), Decimal("80"))
    shown = component(totals_from_answers(officer_ratings((20, 3)), settings), 75,
                      settings).as_dict()
    assert shown["settings"] == {
        "elements": ["U6", "U7"], "include_custom_questions": True, "k": 5, "minimum_n": 20,
        "band_threshold": "80", "confidence": "0.95", "interval_method": "t",
        "reference": "unit-same-elements-same-period"}
    assert from_config({}) is DEFAULTS
    assert [label for label, _ in DEFAULTS.describe()][0] == "Unsur komponen petugas"


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError):
        ComponentSettings(elements=("U10",))
    with pytest.raises(ValueError):
        ComponentSettings(minimum_n=1)
    with pytest.raises(ValueError):
        ComponentSettings(interval_method="bootstrap")


def test_an_officer_without_ratings_has_no_number():
    score = component(totals_from_answers([]), Fraction(80))
    assert (score.n, score.raw, score.band) == (0, None, INSUFFICIENT)
