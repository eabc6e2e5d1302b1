"""Officers sign in to a tablet with NIP + PIN to start a shift at its counter, and sign
out with their PIN; wrong PINs are limited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.auth import verify_password
from core.models import Shift, utcnow
from kiosk import services
from kiosk.models import KioskOfficerPin
from tests.kiosk.conftest import PIN


def pin_row(db_session, officer) -> KioskOfficerPin | None:
    """The officer's PIN row as the database holds it now."""
    db_session.expire_all()
    return db_session.get(KioskOfficerPin, officer.id)


def sign_in(client, tablet, nip, pin=PIN):
    return client.post("/kiosk/api/sign-in", json={"nip": nip, "pin": pin}, headers=tablet.headers)


def test_an_officer_signs_in_to_start_a_shift_at_the_tablets_counter(
    client, tablet, officer_with_pin, db_session,
):
    officer = officer_with_pin(tablet.counter.unit)

    response = sign_in(client, tablet, officer.nip)

    assert response.status_code == 200
    assert response.get_json()["officer"]["name"] == officer.name
    shift = db_session.scalars(select(Shift).where(Shift.officer_id == officer.id)).one()
    assert (shift.counter_id, shift.kiosk_device_id, shift.ended_at) == (
        tablet.counter.id, tablet.device.id, None)


def test_the_nip_may_be_typed_with_spaces(client, tablet, officer_with_pin):
    officer = officer_with_pin(tablet.counter.unit)
    spaced = f"{officer.nip[:8]} {officer.nip[8:14]} {officer.nip[14]} {officer.nip[15:]}"
    assert sign_in(client, tablet, spaced).status_code == 200


def test_a_wrong_pin_says_how_many_tries_are_left(client, tablet, officer_with_pin, db_session):
    officer = officer_with_pin(tablet.counter.unit)

    response = sign_in(client, tablet, officer.nip, "000000")

    assert response.status_code == 403
    assert response.get_json()["error"] == "wrong_pin"
    assert response.get_json()["remaining"] == services.PIN_MAX_FAILURES - 1
    assert db_session.scalars(select(Shift)).first() is None


def test_five_wrong_pins_lock_the_officer_out_for_fifteen_minutes(
    client, tablet, officer_with_pin, db_session,
):
    officer = officer_with_pin(tablet.counter.unit)
    for _ in range(services.PIN_MAX_FAILURES - 1):
        assert sign_in(client, tablet, officer.nip, "999999").status_code == 403

    locked = sign_in(client, tablet, officer.nip, "999999")
    right_pin_while_locked = sign_in(client, tablet, officer.nip, PIN)

    assert locked.status_code == 423
    assert right_pin_while_locked.status_code == 423
    assert "15 menit" in right_pin_while_locked.get_json()["message"]
    assert pin_row(db_session, officer).locked_until - utcnow() > timedelta(minutes=14)
    assert db_session.scalars(select(Shift)).first() is None


def test_the_lock_lifts_after_fifteen_minutes(db_session, tablet, officer_with_pin):
    officer = officer_with_pin(tablet.counter.unit)
    start = utcnow()
    for _ in range(services.PIN_MAX_FAILURES):
        with pytest.raises((services.WrongPin, services.PinLocked)):
            services.sign_in(db_session, tablet.device, officer.nip, "1111", now=start)
    with pytest.raises(services.PinLocked):
        services.sign_in(db_session, tablet.device, officer.nip, PIN,
                         now=start + timedelta(minutes=14))

    shift = services.sign_in(db_session, tablet.device, officer.nip, PIN,
                             now=start + timedelta(minutes=16))

    assert shift.officer_id == officer.id
    row = pin_row(db_session, officer)
    assert row.failures == 0 and row.locked_until is None


def test_a_right_pin_clears_earlier_wrong_tries(db_session, tablet, officer_with_pin):
    officer = officer_with_pin(tablet.counter.unit)
    with pytest.raises(services.WrongPin):
        services.sign_in(db_session, tablet.device, officer.nip, "1111")
    services.sign_in(db_session, tablet.device, officer.nip, PIN)
    assert pin_row(db_session, officer).failures == 0


def test_an_officer_of_another_unit_or_an_unknown_nip_gets_the_wrong_pin_answer(
    client, tablet, officer_with_pin, factory,
):
    elsewhere = officer_with_pin(factory.unit())
    for nip in (elsewhere.nip, "199901012020121001"):
        response = sign_in(client, tablet, nip)
        assert (response.status_code, response.get_json()["error"]) == (403, "wrong_pin")


def test_an_officer_without_a_pin_gets_the_wrong_pin_answer_which_says_to_ask_for_one(
    client, tablet, factory
):
    officer = factory.officer(unit=tablet.counter.unit)
    response = sign_in(client, tablet, officer.nip, "1234")
    assert (response.status_code, response.get_json()["error"]) == (403, "wrong_pin")
    assert "Minta administrator" in response.get_json()["message"]


