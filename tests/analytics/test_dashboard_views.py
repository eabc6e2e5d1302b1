"""The dashboards as each role sees them: scope enforced in the queries, officers below the
minimum never shown as a number, citizens' words escaped, the public page unit-level only."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from analytics import ikm_read, periods
from tests.support.factories import at

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
MARCH_PERIOD = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
IN_MARCH = (2026, 3, 2)
OFFICER_ANSWERS = {"U1": 3, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3, "U9": 3}


@pytest.fixture
def city(factory, rate, rate_days):
    """Two departments. Health: two units, one officer with enough ratings (30 over five
    days, and 30 unattributed ratings over five days to compare with), two without.
    Population: one unit and its officer. Every unit has ratings in March 2026."""
    health = factory.department(name="Dinas Kesehatan Uji")
    people = factory.department(name="Dinas Dukcapil Uji")
    clinic = factory.unit(department=health, name="Puskesmas Melati", code="PKM-MELATI")
    lab = factory.unit(department=health, name="Laboratorium Kenanga", code="LAB-KENANGA")
    registry = factory.unit(department=people, name="Kantor Catatan Sipil Anggrek",
                            code="DKC-ANGGREK")
    steady = factory.officer(unit=clinic, name="Budi Santoso")
    zainal = factory.officer(unit=clinic, name="Zainal Arifin")
    ahmad = factory.officer(unit=clinic, name="Ahmad Fauzi")
    outsider = factory.officer(unit=registry, name="Wati Lestari")
    rate_days(clinic, OFFICER_ANSWERS, officer=steady)
    rate_days(clinic, OFFICER_ANSWERS)
    # Zainal's few ratings are perfect and Ahmad's dreadful: neither may show as a number.
    rate(clinic, 4, officer=zainal, times=5)
    rate(clinic, 1, officer=ahmad, times=4)
    rate(lab, 3, times=3)
    rate(registry, 2, officer=outsider, times=31)
    return {"health": health, "people": people, "clinic": clinic, "lab": lab,
            "registry": registry, "steady": steady, "zainal": zainal, "ahmad": ahmad,
            "outsider": outsider}


@pytest.fixture
def head(factory, city):
    return factory.user(role="head", department=city["health"], display_name="Kepala Uji")


def page(client, path, **args):
    response = client.get(path, query_string={**MARCH, **args})
    return response, response.get_data(as_text=True)


def officer_row(body: str, officer_id: int) -> str:
    match = re.search(rf'<tr[^>]*data-officer="{officer_id}".*?</tr>', body, re.S)
    assert match, f"no row for officer {officer_id}"
    return match.group(0)


# --- scope ---------------------------------------------------------------------------------


def test_a_head_sees_their_departments_units_and_no_other(signed_in, head, city):
    response, body = page(signed_in(head), "/dasbor/")
    assert response.status_code == 200
    assert "Puskesmas Melati" in body and "Laboratorium Kenanga" in body
    assert "Kantor Catatan Sipil Anggrek" not in body
    assert "Wati Lestari" not in body


@pytest.mark.parametrize("path", ["/dasbor/", "/dasbor/komentar"])
def test_a_unit_of_another_department_is_not_found_for_a_head(signed_in, head, city, path):
    response, body = page(signed_in(head), path, unit=city["registry"].id)
    assert response.status_code == 404
    assert "Kantor Catatan Sipil Anggrek" not in body


def test_an_officer_of_another_department_is_not_found_for_a_head(signed_in, head, city):
    response, body = page(signed_in(head), f"/dasbor/petugas/{city['outsider'].id}")
    assert response.status_code == 404
    assert "Wati Lestari" not in body


def test_a_supervisor_sees_only_their_unit(signed_in, factory, city):
    supervisor = factory.user(role="supervisor", unit=city["lab"])
    _, body = page(signed_in(supervisor), "/dasbor/")
    assert "Laboratorium Kenanga" in body
    assert "Puskesmas Melati" not in body and "Budi Santoso" not in body
    response, _ = page(signed_in(supervisor), "/dasbor/", unit=city["clinic"].id)
    assert response.status_code == 404


def test_the_dashboard_asks_anonymous_visitors_to_sign_in(client, city):
    response = client.get("/dasbor/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_officer_may_not_open_the_department_dashboard(signed_in, factory, city):
    officer_user = factory.user(role="officer", officer=city["steady"])
    assert signed_in(officer_user).get("/dasbor/").status_code == 403
    assert signed_in(officer_user).get("/dasbor/komentar").status_code == 403


# --- what the head's dashboard shows --------------------------------------------------------


def test_the_dashboard_shows_the_departments_ikm_as_the_analytics_core_computes_it(
        signed_in, head, city, db_session):
    expected = ikm_read.ikm_of_units(db_session, [city["clinic"].id, city["lab"].id],
                                     MARCH_PERIOD)
    _, body = page(signed_in(head), "/dasbor/")
    shown = re.search(r'data-testid="overall-ikm">([^<]+)<', body).group(1)
    assert shown == f"{expected.ikm_converted:.2f}".replace(".", ",")
    assert f"mutu-{expected.category.lower()}" in body


def test_officers_below_the_minimum_show_no_number_and_come_after_the_ranked_by_name(
        signed_in, head, city):
    _, body = page(signed_in(head), "/dasbor/")
    steady, ahmad, zainal = (officer_row(body, city[n].id) for n in ("steady", "ahmad", "zainal"))
    assert "75,00" in steady  # raw: U3, U6, U7 all 3 → 75.00
    for row in (ahmad, zainal):
        assert "belum cukup penilaian" in row
        # Only the counts of ratings and days are numbers: no score, interval or rank.
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        numbers = [c for c in cells if re.search(r"\d", re.sub(r"<[^>]+>", "", c))]
        assert len(numbers) == 2
    assert "100,00" not in zainal and "25,00" not in ahmad
    positions = [body.index(f'data-officer="{city[n].id}"') for n in ("steady", "ahmad", "zainal")]
    assert positions == sorted(positions)


def test_the_charts_are_data_for_the_static_script_not_inline_script(signed_in, head, city):
    _, body = page(signed_in(head), "/dasbor/")
    figures = re.findall(r'data-figure="([^"]*)"', body)
    assert len(figures) == 6  # IKM, elements, complaints ×2, comment topics ×2
    trend = json.loads(html.unescape(figures[0]))
    assert {trace["name"] for trace in trend["data"]} == {"Puskesmas Melati",
                                                         "Laboratorium Kenanga"}
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts and all("src=" in tag for tag in scripts)
    assert "js/vendor/plotly.min.js" in body and "js/analytics.js" in body
    # plotly.js injects no <style> when these are in the page (the CSP would refuse it).
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in body
    assert " style=" not in body


def test_open_complaints_are_listed_overdue_first_with_a_link_to_their_follow_up(
        signed_in, head, city, factory, rate):
    late = rate(city["clinic"], 2, day=(2026, 3, 3))
    fresh = rate(city["clinic"], 2, day=(2026, 3, 4))
    done = rate(city["lab"], 2, day=(2026, 3, 4))
    factory.comment(late, kind="complaint", text="Antrean lama sekali", category="antrean",
                    element="U3", status="baru", due_on=date.fromisoformat("2026-03-10"))
    factory.comment(fresh, kind="complaint", text="Ruang tunggu panas", category="sarana",
                    element="U9", status="diproses", due_on=date.fromisoformat("2099-01-01"))
    factory.comment(done, kind="complaint", text="Sudah beres kok", category="sarana",
                    element="U9", status="selesai", due_on=date.fromisoformat("2026-03-10"))
    _, body = page(signed_in(head), "/dasbor/")
    section = body[body.index('id="open-title"'):body.index('id="officers-title"')]
    assert section.index("Antrean lama sekali") < section.index("Ruang tunggu panas")
    assert "Sudah beres kok" not in section
    assert "lewat tenggat" in section


# --- comments drill-down --------------------------------------------------------------------


def test_comments_are_shown_escaped(signed_in, head, city, factory, rate):
    rating = rate(city["clinic"], 2)
    factory.comment(rating, kind="complaint", text='<script>alert("x")</script> <b>lama</b>',
                    category="antrean", element="U3", created_at=at(*IN_MARCH))
    _, body = page(signed_in(head), "/dasbor/komentar", element="U3")
    assert "&lt;script&gt;alert(" in body
    assert "<script>alert" not in body and "<b>lama</b>" not in body


def test_the_drill_down_filters_by_element_and_stays_in_scope(signed_in, head, city, factory,
                                                              rate):
    mine = rate(city["clinic"], 2)
    theirs = rate(city["registry"], 2)
    factory.comment(mine, kind="complaint", text="Menunggu dua jam", category="antrean",
                    element="U3", created_at=at(*IN_MARCH))
    factory.comment(rate(city["clinic"], 2), kind="complaint", text="Toilet rusak",
                    category="sarana", element="U9", created_at=at(*IN_MARCH))
    factory.comment(theirs, kind="complaint", text="Antrean di dinas lain", category="antrean",
                    element="U3", created_at=at(*IN_MARCH))
    _, body = page(signed_in(head), "/dasbor/komentar", element="U3")
    assert "Menunggu dua jam" in body
    assert "Toilet rusak" not in body
    assert "Antrean di dinas lain" not in body


def test_the_comments_drill_down_never_shows_contact_details(signed_in, head, city, factory,
                                                             rate):
    factory.comment(rate(city["clinic"], 2), kind="complaint", text="Tolong hubungi saya",
                    contact="0812-1111-2222", contact_consent=True, created_at=at(*IN_MARCH))
    factory.comment(rate(city["clinic"], 2), kind="complaint", text="Jangan hubungi saya",
                    contact="0812-3333-4444", contact_consent=False, created_at=at(*IN_MARCH))
    _, body = page(signed_in(head), "/dasbor/komentar")
    assert "Tolong hubungi saya" in body
    assert "0812-1111-2222" not in body  # consented: shown on the follow-up page only
    assert "0812-3333-4444" not in body


# --- the officer's page ---------------------------------------------------------------------


def test_an_officer_sees_their_own_component_and_nobody_elses(signed_in, factory, city):
    client = signed_in(factory.user(role="officer", officer=city["steady"]))
    response, body = page(client, "/dasbor/saya")
    assert response.status_code == 200
    assert "Budi Santoso" in body and 'data-testid="raw">75,00<' in body
    response, body = page(client, f"/dasbor/petugas/{city['steady'].id}")
    assert response.status_code == 200 and "Budi Santoso" in body
    for other in ("zainal", "outsider"):
        response, body = page(client, f"/dasbor/petugas/{city[other].id}")
        assert response.status_code == 404
        assert city[other].name not in body


def test_the_officer_page_explains_a_component_below_the_minimum_without_a_number(
        signed_in, head, city):
    _, body = page(signed_in(head), f"/dasbor/petugas/{city['zainal'].id}")
    text = re.sub(r"\s+", " ", body)
    assert ("Belum cukup penilaian: 5 penilaian dari 1 hari layanan untuk Anda, dan 64 "
            "penilaian dari 5 hari layanan untuk rekan di unit Puskesmas Melati") in text
    assert "Penilaian untuk Anda kurang dari 30." in text
    assert 'data-testid="raw"' not in body and "100,00" not in body


def test_the_officer_page_shows_the_evidence_and_every_setting(signed_in, factory, city,
                                                              rate_days):
    officer = factory.officer(unit=city["clinic"], name="Citra Kirana")
    weak_u7 = {**OFFICER_ANSWERS, "U7": 1}
    ratings = rate_days(city["clinic"], weak_u7, officer=officer)
    factory.comment(ratings[0], kind="complaint", text="Petugas membentak warga",
                    category="perilaku", element="U7", created_at=at(*IN_MARCH))
    factory.comment(ratings[1], kind="praise", text="Dijelaskan dengan <i>sabar</i>",
                    created_at=at(*IN_MARCH))
    client = signed_in(factory.user(role="officer", officer=officer))
    _, body = page(client, "/dasbor/saya")
    assert "Perilaku Pelaksana" in body
    assert "Pelatihan komunikasi pelayanan" in body
    assert "Petugas membentak warga" in body
    assert "Dijelaskan dengan &lt;i&gt;sabar&lt;/i&gt;" in body
    for label in ("Penyusutan k", "Minimum penilaian", "Minimum hari layanan",
                  "Unsur komponen petugas", "Batas selisih yang berarti", "Pembanding",
                  "Interval selisih", "Penilaian ditandai yang tidak dihitung"):
        assert label in body
    assert "U3, U6, U7" in body


def test_an_officer_account_without_an_officer_gets_a_clear_message(signed_in, factory, city):
    response = signed_in(factory.user(role="officer")).get("/dasbor/saya")
    assert response.status_code == 404
    assert "belum ditautkan" in response.get_data(as_text=True)


# --- the public page ------------------------------------------------------------------------


def test_the_public_page_shows_a_units_published_result_and_nothing_about_officers(
        client, city, db_session):
    expected = ikm_read.unit_ikm(db_session, city["clinic"],
                                 MARCH_PERIOD)
    response, body = page(client, "/hasil/PKM-MELATI")
    assert response.status_code == 200
    shown = re.search(r'data-testid="ikm">([^<]+)<', body).group(1)
    assert shown == f"{expected.result.ikm_converted:.2f}".replace(".", ",")
    assert f"{expected.result.respondents}" in body
    assert "Waktu Penyelesaian" in body
    for name in ("Budi Santoso", "Zainal Arifin", "Ahmad Fauzi"):
        assert name not in body
    assert "<script" not in body


def test_an_unpublished_unit_is_neither_listed_nor_shown(client, city, db_session):
    city["lab"].published = False
    db_session.flush()
    _, index = page(client, "/hasil/")
    assert "Puskesmas Melati" in index and "Laboratorium Kenanga" not in index
    assert client.get("/hasil/LAB-KENANGA").status_code == 404


def test_a_malformed_period_falls_back_to_the_default_with_a_message(client, city):
    response = client.get("/hasil/", query_string={"from": "2026-13-45"})
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


# --- navigation -----------------------------------------------------------------------------


def test_the_header_links_to_what_exists_and_signs_out_by_post(signed_in, head, city):
    _, body = page(signed_in(head), "/dasbor/")
    header = body[body.index("<header"):body.index("</header>")]
    assert 'href="/pengaduan/"' in header
    assert 'action="/logout"' in header and 'method="post"' in header


def test_the_pages_follow_the_chosen_language_in_their_numbers(signed_in, head, city):
    _, body = page(signed_in(head), "/dasbor/", lang="en")
    shown = re.search(r'data-testid="overall-ikm">([^<]+)<', body).group(1)
    assert re.fullmatch(r"\d{2}\.\d{2}", shown)
    assert "as expected" in body or "above expectation" in body or "below expectation" in body
    trend = json.loads(html.unescape(re.findall(r'data-figure="([^"]*)"', body)[0]))
    assert trend["layout"]["separators"] == ".,"


def test_the_home_page_links_to_the_public_results_the_area_registered(client):
    body = client.get("/").get_data(as_text=True)
    assert 'href="/hasil/"' in body and "Hasil survei kepuasan masyarakat" in body


def test_the_dashboard_offers_the_exports_for_the_same_period_and_unit(signed_in, head, city):
    client = signed_in(head)
    _, body = page(client, "/dasbor/", unit=city["clinic"].id)
    links = [html.unescape(h) for h in re.findall(r'href="(/analytics/export/[^"]+)"', body)]
    assert "/analytics/export/officers.xlsx?from=2026-03-01&to=2026-03-31&unit=PKM-MELATI" in links
    report = next(link for link in links if "skm-report" in link)
    response = client.get(report)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")


def test_the_officer_page_compares_with_the_previous_period_of_the_same_length(
        signed_in, head, city, rate_days):
    # March (31 days) follows 29 January – 28 February: Budi's 75.00 there was 50.00 then.
    rate_days(city["clinic"], 2, officer=city["steady"], month=2, first=10)
    rate_days(city["clinic"], 3, month=2, first=10)
    _, body = page(signed_in(head), f"/dasbor/petugas/{city['steady'].id}")
    text = re.sub(r"\s+", " ", body)
    assert "29-01-2026 – 28-02-2026, 30 penilaian" in text
    assert "Naik 25,00 poin (50,00 → 75,00)" in text


@pytest.mark.parametrize("path", ["/dasbor/komentar", "/dasbor/petugas/{steady}",
                                  "/dasbor/petugas/{zainal}", "/hasil/", "/hasil/PKM-MELATI"])
def test_every_page_renders_in_english_too(signed_in, head, city, path):
    response, body = page(signed_in(head), path.format(steady=city["steady"].id,
                                                       zainal=city["zainal"].id), lang="en")
    assert response.status_code == 200
    assert '<html lang="en">' in body


# --- the fair component on every surface ----------------------------------------------------


def test_forty_ratings_from_two_days_leak_no_number_on_any_surface(
        signed_in, head, city, factory, rate, runner, db_session):
    officer = factory.officer(unit=city["clinic"], name="Dani Prasetyo")
    # Distinctive answers: 20 × (4, 4, 4) and 20 × (1, 2, 1) would show as counts 20 and 40.
    rate(city["clinic"], {"U3": 4, "U6": 4, "U7": 4}, officer=officer, times=20, day=(2026, 3, 2))
    rate(city["clinic"], {"U3": 1, "U6": 2, "U7": 1}, officer=officer, times=20, day=(2026, 3, 3))
    client = signed_in(head)

    _, body = page(client, f"/dasbor/petugas/{officer.id}")
    text = re.sub(r"\s+", " ", body)
    assert "40 penilaian dari 2 hari layanan untuk Anda" in text
    assert "kurang dari 5 hari layanan" in text
    for leak in ('data-testid="raw"', "chart-distribution", 'class="distribution"',
                 "Unsur terlemah:", "Saran pengembangan", "62,50", "data-figure"):
        assert leak not in body, leak

    _, dashboard_body = page(client, "/dasbor/", unit=city["clinic"].id)
    row = officer_row(dashboard_body, officer.id)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                    row, re.S)]
    assert [c for c in cells if re.search(r"\d", c)] == ["40", "2"]

    sheet = client.get("/analytics/export/officers.csv",
                       query_string={**MARCH, "unit": "PKM-MELATI"}).get_data(as_text=True)
    (line,) = [r for r in sheet.splitlines() if "Dani Prasetyo" in r]
    assert re.findall(r"\d+(?:\.\d+)?", line.replace(officer.nip, "")) == ["40", "2", "0", "0"]

    result = runner.invoke(args=["components", "PKM-MELATI", "--from", "2026-03-01",
                                 "--to", "2026-03-31"])
    (cli_line,) = [r for r in result.output.splitlines() if "Dani Prasetyo" in r]
    assert re.findall(r"\d+(?:\.\d+)?", cli_line) == ["40", "2"]
    body = json.loads(runner.invoke(args=["components", "PKM-MELATI", "--from", "2026-03-01",
                                          "--to", "2026-03-31", "--json"]).output)
    (dani,) = [o for o in body["officers"] if o["officer"]["name"] == "Dani Prasetyo"]
    assert dani["distribution"] is None and dani["raw"] is None and dani["band"] is None


def test_the_officer_page_explains_the_comparison_the_band_and_what_would_change_it(
        signed_in, head, city):
    client = signed_in(head)
    _, body = page(client, f"/dasbor/petugas/{city['steady'].id}")
    text = re.sub(r"\s+", " ", body)
    assert "Dibandingkan dengan siapa?" in text
    assert ("Anda dibandingkan dengan rekan di unit Puskesmas Melati pada periode yang sama: "
            "39 penilaian lain dari 5 hari layanan") in text
    assert "Penilaian Anda sendiri tidak termasuk di dalam pembanding." in text
    assert "Mengapa predikatnya ini?" in text and "Apa yang dapat mengubahnya?" in text
    assert "±2,5 poin" in text or "+2,5" in text
    _, english = page(client, f"/dasbor/petugas/{city['steady'].id}", lang="en")
    text = re.sub(r"\s+", " ", english)
    assert "Who are you compared with?" in text
    assert ("You are compared with your colleagues in Puskesmas Melati over the same period: "
            "39 other ratings from 5 service days") in text
    assert "Why this band?" in text and "What would change it?" in text
    assert "Your own ratings are not part of the comparison." in text


def test_scope_follows_the_unit_a_rating_was_given_in(signed_in, factory, city, rate_days,
                                                      db_session):
    """Budi earned his March ratings at the clinic (health), then moved to the registry
    (population): the health head keeps his clinic history, the population head sees only
    what the registry gave, and the page says which unit its numbers come from."""
    budi = city["steady"]
    rate_days(city["registry"], 4, officer=budi, first=20)
    budi.unit_id = city["registry"].id
    db_session.flush()
    health_head = factory.user(role="head", department=city["health"])
    people_head = factory.user(role="head", department=city["people"])

    response, body = page(signed_in(health_head), f"/dasbor/petugas/{budi.id}")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", body)
    assert "hanya berasal dari penilaian yang diberikan di unit Puskesmas Melati" in text
    assert "kini bertugas di unit lain" in text
    assert 'data-testid="raw">75,00<' in body
    assert "Kantor Catatan Sipil Anggrek" not in body

    response, body = page(signed_in(people_head), f"/dasbor/petugas/{budi.id}")
    assert response.status_code == 200
    assert "hanya berasal dari penilaian yang diberikan di unit Kantor Catatan Sipil Anggrek" in (
        re.sub(r"\s+", " ", body))
    assert "Puskesmas Melati" not in body and "75,00" not in body
    api = signed_in(people_head).get(f"/api/v1/officers/{budi.nip}/component",
                                     query_string={**MARCH, "unit": "PKM-MELATI"})
    assert api.status_code == 404

    # The old head's dashboard still lists him under the clinic, marked as moved.
    _, dashboard_body = page(signed_in(health_head), "/dasbor/")
    assert "(kini di unit lain)" in officer_row(dashboard_body, budi.id)
    # Budi himself sees both units' histories, one at a time.
    own = signed_in(factory.user(role="officer", officer=budi))
    _, body = page(own, "/dasbor/saya")
    assert "Kantor Catatan Sipil Anggrek" in body and "Puskesmas Melati" in body
    body = own.get(f"/api/v1/officers/{budi.nip}/component",
                   query_string={**MARCH, "unit": "PKM-MELATI"}).json
    assert body["unit"]["code"] == "PKM-MELATI" and body["raw"] == 75.0
    assert {u["code"] for u in body["units"]} == {"PKM-MELATI", "DKC-ANGGREK"}


def test_the_public_pages_say_how_many_flagged_ratings_they_left_out(client, city, rate,
                                                                     db_session):
    city["clinic"].published = True
    db_session.flush()
    before = client.get("/hasil/PKM-MELATI", query_string=MARCH).get_data(as_text=True)
    rate(city["clinic"], 1, times=12, flags="burst-network")
    body = client.get("/hasil/PKM-MELATI", query_string=MARCH).get_data(as_text=True)
    ikm = re.compile(r'data-testid="ikm">([^<]+)<')
    assert ikm.search(body).group(1) == ikm.search(before).group(1)
    assert "tidak dihitung sampai diperiksa: 12 pada periode ini" in body
    index = client.get("/hasil/", query_string=MARCH).get_data(as_text=True)
    assert "12 ditandai, belum dihitung" in index
