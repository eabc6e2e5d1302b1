"""The results API: a published unit's IKM for everyone, an officer's component only for
those allowed to see it; bad input answered 4xx with a clear JSON message."""

from __future__ import annotations

import pytest


@pytest.fixture
def unit(factory, rate):
    unit = factory.unit(code="PKM-SM", annual_population=1000)
    rate(unit, {"U1": 4, "U2": 4, "U3": 2, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3},
         times=2)
    return unit


def test_the_public_gets_a_units_ikm_with_elements_weakest_first(client, unit):
    response = client.get("/api/v1/units/PKM-SM/ikm?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    body = response.json
    assert body["respondents"] == 2
    # (4+4+2+4+3+3+3+3)/8 = 3.25 → 81.25, B.
    assert (body["ikm"], body["ikm_converted"], body["category"], body["label"]) == (
        3.25, 81.25, "B", "Baik")
    assert [e["code"] for e in body["elements"]][:1] == ["U3"]
    assert body["elements"][0] == {"code": "U3", "name": "Waktu Penyelesaian", "answers": 2,
                                   "total": 4, "nrr": 2.0, "nrr_weighted": 0.25,
                                   "converted": 50.0, "category": "D", "label": "Tidak Baik"}
    assert body["unanswered_elements"] == ["U9"]
    assert body["minimum_sample"]["minimum"] == 278
    assert body["minimum_sample"]["reached"] is False
    assert "2 desimal" in body["rounding_rule"]


def test_an_empty_period_is_answered_with_an_empty_result(client, unit):
    body = client.get("/api/v1/units/PKM-SM/ikm?from=2025-01-01&to=2025-01-31").json
    assert body["empty"] is True and body["ikm_converted"] is None and body["respondents"] == 0


@pytest.mark.parametrize(("query", "status", "words"), [
    ("from=2026-02-30&to=2026-03-31", 400, "YYYY-MM-DD"),
    ("from=31-03-2026", 400, "YYYY-MM-DD"),
    ("from=2026-03-31&to=2026-03-01", 400, "tidak boleh sebelum"),
    ("from=2020-01-01&to=2026-03-01", 400, "paling panjang"),
])
def test_bad_periods_get_a_4xx_with_a_clear_message(client, unit, query, status, words):
    response = client.get(f"/api/v1/units/PKM-SM/ikm?{query}")
    assert response.status_code == status
    assert response.json["error"] == "invalid_period"
    assert words in response.json["message"]


def test_unknown_and_unpublished_units_are_not_found(client, factory):
    factory.unit(code="HIDDEN", published=False)
    for code in ("NOPE", "HIDDEN"):
        response = client.get(f"/api/v1/units/{code}/ikm")
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
        assert code in response.json["message"]


@pytest.fixture
def officer(factory, unit, rate_days):
    officer = factory.officer(unit=unit, nip="198503142010012003")
    rate_days(unit, 4, officer=officer)
    rate_days(unit, 3, per_day=8)
    return officer


def test_an_officer_component_needs_a_signed_in_user(client, officer):
    response = client.get(f"/api/v1/officers/{officer.nip}/component")
    assert response.status_code == 401
    assert response.json["error"] == "unauthorised"


def test_the_officer_themself_and_the_supervisor_see_the_component(
    signed_in, factory, officer, unit
):
    own = factory.user("officer", officer_id=officer.id)
    supervisor = factory.user("supervisor", unit_id=unit.id)
    for user in (own, supervisor, factory.user("admin")):
        response = signed_in(user).get(
            f"/api/v1/officers/{officer.nip}/component?from=2026-03-01&to=2026-03-31")
        assert response.status_code == 200, response.json
        body = response.json
        assert (body["n"], body["days"], body["raw"], body["enough_ratings"]) == (
            30, 5, 100.0, True)
        # The rest of the unit: 40 ratings of 3 and the fixture's two of 8/3:
        # (120 + 16/3) / 42 · 25 = 74.60; adjusted 74.603 + 25.397 · 30 / (30 + 20) = 89.84.
        assert (body["reference"], body["difference"]) == (74.6, 25.4)
        assert body["reference_n"] == 42 and body["reference_days"] == 5
        assert 2.5 < body["interval"][0] < 25.4 < body["interval"][1]
        assert body["adjusted"] == 89.84
        assert body["band"] == "di atas ekspektasi"
        assert body["top_box"]["share"] == 1.0 and body["top_box"]["answers"] == 90
        assert body["flagged_excluded"] == 0
        assert body["unit"]["code"] == unit.code
        assert body["settings"] == {
            "elements": ["U3", "U6", "U7"], "include_custom_questions": True, "k": 20,
            "delta": "2.5", "minimum_n": 30, "minimum_days": 5, "confidence": "0.95",
            "reference": "rest-of-unit-same-period",
            "interval": "cr1-service-days-student-t"}
        assert body["officer"]["identifier"] == officer.nip


def test_forty_ratings_from_two_days_leak_no_number_through_the_api(signed_in, factory, unit,
                                                                     rate, rate_days):
    officer = factory.officer(unit=unit)
    rate(unit, 4, officer=officer, times=20, day=(2026, 3, 2))
    rate(unit, {"U3": 1, "U6": 2, "U7": 3}, officer=officer, times=20, day=(2026, 3, 3))
    rate_days(unit, 3)
    body = signed_in(factory.user("admin")).get(
        f"/api/v1/officers/{officer.nip}/component?from=2026-03-01&to=2026-03-31").json
    assert (body["n"], body["days"], body["enough_ratings"], body["band"]) == (
        40, 2, False, None)
    assert body["band_label"] == "belum cukup penilaian"
    assert body["not_enough_because"] == ["officer_days"]
    for key in ("raw", "reference", "difference", "interval", "adjusted", "top_box",
                "elements", "weakest_element", "distribution", "standard_error",
                "trend"):
        assert body[key] is None, key
    assert body["weakest_element_comments"] == []


def test_the_unit_ikm_says_how_many_flagged_ratings_it_left_out(client, unit, rate):
    rate(unit, 1, times=5, flags="burst-network")
    body = client.get(f"/api/v1/units/{unit.code}/ikm?from=2026-03-01&to=2026-03-31").json
    assert (body["respondents"], body["flagged_excluded"], body["paper_ratings"]) == (2, 5, 0)


def test_others_cannot_tell_an_officer_exists(signed_in, factory, officer):
    colleague = factory.officer(unit=officer.unit)
    elsewhere = factory.user("supervisor", unit_id=factory.unit().id)
    for user, identifier in [(elsewhere, officer.nip),
                             (factory.user("officer", officer_id=colleague.id), officer.nip),
                             (factory.user("admin"), "000000000000000000")]:
        response = signed_in(user).get(f"/api/v1/officers/{identifier}/component")
        assert response.status_code == 404
        assert response.json["error"] == "not_found"


def test_the_component_api_refuses_bad_periods(signed_in, factory, officer):
    response = signed_in(factory.user("admin")).get(
        f"/api/v1/officers/{officer.nip}/component?from=2026-03-10&to=2026-03-01")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_period"


def test_both_routes_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    assert "get" in document["paths"]["/api/v1/units/{code}/ikm"]
    assert "get" in document["paths"]["/api/v1/officers/{identifier}/component"]
    assert "UnitIkm" in document["components"]["schemas"]