def answers(client, tablet, nip, tries):
    """What the tablet is told, try after try (the lock's end time aside)."""
    seen = []
    for _ in range(tries):
        body = sign_in(client, tablet, nip, "000000").get_json()
        body.pop("until", None)
        seen.append(body)
    return seen


def test_a_tablet_tells_nobody_which_nips_belong_to_its_unit(
    client, tablet, officer_with_pin, factory
):
    own = officer_with_pin(tablet.counter.unit)
    elsewhere = officer_with_pin(factory.unit())
    without_pin = factory.officer(unit=tablet.counter.unit)
    inactive = officer_with_pin(tablet.counter.unit)
    inactive.active = False
    tries = services.PIN_MAX_FAILURES + 1

    real = answers(client, tablet, own.nip, tries)

    assert [a["error"] for a in real] == ["wrong_pin"] * 4 + ["pin_locked"] * 2
    assert [a.get("remaining") for a in real[:4]] == [4, 3, 2, 1]
    for nip in ("199901012020121001", elsewhere.nip, without_pin.nip, inactive.nip):
        assert answers(client, tablet, nip, tries) == real, nip


def test_guessing_another_units_nip_at_this_tablet_does_not_lock_that_officer(
    client, tablet, officer_with_pin, factory, db_session
):
    elsewhere = officer_with_pin(factory.unit())
    answers(client, tablet, elsewhere.nip, services.PIN_MAX_FAILURES)
    row = pin_row(db_session, elsewhere)
    assert (row.failures, row.locked_until) == (0, None)


# --- signing out: a citizen's wrong PINs never lock the officer out -------------------------


def sign_out(client, tablet, pin, nip=None):
    body = {"pin": pin} if nip is None else {"nip": nip, "pin": pin}
    return client.post("/kiosk/api/sign-out", json=body, headers=tablet.headers)


def open_shift(db_session, officer):
    return db_session.scalars(
        select(Shift).where(Shift.officer_id == officer.id, Shift.ended_at.is_(None))).first()


def test_wrong_sign_out_pins_never_lock_the_officer_out_nor_end_their_shift(
    client, pair_tablet, tablet, officer_with_pin, db_session
):
    officer = officer_with_pin(tablet.counter.unit)
    assert sign_in(client, tablet, officer.nip).status_code == 200

    tried = [sign_out(client, tablet, f"{n:04d}") for n in range(10)]

    assert [r.status_code for r in tried] == [403] * 4 + [423] * 6
    assert [r.get_json().get("remaining") for r in tried[:4]] == [4, 3, 2, 1]
    assert tried[4].get_json()["error"] == "sign_out_needs_nip"
    # Still serving, and nothing counted against their own sign-in.
    assert open_shift(db_session, officer) is not None
    row = pin_row(db_session, officer)
    assert (row.failures, row.locked_until) == (0, None)
    state = client.post("/kiosk/api/heartbeat", json={}, headers=tablet.headers).get_json()
    assert state["officer"]["name"] == officer.name and state["sign_out_needs_nip"] is True
    # They can still sign in at another counter of their unit.
    other = pair_tablet(factory_counter(db_session, tablet))
    assert sign_in(client, other, officer.nip).status_code == 200


def factory_counter(db_session, tablet):
    from tests.support.factories import Factory

    return Factory(db_session).counter(unit=tablet.counter.unit)


def test_after_too_many_wrong_sign_out_pins_the_officer_signs_out_with_nip_and_pin(
    client, tablet, officer_with_pin, db_session
):
    officer = officer_with_pin(tablet.counter.unit)
    sign_in(client, tablet, officer.nip)
    for n in range(services.PIN_MAX_FAILURES):
        sign_out(client, tablet, f"{n:04d}")

    pin_alone = sign_out(client, tablet, PIN)
    someone_else = sign_out(client, tablet, "0000", nip="199901012020121001")
    with_nip = sign_out(client, tablet, PIN, nip=officer.nip)

    assert (pin_alone.status_code, pin_alone.get_json()["error"]) == (423, "sign_out_needs_nip")
    assert someone_else.get_json()["error"] == "wrong_pin"
    assert with_nip.status_code == 200 and with_nip.get_json()["officer"] is None
    ended = db_session.scalars(select(Shift).where(Shift.officer_id == officer.id)).one()
    assert ended.end_reason == "sign-out"


def test_a_new_pin_lets_the_pin_alone_end_the_shift_again(client, tablet, officer_with_pin,
                                                          db_session):
    officer = officer_with_pin(tablet.counter.unit)
    sign_in(client, tablet, officer.nip)
    for n in range(services.PIN_MAX_FAILURES):
        sign_out(client, tablet, f"{n:04d}")

    services.set_officer_pin(db_session, officer, "97531")

    assert sign_out(client, tablet, "97531").status_code == 200


