"""Pairing a tablet with a counter: short-lived, single-use codes with a limit on wrong
tries; device credentials stored only as hashes; revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.models import utcnow
from kiosk import services
from kiosk.models import KioskDevice, KioskPairingCode


def pair(client, code, name="Tablet loket"):
    return client.post("/kiosk/api/pair", json={"code": code, "name": name})


def test_a_pairing_code_gives_the_tablet_a_credential_bound_to_its_counter(
    client, factory, db_session,
):
    counter = factory.counter(label="Loket KTP")
    _row, code = services.create_pairing_code(db_session, counter)

    response = pair(client, code)

    assert response.status_code == 201
    body = response.get_json()
    assert body["counter"] == {"code": counter.code, "label": "Loket KTP"}
    credential = body["credential"]
    assert len(credential) >= 40
    query = select(KioskDevice).where(KioskDevice.counter_id == counter.id)
    device = db_session.scalars(query).one()
    assert device.name == "Tablet loket"
    assert credential not in device.credential_hash
    assert device.credential_hash == services.digest(credential)
    assert services.device_by_credential(db_session, credential) == device


def test_a_pairing_code_is_typed_without_care_for_case_spaces_or_dash(client, factory, db_session):
    _row, code = services.create_pairing_code(db_session, factory.counter())
    typed = " " + code.replace("-", " ").lower() + " "
    assert pair(client, typed).status_code == 201


def test_a_pairing_code_is_stored_hashed_and_easy_to_read(factory, db_session):
    row, code = services.create_pairing_code(db_session, factory.counter())
    plain = services.normalise_pairing_code(code)
    assert len(plain) == services.PAIRING_LENGTH
    assert set(plain) <= set(services.PAIRING_ALPHABET)
    assert not set(plain) & set("01OIL")
    assert row.code_hash == services.digest(plain) and plain not in row.code_hash
    assert row.expires_at - row.created_at == timedelta(minutes=15)


def test_a_pairing_code_works_only_once(client, factory, db_session):
    _row, code = services.create_pairing_code(db_session, factory.counter())
    assert pair(client, code).status_code == 201

    again = pair(client, code)

    assert again.status_code == 409
    assert again.get_json()["error"] == "pairing_used"
    assert db_session.scalars(select(KioskDevice)).all().__len__() == 1


def test_an_expired_pairing_code_is_refused(client, factory, db_session):
    counter = factory.counter()
    made = utcnow() - timedelta(minutes=16)
    _row, code = services.create_pairing_code(db_session, counter, now=made)

    response = pair(client, code)

    assert response.status_code == 410
    assert "kedaluwarsa" in response.get_json()["message"]
    assert db_session.scalars(select(KioskDevice)).first() is None


def test_a_code_is_still_good_just_before_it_expires(factory, db_session):
    created = utcnow()
    _row, code = services.create_pairing_code(db_session, factory.counter(), now=created)
    last_moment = created + timedelta(minutes=14, seconds=59)
    device, _ = services.pair_device(db_session, code, now=last_moment)
    assert device.id is not None


@pytest.mark.slow  # a thousand wrong codes
def test_each_code_stops_working_after_its_own_limit_of_wrong_codes(factory, db_session):
    row, code = services.create_pairing_code(db_session, factory.counter())
    for _ in range(services.PAIRING_MAX_FAILURES):
        with pytest.raises(services.PairingCodeInvalid):
            services.pair_device(db_session, "ZZZZ-ZZZZ")
    assert row.failed_attempts == services.PAIRING_MAX_FAILURES

    with pytest.raises(services.PairingCodeLocked):
        services.pair_device(db_session, code)
    assert db_session.scalars(select(KioskDevice)).first() is None


def test_a_code_made_after_wrong_tries_is_not_locked_by_them(factory, db_session):
    for _ in range(20):
        with pytest.raises(services.PairingCodeInvalid):
            services.pair_device(db_session, "ZZZZ-ZZZZ")
    _row, code = services.create_pairing_code(db_session, factory.counter())
    device, _credential = services.pair_device(db_session, code)
    assert device.id is not None


@pytest.mark.parametrize("typed", ["", "ZZZ", "ZZZZ-ZZZZ-Z", "OOOO-1111", "ÄBCD-EFGH"])
def test_what_cannot_be_a_code_counts_against_no_code(factory, db_session, typed):
    row, _code = services.create_pairing_code(db_session, factory.counter())
    with pytest.raises(services.PairingCodeInvalid):
        services.pair_device(db_session, typed)
    assert row.failed_attempts == 0


@pytest.fixture
def limited_client(make_app, db_session):
    """A client of an app whose rate limits are on, calling from one address."""
    app = make_app(RATELIMIT_ENABLED=True)

    def client_from(address):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return client_from


def test_ten_empty_pairing_requests_lock_no_code_only_their_address(limited_client, factory,
                                                                    db_session):
    row, code = services.create_pairing_code(db_session, factory.counter())
    attacker, office = limited_client("203.0.113.9"), limited_client("198.51.100.20")
    for _ in range(10):
        assert attacker.post("/kiosk/api/pair", json={}).status_code == 404
    for _ in range(5):
        assert attacker.post("/kiosk/api/pair", json={"code": "ZZZZ-ZZZZ"}).status_code == 429

    throttled = attacker.post("/kiosk/api/pair", json={"code": code})
    paired = office.post("/kiosk/api/pair", json={"code": code, "name": "Tablet"})

    assert throttled.status_code == 429
    assert throttled.get_json()["error"] == "pairing_throttled"
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    assert paired.status_code == 201
    db_session.refresh(row)
    assert row.failed_attempts == 0  # `{}` is no guess at any code


def test_an_address_may_type_a_few_wrong_codes_and_still_pair(limited_client, factory,
                                                              db_session):
    _row, code = services.create_pairing_code(db_session, factory.counter())
    office = limited_client("198.51.100.21")
    for _ in range(9):
        assert office.post("/kiosk/api/pair", json={"code": "ZZZZ-ZZZZ"}).status_code == 404
    assert office.post("/kiosk/api/pair", json={"code": code}).status_code == 201


def test_wrong_tries_are_remembered_even_though_the_request_fails(client, factory, db_session):
    row, _code = services.create_pairing_code(db_session, factory.counter())
    pair(client, "ABCD-EFGH")
    db_session.refresh(row)
    assert row.failed_attempts == 1


def test_wrong_tries_do_not_count_against_expired_or_used_codes(factory, db_session):
    old, _ = services.create_pairing_code(db_session, factory.counter(),
                                          now=utcnow() - timedelta(hours=1))
    with pytest.raises(services.PairingCodeInvalid):
        services.pair_device(db_session, "WRONGCOD")
    assert old.failed_attempts == 0


def test_the_pair_command_prints_the_code_as_its_last_line(runner, factory, db_session, client):
    counter = factory.counter(code="LKT-9")

    result = runner.invoke(args=["kiosk", "pair", "LKT-9"])

    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    assert len(services.normalise_pairing_code(code)) == 8
    assert pair(client, code).get_json()["counter"]["code"] == counter.code


def test_the_pair_command_names_an_unknown_counter(runner, db_session):
    result = runner.invoke(args=["kiosk", "pair", "NOPE"])
    assert result.exit_code != 0
    assert "tidak ditemukan" in result.output


def test_devices_are_listed_and_revoked_from_the_command_line(runner, tablet, db_session):
    listed = runner.invoke(args=["kiosk", "devices"])
    assert f"{tablet.device.id}\t{tablet.counter.code}\tTablet uji" in listed.output

    revoked = runner.invoke(args=["kiosk", "revoke", str(tablet.device.id)])

    assert revoked.exit_code == 0, revoked.output
    db_session.refresh(tablet.device)
    assert tablet.device.revoked_at is not None
    assert str(tablet.device.id) not in runner.invoke(args=["kiosk", "devices"]).output
    assert "dicabut" in runner.invoke(args=["kiosk", "devices", "--all"]).output
    with pytest.raises(services.DeviceRevoked):
        services.device_by_credential(db_session, tablet.credential)


def test_a_revoked_tablet_is_refused_by_every_device_endpoint(client, tablet, db_session):
    services.revoke_device(db_session, tablet.device)
    for path, body in (("heartbeat", {}), ("sign-in", {"nip": "x", "pin": "1234"}),
                       ("sign-out", {"pin": "1234"}),
                       ("ratings", {"id": "6f1c1d1e-0000-4000-8000-000000000001",
                                    "answers": {"U1": 4}})):
        response = client.post(f"/kiosk/api/{path}", json=body, headers=tablet.headers)
        assert response.status_code == 403, path
        assert response.get_json()["error"] == "device_revoked"
        assert tablet.counter.code not in response.get_data(as_text=True)


@pytest.mark.parametrize("header", [None, "Device ", "Device not-a-credential", "Bearer abc"])
def test_an_unpaired_tablet_is_told_so(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/kiosk/api/heartbeat", json={}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "device_unknown"


def test_the_kiosk_page_names_no_counter_until_the_tablet_proves_its_credential(client, tablet):
    response = client.get("/kiosk/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert tablet.counter.code not in html and tablet.counter.label not in html
    assert 'id="pair-form"' in html


def test_the_kiosk_page_keeps_to_the_content_security_policy(client):
    html = client.get("/kiosk/").get_data(as_text=True)
    assert "style=" not in html and " onclick" not in html
    assert html.count("<script") == html.count('<script src="/static/js/kiosk')


def test_the_service_worker_is_served_with_a_scope_covering_the_page(client):
    response = client.get("/kiosk/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/kiosk/"
    assert "javascript" in response.headers["Content-Type"]
    page = client.get("/kiosk/").get_data(as_text=True)
    assert 'data-sw="/kiosk/sw.js?v=' in page


def test_pairing_codes_expire_unused_pairing_keeps_no_plain_code(db_session, factory):
    _row, code = services.create_pairing_code(db_session, factory.counter())
    stored = db_session.scalars(select(KioskPairingCode.code_hash)).all()
    assert all(services.normalise_pairing_code(code) not in h for h in stored)


def test_the_kiosk_installs_as_a_full_screen_app(client):
    page = client.get("/kiosk/").get_data(as_text=True)
    assert 'rel="manifest" href="/kiosk/manifest.webmanifest"' in page
    manifest = client.get("/kiosk/manifest.webmanifest").get_json()
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == (
        "fullscreen", "/kiosk/", "/kiosk/")
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as response:  # closes the static file
            assert response.status_code == 200
