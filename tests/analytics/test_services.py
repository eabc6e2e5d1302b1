"""Session-level analytics: unit, department and series IKM, officer tables and evidence,
complaint trends and whether an element moved after follow-up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from analytics import complaint_trends, ikm_read, officers_read
from analytics.periods import Period, PeriodError, parse_period
from analytics.settings import DEFAULTS
from analytics.settings import current as current_settings
from tests.support.factories import at

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def test_a_unit_ikm_reports_the_sample_against_its_minimum(db_session, factory, rate):
    unit = factory.unit(annual_population=100)
    rate(unit, 4, times=79)
    result = ikm_read.unit_ikm(db_session, unit, MARCH)
    assert result.result.ikm_converted == Decimal("100.00")
    assert (result.sample.minimum, result.sample.reached) == (80, False)
    rate(unit, 3)
    assert ikm_read.unit_ikm(db_session, unit, MARCH).sample.reached is True
    shown = ikm_read.unit_ikm(db_session, unit, MARCH).as_dict()
    assert shown["unit"]["code"] == unit.code and shown["period"] == {
        "from": "2026-03-01", "to": "2026-03-31"}


def test_only_the_days_of_the_period_count(db_session, factory, rate):
    unit = factory.unit()
    rate(unit, 4, day=(2026, 2, 28))
    rate(unit, 2, day=(2026, 3, 1))
    rate(unit, 1, day=(2026, 4, 1))
    result = ikm_read.unit_ikm(db_session, unit, MARCH).result
    assert (result.respondents, result.ikm_converted) == (1, Decimal("50.00"))


def test_an_empty_period_is_a_result_not_an_error(db_session, factory):
    result = ikm_read.unit_ikm(db_session, factory.unit(), MARCH)
    assert result.result.empty and result.result.respondents == 0
    assert result.as_dict()["ikm"] is None


def test_a_department_pools_its_units_and_many_units_come_from_one_query(
    db_session, factory, rate
):
    department = factory.department()
    first, second = factory.unit(department=department), factory.unit(department=department)
    elsewhere = factory.unit()
    rate(first, 4, times=3)
    rate(second, 2)
    rate(elsewhere, 1)
    pooled = ikm_read.ikm_of_units(db_session, [first.id, second.id], MARCH)
    assert (pooled.respondents, pooled.ikm_converted) == (4, Decimal("87.50"))
    results = ikm_read.units_ikm(db_session, [second, first, elsewhere], MARCH)
    assert [r.unit_code for r in results] == [second.code, first.code, elsewhere.code]
    assert [r.result.ikm_converted for r in results] == [
        Decimal("50.00"), Decimal("100.00"), Decimal("25.00")]


def test_the_ikm_series_buckets_weeks_from_monday_and_months(db_session, factory, rate):
    unit = factory.unit()
    rate(unit, 4, day=(2026, 3, 2))   # Monday
    rate(unit, 2, day=(2026, 3, 8))   # Sunday, same week
    rate(unit, 3, day=(2026, 3, 9))   # next Monday
    weekly = ikm_read.ikm_series(db_session, [unit.id], MARCH, "W")
    assert list(weekly["period_start"]) == [date(2026, 3, 2), date(2026, 3, 9)]
    assert list(weekly["respondents"]) == [2, 1]
    assert list(weekly["ikm_converted"]) == [75.0, 75.0]
    assert list(weekly["category"]) == ["C", "C"]
    monthly = ikm_read.ikm_series(db_session, [unit.id], MARCH, "M")
    assert list(monthly["period_start"]) == [date(2026, 3, 1)]
    assert ikm_read.ikm_series(db_session, [], MARCH).empty


def spread(rate, unit, answers, *, officer=None, per_day=6, days=5, month=3, first=2,
           **fields):
    """``per_day`` ratings on each of ``days`` consecutive days from ``first``."""
    made = []
    for d in range(first, first + days):
        made += rate(unit, answers, officer=officer, times=per_day, day=(2026, month, d),
                     **fields) if per_day > 1 else [rate(unit, answers, officer=officer,
                                                          day=(2026, month, d), **fields)]
    return made


def test_officers_are_ranked_inside_their_unit_only_and_those_below_the_minimum_are_not(
    db_session, factory, rate
):
    unit, other = factory.unit(code="A-UNIT"), factory.unit(code="B-UNIT")
    strong = factory.officer(unit=unit, name="Ani")
    steady = factory.officer(unit=unit, name="Budi")
    new = factory.officer(unit=unit, name="Citra")
    best_elsewhere = factory.officer(unit=other, name="Aaron")
    spread(rate, unit, 4, officer=strong)
    spread(rate, unit, 3, officer=steady)
    rate(unit, 1, officer=new, times=3)
    spread(rate, other, 4, officer=best_elsewhere)
    spread(rate, other, 2)
    table = officers_read.officer_components(db_session, [unit.id, other.id], MARCH, DEFAULTS)
    assert [(c.unit_code, c.name, c.rank) for c in table] == [
        ("A-UNIT", "Ani", 1), ("A-UNIT", "Budi", 2), ("A-UNIT", "Citra", None),
        ("B-UNIT", "Aaron", 1)]
    assert table[2].as_dict()["raw"] is None
    assert table[2].score.band_label == "belum cukup penilaian"
    # Ani is compared with Budi and Citra (the rest of her unit), never with herself.
    assert table[0].score.reference_n == 33
    assert table[0].settings.k == 20
    assert [(code, [o.name for o in items]) for code, _n, items
            in officers_read.group_by_unit(table)] == [("A-UNIT", ["Ani", "Budi", "Citra"]),
                                                 ("B-UNIT", ["Aaron"])]
    assert officers_read.officer_components(db_session, [], MARCH, DEFAULTS) == []


def test_an_officer_better_than_every_colleague_in_a_category_c_unit_is_not_below(
    db_session, factory, rate
):
    unit = factory.unit()
    better = factory.officer(unit=unit)
    colleagues = [factory.officer(unit=unit) for _ in range(2)]
    weak = {**dict.fromkeys(("U1", "U2", "U4", "U5", "U8", "U9"), 3), "U3": 2, "U6": 2, "U7": 2}
    for colleague in colleagues:
        spread(rate, unit, weak, officer=colleague, per_day=8)
    spread(rate, unit, 3, officer=better, per_day=8, days=6)
    ikm = ikm_read.unit_ikm(db_session, unit, MARCH).result
    assert ikm.category == "C"
    (mine,) = [c for c in officers_read.officer_components(db_session, [unit.id], MARCH, DEFAULTS)
               if c.officer_id == better.id]
    assert mine.score.raw == Decimal("75.00") and mine.score.band == "above"


def test_an_officers_trend_compares_with_the_previous_period_of_equal_length(
    db_session, factory, rate
):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    spread(rate, unit, 3, officer=officer, month=2, first=10)
    spread(rate, unit, 4, officer=officer, first=10)
    spread(rate, unit, 3, month=2, first=10)
    spread(rate, unit, 3, first=10)
    result = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS)
    assert result.previous.n == 30 and result.previous.days == 5
    assert result.trend == Decimal("25.00")
    assert MARCH.previous() == Period(date(2026, 1, 29), date(2026, 2, 28))


def test_an_officers_evidence_has_the_weakest_elements_comments_and_praise_without_contact(
    db_session, factory, rate
):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    spread(rate, unit, {"U3": 3, "U6": 4, "U7": 4}, officer=officer)
    spread(rate, unit, 3)
    slow = rate(unit, {"U3": 1, "U6": 4, "U7": 4}, officer=officer)
    kind = rate(unit, {"U3": 2, "U6": 4, "U7": 4}, officer=officer)
    rude = rate(unit, {"U3": 2, "U6": 4, "U7": 3}, officer=officer)
    factory.comment(slow, kind="complaint", category="antrean", element="U3",
                    text="Antrean lama sekali", contact="0812-555", contact_consent=True,
                    created_at=slow.submitted_at)
    factory.comment(kind, kind="praise", text="Petugas ramah dan sabar",
                    created_at=kind.submitted_at)
    factory.comment(rude, kind="complaint", category="perilaku", element="U7",
                    text="Kurang ramah", created_at=rude.submitted_at)
    result = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS)
    assert result.score.weakest_element == "U3"
    assert [c.text for c in result.weakest_comments] == ["Antrean lama sekali"]
    assert [c.text for c in result.praise] == ["Petugas ramah dan sabar"]
    shown = result.as_dict()
    assert "0812-555" not in str(shown)
    assert "contact" not in shown["weakest_element_comments"][0]


def test_below_the_minimum_there_is_no_weakest_element_to_point_comments_at(
    db_session, factory, rate
):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    slow = rate(unit, {"U3": 1, "U6": 4, "U7": 4}, officer=officer)
    factory.comment(slow, kind="complaint", category="antrean", element="U3",
                    text="Antrean lama sekali", created_at=slow.submitted_at)
    result = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS)
    assert result.score.weakest_element is None and result.weakest_comments == ()


def test_a_burst_of_flagged_ratings_moves_neither_the_unit_ikm_nor_the_reference(
    db_session, factory, rate
):
    from survey import integrity

    unit = factory.unit()
    officer = factory.officer(unit=unit)
    spread(rate, unit, 3, officer=officer)
    spread(rate, unit, {**dict.fromkeys(("U1", "U2", "U4", "U5", "U8", "U9"), 3),
                        "U3": 2, "U6": 3, "U7": 3}, per_day=8)

    def numbers():
        ikm = ikm_read.unit_ikm(db_session, unit, MARCH)
        score = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS,
                                                evidence=False).score
        return ikm.result.ikm_converted, score.reference, score.difference, score.band

    before = numbers()
    burst = rate(unit, 4, times=24, day=(2026, 3, 4), flags=integrity.BURST_NETWORK)
    assert numbers() == before
    ikm = ikm_read.unit_ikm(db_session, unit, MARCH)
    assert ikm.flagged_excluded == 24 and ikm.as_dict()["flagged_excluded"] == 24
    score = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS,
                                            evidence=False).score
    assert (score.flagged_excluded, score.reference_flagged_excluded) == (0, 24)
    # A head clears them: they count from then on, in the IKM and in the reference.
    head = factory.user(role="head", department_id=unit.department_id)
    for rating in burst:
        integrity.clear_flags(db_session, rating, head)
    db_session.expire_all()
    after = numbers()
    assert after[0] > before[0] and after[1] > before[1]
    assert ikm_read.unit_ikm(db_session, unit, MARCH).flagged_excluded == 0


def test_complaints_are_counted_per_unit_category_and_week_with_open_and_overdue(
    db_session, factory, rate
):
    unit = factory.unit()
    for day, category, status, due in [
        ((2026, 3, 2), "antrean", "baru", date(2026, 3, 9)),
        ((2026, 3, 3), "antrean", "selesai", date(2026, 3, 10)),
        ((2026, 3, 10), "sarana", "diproses", date(2026, 3, 31)),
    ]:
        rating = rate(unit, 3, day=day)
        factory.comment(rating, kind="complaint", category=category, status=status,
                        due_on=due, created_at=rating.submitted_at)
    factory.comment(rate(unit, 4), kind="praise", created_at=at(2026, 3, 2))
    counts = complaint_trends.complaint_counts(db_session, [unit.id], MARCH, "W")
    assert [tuple(r) for r in counts[["category", "period_start", "count"]].itertuples(
        index=False)] == [("antrean", date(2026, 3, 2), 2), ("sarana", date(2026, 3, 9), 1)]
    backlog = complaint_trends.complaint_backlog(db_session, [unit.id], today=date(2026, 3, 20))
    assert [tuple(r) for r in backlog[["category", "open", "overdue"]].itertuples(
        index=False)] == [("antrean", 1, 1), ("sarana", 1, 0)]


def test_the_element_score_before_and_after_complaints_were_resolved(db_session, factory, rate):
    unit = factory.unit()
    rate(unit, {"U3": 2}, day=(2026, 3, 2), times=2)
    rate(unit, {"U3": 4}, day=(2026, 3, 20), times=2)
    complaint = rate(unit, {"U3": 1}, day=(2026, 3, 3))
    factory.comment(complaint, kind="complaint", category="antrean", element="U3",
                    status="selesai", created_at=complaint.submitted_at,
                    resolved_at=at(2026, 3, 16, hour=14))
    (effect,) = complaint_trends.follow_up_effects(db_session, [unit.id], MARCH, weeks=2)
    assert (effect.category, effect.element, effect.resolved_on) == (
        "antrean", "U3", date(2026, 3, 16))
    # Before: 2, 2, 1 → 5/3 · 25 = 41.67; after: 4, 4 → 100.
    assert (effect.before, effect.after, effect.change) == (
        Decimal("41.67"), Decimal("100.00"), Decimal("58.33"))
    assert (effect.before_answers, effect.after_answers) == (3, 2)


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-13-01", "2026-12-31", "YYYY-MM-DD"),
    ("kemarin", None, "YYYY-MM-DD"),
    ("2026-03-31", "2026-03-01", "tidak boleh sebelum"),
    ("2020-01-01", "2026-01-01", "paling panjang"),
    ("0001-01-01", "0001-01-31", "harus antara"),
    ("9999-12-01", "9999-12-31", "harus antara"),
    ("20260301", None, "YYYY-MM-DD"),
])
def test_bad_periods_are_refused_with_a_clear_message(start, end, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(start, end, today=date(2026, 3, 31))


def test_a_period_defaults_to_the_last_ninety_days():
    period = parse_period(None, None, today=date(2026, 3, 31))
    assert period == Period(date(2026, 3, 31) - timedelta(days=89), date(2026, 3, 31))
    assert period.days == 90


def test_the_ikm_per_service_type_sums_each_jenis_layanan(db_session, factory, rate):
    unit = factory.unit()
    rate(unit, 4, times=2, service_type="KTP-el")
    rate(unit, {"U1": 2, "U2": 3}, service_type="Akta kelahiran")
    rate(unit, 1)
    found = {s.service_type: s.result for s in ikm_read.service_ikm(db_session, [unit.id], MARCH)}
    assert list(found) == ["KTP-el", None, "Akta kelahiran"]
    assert found["KTP-el"].ikm_converted == Decimal("100.00")
    assert found["Akta kelahiran"].ikm_converted == Decimal("62.50")
    assert found["Akta kelahiran"].unanswered == ("U3", "U4", "U5", "U6", "U7", "U8", "U9")


def test_other_officer_elements_are_computed_from_the_ratings_themselves(db_session, factory,
                                                                         rate):
    from analytics.settings import ComponentSettings

    unit = factory.unit()
    officer = factory.officer(unit=unit)
    rate(unit, {"U3": 1, "U6": 4, "U7": 4}, officer=officer, times=2, day=(2026, 3, 2))
    rate(unit, {"U3": 1, "U6": 4, "U7": 2}, officer=officer, day=(2026, 3, 3))
    rate(unit, {"U3": 1, "U6": 2, "U7": 1}, officer=officer, flags="burst")
    rate(unit, {"U3": 4, "U7": 3}, day=(2026, 3, 2))
    rate(unit, {"U3": 4, "U7": 2}, day=(2026, 3, 3))
    rate(unit, {"U3": 4, "U7": 1}, day=(2026, 3, 3), flags="burst")
    courtesy_only = ComponentSettings(elements=("U7",), minimum_n=2, minimum_days=2)
    result = officers_read.officer_component(db_session, officer, MARCH, courtesy_only)
    # The flagged ratings count nowhere: officer U7 4, 4, 2 → 83.33; the rest 3, 2 → 62.50.
    assert (result.score.n, result.score.raw, result.score.reference) == (
        3, Decimal("83.33"), Decimal("62.50"))
    assert (result.score.flagged_excluded, result.score.reference_flagged_excluded) == (1, 1)
    assert result.score.elements == {"U7": Decimal("83.33")}
    assert result.as_dict()["settings"]["elements"] == ["U7"]


def test_the_apps_configuration_sets_the_component_settings(make_app, db_session, factory, rate):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    for d in (2, 3):
        rate(unit, 4, officer=officer, times=3, day=(2026, 3, d))
        rate(unit, 3, times=3, day=(2026, 3, d))
    app = make_app(ANALYTICS_MINIMUM_N=5, ANALYTICS_MINIMUM_DAYS=2, ANALYTICS_SHRINKAGE_K=0)
    with app.app_context():  # what a view passes: the settings of its app
        result = officers_read.officer_component(db_session, officer, MARCH, current_settings())
    assert result.enough and result.score.adjusted == Decimal("100.00")
    assert (result.settings.minimum_n, result.settings.minimum_days, result.settings.k) == (
        5, 2, 0)


def test_the_environment_sets_the_component_settings_and_a_bad_value_refuses_to_start(
    make_app, monkeypatch
):
    from core.settings import ConfigurationError

    monkeypatch.setenv("ANALYTICS_MINIMUM_N", "5")
    monkeypatch.setenv("ANALYTICS_DELTA", "1.5")
    app = make_app()
    with app.app_context():
        from analytics.settings import current

        assert (current().minimum_n, current().delta) == (5, Decimal("1.5"))
    monkeypatch.setenv("ANALYTICS_MINIMUM_DAYS", "satu")
    with pytest.raises(ConfigurationError, match="ANALYTICS_MINIMUM_DAYS"):
        make_app()


def test_the_hand_worked_cr1_example_holds_through_the_database_on_both_paths(
    db_session, factory, rate
):
    """The example of tests/analytics/test_officers.py stored as ratings: officer days
    (4, 4, 3) and (2, 3), the rest of the unit (4, 4), (2) and (3, 3, 2). V = 0.3136 + 0.25,
    SE = 25 · √0.5636 = 18.768, df = 1, t = 12.7062: 5 ± 238.47."""
    from analytics.settings import ComponentSettings

    unit = factory.unit()
    officer = factory.officer(unit=unit)
    for d, values in ((2, (4, 4, 3)), (3, (2, 3))):
        for v in values:
            rate(unit, {"U3": v, "U6": v, "U7": v}, officer=officer, day=(2026, 3, d))
    for d, values in ((2, (4, 4)), (3, (2,)), (4, (3, 3, 2))):
        for v in values:
            rate(unit, {"U3": v, "U6": v, "U7": v}, day=(2026, 3, d))
    from_aggregates = ComponentSettings(minimum_n=2, minimum_days=2)
    from_ratings = ComponentSettings(minimum_n=2, minimum_days=2,
                                     include_custom_questions=False)
    scores = [officers_read.officer_component(db_session, officer, MARCH, rules,
                                         evidence=False).score
              for rules in (from_aggregates, from_ratings)]
    for score in scores:
        assert (score.raw, score.reference, score.difference) == (
            Decimal("80.00"), Decimal("75.00"), Decimal("5.00"))
        assert (score.standard_error, score.df, score.t) == (Decimal("18.768"), 1,
                                                              Decimal("12.7062"))
        assert (score.lower, score.upper) == (Decimal("-233.47"), Decimal("243.47"))
    assert scores[0] == scores[1].__class__(**{**vars(scores[1]),
                                               "settings": from_aggregates})
