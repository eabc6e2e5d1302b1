"""`officer set-pin` beside a working tablet: the prompt may wait as long as the person at the
keyboard likes, and tablets keep writing meanwhile. On a database of its own (not the
rolled-back test transaction), because two connections must really meet."""

from __future__ import annotations

import threading

import pytest

import kiosk.cli
from core import db
from core.auth import verify_password
from core.db import begin_write
from kiosk import services
from kiosk.models import KioskDevice, KioskOfficerPin
from tests.conftest import build_app
from tests.support.databases import temporary_database
from tests.support.factories import Factory


@pytest.fixture(scope="module")
def own_app(tmp_path_factory):
    with temporary_database(tmp_path_factory.mktemp("set-pin")) as url:
        app = build_app(url)
        yield app
        app.extensions["db"].engine.dispose()


def test_set_pin_succeeds_when_a_tablet_writes_while_the_prompt_waits(own_app, monkeypatch):
    with own_app.app_context():
        session = db.session()
        begin_write(session)
        factory = Factory(session)
        counter = factory.counter()
        officer = factory.officer(unit=counter.unit)
        _row, code = services.create_pairing_code(session, counter)
        device, credential = services.pair_device(session, code, "Tablet loket")
        session.commit()
        nip, officer_id, device_id = officer.nip, officer.id, device.id

    answers = []

    def tablet_reports_in():
        # Another thread: a request of its own, on a connection of its own, as a worker's.
        response = own_app.test_client().post(
            "/kiosk/api/heartbeat", json={"queued": 3},
            headers={"Authorization": f"Device {credential}"})
        answers.append(response.status_code)

    def prompt_while_a_tablet_writes(prompt):
        writer = threading.Thread(target=tablet_reports_in)
        writer.start()
        writer.join(timeout=60)
        return "8642"

    monkeypatch.setattr(kiosk.cli, "read_secret_from_stdin_or_prompt",
                        prompt_while_a_tablet_writes)

    result = own_app.test_cli_runner().invoke(args=["officer", "set-pin", nip])

    assert answers == [200]  # the prompt kept no tablet waiting
    assert result.exit_code == 0, result.output
    with own_app.app_context():
        session = db.session()
        assert verify_password(session.get(KioskOfficerPin, officer_id).pin_hash, "8642")
        assert session.get(KioskDevice, device_id).queued_ratings == 3