def test_signing_in_replaces_the_officer_serving_at_the_counter(
    client, tablet, officer_with_pin, db_session,
):
    first, second = officer_with_pin(tablet.counter.unit), officer_with_pin(tablet.counter.unit)
    sign_in(client, tablet, first.nip)

    assert sign_in(client, tablet, second.nip).get_json()["officer"]["name"] == second.name
    ended = db_session.scalars(select(Shift).where(Shift.officer_id == first.id)).one()
    assert ended.end_reason == "replaced"


def test_signing_out_needs_the_serving_officers_pin_and_ends_the_shift(
    client, tablet, officer_with_pin, db_session,
):
    officer = officer_with_pin(tablet.counter.unit)
    sign_in(client, tablet, officer.nip)

    citizen = client.post("/kiosk/api/sign-out", json={"pin": "0000"}, headers=tablet.headers)
    assert citizen.status_code == 403
    response = client.post("/kiosk/api/sign-out", json={"pin": PIN}, headers=tablet.headers)

    assert response.status_code == 200
    assert response.get_json()["officer"] is None
    shift = db_session.scalars(select(Shift).where(Shift.officer_id == officer.id)).one()
    assert shift.ended_at is not None and shift.end_reason == "sign-out"


def test_signing_out_with_nobody_signed_in_says_so(client, tablet):
    response = client.post("/kiosk/api/sign-out", json={"pin": PIN}, headers=tablet.headers)
    assert response.get_json()["error"] == "nobody_signed_in"


def test_set_pin_reads_one_line_from_standard_input(runner, factory, db_session):
    officer = factory.officer()

    result = runner.invoke(args=["officer", "set-pin", officer.nip], input="2468\n")

    assert result.exit_code == 0, result.output
    pin_hash = pin_row(db_session, officer).pin_hash
    assert pin_hash != "2468" and verify_password(pin_hash, "2468")


def test_set_pin_prompts_twice_on_a_terminal(runner, factory, db_session, monkeypatch):
    import types

    import core.cli

    officer = factory.officer()
    terminal = types.SimpleNamespace(isatty=lambda: True)
    monkeypatch.setattr(core.cli, "sys", types.SimpleNamespace(stdin=terminal))
    prompts = []

    def fake_prompt(text, **kwargs):
        prompts.append((text, kwargs.get("confirmation_prompt")))
        return "13579"

    monkeypatch.setattr(core.cli.click, "prompt", fake_prompt)
    result = runner.invoke(args=["officer", "set-pin", officer.nip])

    assert result.exit_code == 0, result.output
    assert prompts == [("PIN", True)]
    assert verify_password(pin_row(db_session, officer).pin_hash, "13579")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "１２３４"])
def test_set_pin_refuses_what_is_not_4_to_8_digits(runner, factory, db_session, pin):
    officer = factory.officer()
    result = runner.invoke(args=["officer", "set-pin", officer.nip], input=pin + "\n")
    assert result.exit_code != 0
    assert "4–8 angka" in result.output
    assert pin_row(db_session, officer) is None


def test_setting_a_pin_lifts_a_lock(db_session, factory):
    officer = factory.officer()
    db_session.add(KioskOfficerPin(officer_id=officer.id, failures=3,
                                   locked_until=utcnow() + timedelta(minutes=10)))
    db_session.flush()
    services.set_officer_pin(db_session, officer, "1234")
    row = pin_row(db_session, officer)
    assert row.failures == 0 and row.locked_until is None
    assert verify_password(row.pin_hash, "1234")


def card_token(db_session, **owner) -> str:
    from survey.services import issue_code, token_for
    from tests.conftest import TEST_SECRET

    return token_for(issue_code(db_session, **owner), TEST_SECRET)


def test_an_officer_signs_in_by_scanning_their_own_card_and_typing_the_pin(
    client, tablet, officer_with_pin, db_session
):
    officer = officer_with_pin(tablet.counter.unit)
    token = card_token(db_session, officer=officer)

    without_pin = client.post("/kiosk/api/sign-in", json={"token": token, "pin": ""},
                              headers=tablet.headers)
    response = client.post("/kiosk/api/sign-in", json={"token": token, "pin": PIN},
                           headers=tablet.headers)

    assert without_pin.status_code == 403
    assert response.status_code == 200
    assert response.get_json()["officer"]["name"] == officer.name


def test_a_counters_card_or_a_revoked_card_signs_nobody_in(client, tablet, officer_with_pin,
                                                           db_session):
    from survey.services import issue_code, revoke_code, token_for
    from tests.conftest import TEST_SECRET

    officer = officer_with_pin(tablet.counter.unit)
    counter_card = card_token(db_session, counter=tablet.counter)
    revoked = issue_code(db_session, officer=officer)
    revoke_code(db_session, revoked)
    db_session.flush()

    for token, error in ((counter_card, "not_officer_card"),
                         (token_for(revoked, TEST_SECRET), "code_revoked"),
                         ("forged.tokenvalue123", "code_tampered")):
        response = client.post("/kiosk/api/sign-in", json={"token": token, "pin": PIN},
                               headers=tablet.headers)
        assert response.status_code == 403
        assert response.get_json()["error"] == error
    assert db_session.scalars(select(Shift)).first() is None
