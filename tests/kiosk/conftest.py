"""Kiosk fixtures: a counter with a paired tablet, and an officer with a PIN."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.models import Counter, Officer
from kiosk import services
from kiosk.models import KioskDevice

PIN = "482913"


@dataclass
class Tablet:
    device: KioskDevice
    credential: str

    @property
    def counter(self) -> Counter:
        return self.device.counter

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Device {self.credential}"}


@pytest.fixture
def pair_tablet(db_session, factory):
    def make(counter: Counter | None = None) -> Tablet:
        counter = counter or factory.counter()
        _row, code = services.create_pairing_code(db_session, counter)
        device, credential = services.pair_device(db_session, code, "Tablet uji")
        return Tablet(device, credential)

    return make


@pytest.fixture
def tablet(pair_tablet) -> Tablet:
    return pair_tablet()


@pytest.fixture
def officer_with_pin(app, db_session, factory):
    def make(unit, pin: str = PIN) -> Officer:
        officer = factory.officer(unit=unit)
        with app.app_context():  # the PIN hashed at the test app's (cheap) cost
            services.set_officer_pin(db_session, officer, pin)
        return officer

    return make
