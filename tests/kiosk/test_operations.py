"""The operations page: a unit's staff see their unit's tablets, create pairing codes for
their counters and revoke tablets; nobody sees another unit's."""

from __future__ import annotations

import re

from kiosk.models import KioskDevice


def test_a_supervisor_sees_the_units_tablets_and_counters_only(
    signed_in, factory, pair_tablet, db_session,
):
    mine = pair_tablet()
    theirs = pair_tablet()
    mine.device.queued_ratings = 4
    supervisor = factory.user(role="supervisor", unit=mine.counter.unit)

    html = signed_in(supervisor).get("/kiosk/operations").get_data(as_text=True)

    assert f'data-device="{mine.device.id}"' in html
    assert mine.counter.label in html and "<td>4</td>" in html
    assert f'data-device="{theirs.device.id}"' not in html
    assert theirs.counter.label not in html


def test_a_department_head_sees_every_unit_of_the_department(signed_in, factory, pair_tablet):
    department = factory.department()
    first = pair_tablet(factory.counter(unit=factory.unit(department=department)))
    second = pair_tablet(factory.counter(unit=factory.unit(department=department)))
    head = factory.user(role="head", department=department)

    html = signed_in(head).get("/kiosk/operations").get_data(as_text=True)

    assert f'data-device="{first.device.id}"' in html
    assert f'data-device="{second.device.id}"' in html


def test_an_officer_account_may_not_open_the_page(signed_in, factory):
    officer = factory.user(role="officer")
    assert signed_in(officer).get("/kiosk/operations").status_code == 403


def test_a_pairing_code_made_on_the_page_pairs_a_tablet(signed_in, factory, client, db_session):
    counter = factory.counter()
    supervisor = factory.user(role="supervisor", unit=counter.unit)

    response = signed_in(supervisor).post("/kiosk/operations/pairing-codes",
                                          data={"counter_id": counter.id})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    code = re.search(r'class="pairing-code">([A-Z0-9-]+)<', html).group(1)
    paired = client.post("/kiosk/api/pair", json={"code": code})
    assert paired.get_json()["counter"]["code"] == counter.code


def test_no_pairing_code_for_another_units_counter(signed_in, factory):
    supervisor = factory.user(role="supervisor", unit=factory.unit())
    elsewhere = factory.counter()
    response = signed_in(supervisor).post("/kiosk/operations/pairing-codes",
                                          data={"counter_id": elsewhere.id})
    assert response.status_code == 400
    assert 'class="pairing-code"' not in response.get_data(as_text=True)


def test_a_supervisor_revokes_a_tablet_of_the_unit(signed_in, factory, tablet, db_session, client):
    supervisor = factory.user(role="supervisor", unit=tablet.counter.unit)

    response = signed_in(supervisor).post(f"/kiosk/operations/devices/{tablet.device.id}/revoke")

    assert response.status_code == 303
    db_session.refresh(tablet.device)
    assert tablet.device.revoked_at is not None
    refused = client.post("/kiosk/api/heartbeat", json={}, headers=tablet.headers)
    assert refused.status_code == 403


def test_another_units_tablet_cannot_be_revoked(signed_in, factory, tablet, db_session):
    supervisor = factory.user(role="supervisor", unit=factory.unit())
    response = signed_in(supervisor).post(f"/kiosk/operations/devices/{tablet.device.id}/revoke")
    assert response.status_code == 404
    assert db_session.get(KioskDevice, tablet.device.id).revoked_at is None


def test_revoking_and_pairing_leave_an_audit_trail(signed_in, factory, tablet, db_session):
    from sqlalchemy import select

    from core.models import AuditEntry

    admin = factory.user(role="admin")
    client = signed_in(admin)
    client.post(f"/kiosk/operations/devices/{tablet.device.id}/revoke")
    client.post("/kiosk/operations/pairing-codes", data={"counter_id": tablet.counter.id})

    query = select(AuditEntry.action).where(AuditEntry.user_id == admin.id)
    actions = db_session.scalars(query).all()
    assert sorted(actions) == ["kiosk.pairing_code", "kiosk.revoke"]


def test_the_last_contact_is_shown_in_the_units_own_time(signed_in, factory, pair_tablet):
    from tests.support.factories import at

    tablet = pair_tablet(factory.counter(unit=factory.unit(timezone="Asia/Makassar")))
    tablet.device.last_seen_at = at(2026, 11, 26, 9, 30, zone="Asia/Makassar")
    admin = factory.user(role="admin")

    html = signed_in(admin).get("/kiosk/operations").get_data(as_text=True)

    assert "26-11-2026 09:30" in html


def test_each_counter_says_whether_a_tablet_serves_it(signed_in, factory, tablet):
    bare = factory.counter(unit=tablet.counter.unit)
    supervisor = factory.user(role="supervisor", unit=tablet.counter.unit)

    html = signed_in(supervisor).get("/kiosk/operations").get_data(as_text=True)

    assert re.search(rf"{tablet.counter.code} · [^<]*:\s*1 tablet aktif", html)
    assert re.search(rf"{bare.code} · [^<]*:\s*tanpa tablet", html)
