"""Single-use codes: one rating per service without identifying anyone. Printed in batches
for queue tickets, or fetched one at a time by a queue machine; each accepted once."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from survey import tickets
from survey.models import QrCode, QueueMachine
from survey.schema import parse_rating
from survey.services import (
    Origin,
    current_code,
    issue_code,
    origin_from_code,
    record_rating,
    token_for,
)
from tests.conftest import TEST_SECRET
from tests.support.factories import DEFAULT_RULES, at


@pytest.fixture
def unit(factory):
    return factory.unit(code="DUKCAPIL-01", name="Disdukcapil — Loket Terpadu")


def single_use_codes(db_session, unit):
    return list(db_session.scalars(select(QrCode).where(QrCode.unit_id == unit.id,
                                                        QrCode.kind == "single")))


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]


# --- printed batches ------------------------------------------------------------------------


def test_qr_tickets_prints_a_sheet_of_n_distinct_single_use_codes(runner, db_session, unit,
                                                                  tmp_path):
    out = tmp_path / "tiket.html"
    result = runner.invoke(args=["qr", "tickets", unit.code, "--count", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    urls = set(re.findall(r"http://suara\.test/s/[A-Za-z0-9_.-]+", html))
    assert len(urls) == 5
    assert html.count("<svg") == 5
    assert "Disdukcapil — Loket Terpadu" in html
    codes = single_use_codes(db_session, unit)
    assert len(codes) == 5 and len({c.batch for c in codes}) == 1
    assert all(c.used_at is None for c in codes)


def test_qr_tickets_writes_a_pdf_with_twelve_tickets_a_page(runner, unit, tmp_path):
    out = tmp_path / "tiket.pdf"
    result = runner.invoke(args=["qr", "tickets", unit.code, "-n", "13", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2


@pytest.mark.parametrize(
    "args",
    [["NOPE", "--count", "3"], ["{unit}", "--count", "0"], ["{unit}", "--count", "3", "--x"]],
)
def test_qr_tickets_refuses_bad_input(runner, unit, tmp_path, args):
    args = [a.replace("{unit}", unit.code) for a in args]
    result = runner.invoke(args=["qr", "tickets", *args, "-o", str(tmp_path / "t.html")])
    assert result.exit_code != 0
    assert not (tmp_path / "t.html").exists()


def test_qr_tickets_needs_a_pdf_or_html_file(runner, unit, tmp_path):
    result = runner.invoke(args=["qr", "tickets", unit.code, "-n", "1", "-o",
                                 str(tmp_path / "t.txt")])
    assert result.exit_code != 0 and ".pdf" in result.output


# --- accepted once --------------------------------------------------------------------------


def test_a_single_use_code_is_accepted_once_then_shows_the_already_rated_page(
    client, db_session, unit
):
    code = tickets.issue_batch(db_session, unit, 1)[0]
    token = token_for(code, TEST_SECRET)
    path = "/s/" + token
    assert client.get(path).status_code == 200
    sent = client.post(path, data={"rating_id": str(uuid.uuid4()), "U1": "4"})
    assert sent.status_code == 303
    again = client.get(path)
    assert again.status_code == 409
    assert "sudah dinilai" in again.get_data(as_text=True)
    second = client.post(path, data={"rating_id": str(uuid.uuid4()), "U1": "1"})
    assert second.status_code == 409
    api = client.post("/api/v1/ratings", json={"id": str(uuid.uuid4()), "token": token,
                                                "answers": {"U1": 2}})
    assert api.status_code == 409 and api.json["error"] == "code_used"


def test_a_retry_of_the_same_rating_on_a_used_code_is_still_answered_as_a_retry(
    client, db_session, unit
):
    code = tickets.issue_batch(db_session, unit, 1)[0]
    body = {"id": str(uuid.uuid4()), "token": token_for(code, TEST_SECRET), "answers": {"U1": 3}}
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    assert client.post("/api/v1/ratings", json=body).status_code == 200


def test_a_code_used_meanwhile_by_another_request_is_refused(app_context, db_session, unit):
    from sqlalchemy import update

    from survey.services import CodeAlreadyUsed

    code = tickets.issue_batch(db_session, unit, 1)[0]
    # Another worker used it after we loaded it: our copy still says unused.
    db_session.execute(update(QrCode).where(QrCode.id == code.id).values(used_at=at(2026, 3, 3)),
                       execution_options={"synchronize_session": False})
    assert code.used_at is None
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U1": 4}}, require_token=False)
    with pytest.raises(CodeAlreadyUsed):
        record_rating(db_session, data, origin_from_code(code, "qr"), DEFAULT_RULES)


# --- queue machines -------------------------------------------------------------------------


@pytest.fixture
def machine_key(runner, unit):
    result = runner.invoke(args=["qr", "machine", "add", unit.code, "--name", "Mesin lobi"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_a_queue_machine_fetches_one_single_use_code_at_a_time(client, db_session, unit,
                                                               machine_key):
    answers = [client.post("/api/v1/single-use-codes",
                           headers={"Authorization": f"Bearer {machine_key}"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    first, second = (a.json for a in answers)
    assert first["url"] != second["url"] and first["unit"] == unit.code
    assert first["url"].startswith("http://suara.test/s/") and first["token"] in first["url"]
    assert len(single_use_codes(db_session, unit)) == 2
    machine = db_session.scalars(select(QueueMachine)).one()
    assert machine.last_used_at is not None
    assert machine_key not in machine.key_hash  # only a hash is kept
    assert client.get("/s/" + first["token"]).status_code == 200


@pytest.mark.parametrize(
    "header", [None, "Bearer qm_not-a-real-key", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer x" * 50]
)
def test_the_code_api_refuses_a_missing_or_wrong_key(client, db_session, unit, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/single-use-codes", headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert single_use_codes(db_session, unit) == []


def test_a_revoked_machine_gets_no_more_codes(runner, client, db_session, unit, machine_key):
    machine = db_session.scalars(select(QueueMachine)).one()
    result = runner.invoke(args=["qr", "machine", "revoke", str(machine.id)])
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/single-use-codes",
                           headers={"Authorization": f"Bearer {machine_key}"})
    assert response.status_code == 401
    listing = runner.invoke(args=["qr", "machine", "list", unit.code])
    assert "dicabut" in listing.output


def test_the_code_api_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/single-use-codes"]["post"]
    assert operation["security"] == [{"queueMachineKey": []}]
    assert document["components"]["securitySchemes"]["queueMachineKey"]["scheme"] == "bearer"


# --- reports --------------------------------------------------------------------------------


def test_single_use_share_counts_ratings_through_single_use_codes(app_context, db_session,
                                                                  factory, unit):
    counter = factory.counter(unit=unit)
    standing = current_code(db_session, counter=counter)
    other_unit = factory.unit()

    def rate(code, day):
        data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U1": 3}}, require_token=False)
        record_rating(db_session, data, origin_from_code(code, "qr"), DEFAULT_RULES,
                      now=at(2026, 3, day, 10))

    for day in (2, 3, 4):
        rate(issue_code(db_session, single_use_unit=unit), day)
    rate(standing, 3)
    rate(issue_code(db_session, single_use_unit=other_unit), 3)
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U1": 3}}, require_token=False)
    record_rating(db_session, data, Origin(channel="kiosk", unit=unit), DEFAULT_RULES,
                  now=at(2026, 3, 3, 11))

    march = tickets.single_use_share(db_session, [unit.id], date(2026, 3, 1), date(2026, 3, 31))
    assert (march.ratings, march.single_use) == (5, 3)
    assert march.share == pytest.approx(0.6)
    one_day = tickets.single_use_share(db_session, [unit.id], date(2026, 3, 3), date(2026, 3, 3))
    assert (one_day.ratings, one_day.single_use) == (3, 1)
    everyone = tickets.single_use_share(db_session, None, date(2026, 3, 1), date(2026, 3, 31))
    assert everyone.single_use >= 4
    nothing = tickets.single_use_share(db_session, [], date(2026, 3, 1), date(2026, 3, 31))
    assert nothing.ratings == 0 and nothing.share is None
