"""The SKM index as Permenpan RB 14/2017 computes it, checked against hand-worked examples."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from analytics.ikm import (
    ROUNDING_RULE,
    category_of,
    compute_ikm,
    minimum_sample,
    round_half_up,
    sample_info,
)
from survey.elements import ELEMENT_CODES
from tests.support.ikm import ikm_from_answers


def ratings_with_total(respondents: int, total: int) -> list[dict[str, int]]:
    """``respondents`` ratings answering all nine elements, answers summing to ``total``
    (as even as possible, so every element's NRR is close to the IKM)."""
    answers = 9 * respondents
    base, extra = divmod(total, answers)
    values = [base + 1] * extra + [base] * (answers - extra)
    return [dict(zip(ELEMENT_CODES, values[i * 9:(i + 1) * 9], strict=True))
            for i in range(respondents)]


def test_a_hand_worked_example_gives_the_mean_of_the_element_nrrs_times_25():
    # Four respondents. Per element: U1 4,4,3,3 → 3.5; U2 3,3,3,3 → 3; U3 2,3,2,3 → 2.5;
    # U4 4,4,4,4 → 4; U5..U9 3 each → 3. IKM = (3.5+3+2.5+4+3·5)/9 = 28/9 = 3.111…;
    # converted 77.777… → 77.78, category B (Baik).
    ratings = [
        {"U1": 4, "U2": 3, "U3": 2, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3, "U9": 3},
        {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3, "U9": 3},
        {"U1": 3, "U2": 3, "U3": 2, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3, "U9": 3},
        {"U1": 3, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3, "U9": 3},
    ]
    result = ikm_from_answers(ratings)
    assert result.respondents == 4
    assert result.ikm == Fraction(28, 9)
    assert result.ikm_converted == Decimal("77.78")
    assert (result.category, result.label) == ("B", "Baik")
    assert result.weight == Fraction(1, 9)
    u1 = result.element("U1")
    assert (u1.nrr, u1.weighted, u1.converted, u1.category) == (
        Fraction(7, 2), Fraction(7, 18), Decimal("87.50"), "B")
    assert result.element("U4").converted == Decimal("100.00")
    assert result.element("U4").category == "A"


def test_elements_are_ranked_weakest_first_with_their_own_category():
    ratings = [{"U1": 3, "U2": 3, "U3": 1, "U4": 4, "U5": 3, "U6": 3, "U7": 2, "U8": 3, "U9": 2}]
    result = ikm_from_answers(ratings)
    assert [e.code for e in result.elements] == [
        "U3", "U7", "U9", "U1", "U2", "U5", "U6", "U8", "U4"]
    assert result.weakest.code == "U3"
    assert (result.elements[0].converted, result.elements[0].category) == (Decimal("25.00"), "D")
    assert (result.elements[1].converted, result.elements[1].category) == (Decimal("50.00"), "D")


@pytest.mark.parametrize(
    ("respondents", "total", "converted", "category", "label"),
    [
        # 25 · 889 / 342 = 64.985… → 64.99: still D
        (38, 889, "64.99", "D", "Tidak Baik"),
        # every answer averaging 2.6 exactly → 65.00: C
        (5, 117, "65.00", "C", "Kurang Baik"),
        # 25 · 717 / 234 = 76.6026 → 76.60: still C
        (26, 717, "76.60", "C", "Kurang Baik"),
        # 25 · 524 / 171 = 76.6082 → 76.61: B, though the unrounded value is below 76.61
        (19, 524, "76.61", "B", "Baik"),
        # 25 · 604 / 171 = 88.3041 → 88.30: still B
        (19, 604, "88.30", "B", "Baik"),
        # 25 · 763 / 216 = 88.3102 → 88.31: A
        (24, 763, "88.31", "A", "Sangat Baik"),
    ],
)
def test_the_category_is_decided_on_the_rounded_converted_value_at_each_boundary(
    respondents, total, converted, category, label
):
    result = ikm_from_answers(ratings_with_total(respondents, total))
    assert result.ikm == Fraction(total, 9 * respondents)
    assert result.ikm_converted == Decimal(converted)
    assert (result.category, result.label) == (category, label)


def test_the_thresholds_are_the_rule_even_inside_the_published_gaps():
    assert category_of(Decimal("88.30")).letter == "B"
    assert category_of(Decimal("88.31")).letter == "A"
    assert category_of(Decimal("76.60")).letter == "C"
    assert category_of(Decimal("76.61")).letter == "B"
    assert category_of(Decimal("64.99")).letter == "D"
    assert category_of(Decimal("65.00")).letter == "C"
    assert category_of(Decimal("25.00")).letter == "D"
    assert category_of(Decimal("100.00")).letter == "A"


def test_rounding_happens_only_at_the_end_unlike_a_spreadsheet_with_weight_0_111():
    # All elements at 2.6: the exact weight 1/9 gives 65.00 (C). A spreadsheet that rounds
    # the weight to 0.111 gets 2.6 · 0.999 · 25 = 64.935 (D): why the rule is printed.
    result = ikm_from_answers(ratings_with_total(5, 117))
    assert result.ikm_converted == Decimal("65.00")
    spreadsheet = sum(e.nrr * Fraction("0.111") for e in result.elements) * 25
    assert round_half_up(spreadsheet) == Decimal("64.94")
    assert "1/jumlah unsur" in ROUNDING_RULE and "2 desimal" in ROUNDING_RULE
    assert result.as_dict()["rounding_rule"] == ROUNDING_RULE


def test_half_a_hundredth_rounds_up():
    assert round_half_up(Fraction(76605, 1000)) == Decimal("76.61")
    assert round_half_up(Fraction(766049, 10000)) == Decimal("76.60")
    assert round_half_up(Fraction(129, 2), 0) == Decimal("65")


def test_an_element_nobody_answered_is_left_out_and_the_weights_become_one_over_eight():
    ratings = [{"U1": 4, "U2": 4, "U3": 4, "U4": 4, "U5": 4, "U6": 4, "U7": 4, "U8": 2},
               {"U1": 4, "U2": 4, "U3": 4, "U4": 4, "U5": 4, "U6": 4, "U7": 4, "U8": 2}]
    result = ikm_from_answers(ratings)
    assert result.unanswered == ("U9",)
    assert result.weight == Fraction(1, 8)
    # (7 · 4 + 2) / 8 = 3.75 → 93.75; with U9 counted as 0 it would have been 83.33.
    assert result.ikm == Fraction(15, 4)
    assert result.ikm_converted == Decimal("93.75")
    assert [e.code for e in result.elements][0] == "U8"
    assert result.as_dict()["unanswered_elements"] == ["U9"]
    assert result.as_dict()["weight"] == "1/8"


def test_elements_answered_by_different_numbers_of_people_each_use_their_own_count():
    # U1 answered by two (4, 2 → 3.0), U2 by one (4 → 4.0): IKM = (3 + 4) / 2 = 3.5.
    result = ikm_from_answers([{"U1": 4, "U2": 4}, {"U1": 2}])
    assert result.respondents == 2
    assert result.ikm == Fraction(7, 2)
    assert result.ikm_converted == Decimal("87.50")
    assert len(result.unanswered) == 7


def test_an_empty_period_says_so_instead_of_dividing_by_zero():
    result = ikm_from_answers([])
    assert result.empty
    assert result.respondents == 0
    assert (result.ikm, result.ikm_converted, result.category, result.label) == (None,) * 4
    assert result.elements == ()
    assert result.unanswered == ELEMENT_CODES
    assert result.as_dict()["ikm_converted"] is None
    assert compute_ikm(0, {}).empty


def test_ratings_that_answered_no_standard_element_give_no_index():
    result = ikm_from_answers([{}, {}])
    assert result.empty and result.respondents == 2


@pytest.mark.parametrize(("population", "minimum"), [
    # The regulation's values; 100,000 gives 382.6 → 383 by the formula (the printed table
    # says 384 there): the formula, rounded to the nearest, is the rule.
    (10, 10), (100, 80), (500, 217), (1000, 278), (10_000, 370), (100_000, 383),
    (1_000_000, 384),
])
def test_the_krejcie_morgan_minimum_sample_follows_the_formula_and_its_table(population, minimum):
    assert minimum_sample(population) == minimum


def test_the_sample_is_checked_against_the_minimum_only_when_the_population_is_known():
    assert sample_info(300, 1000).as_dict() | {"method": None} == {
        "respondents": 300, "population": 1000, "minimum": 278, "reached": True,
        "method": None}
    assert sample_info(100, 1000).reached is False
    unknown = sample_info(100, None)
    assert (unknown.minimum, unknown.reached) == (None, None)
    with pytest.raises(ValueError):
        minimum_sample(0)
