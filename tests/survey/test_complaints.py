"""Complaint follow-up: due dates in working days, statuses that only move forward (a head
may reopen), assignment within scope, a history of who did what, notes to consenting citizens."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest

from core.models import Holiday
from core.workdays import due_date
from survey import complaints
from survey.complaints import ComplaintError, Filters
from survey.models import Rating
from survey.schema import parse_rating
from survey.services import Origin, record_rating
from tests.support.factories import DEFAULT_RULES, at


def complain(db_session, unit, when, *, contact=None, kind="complaint"):
    comment = {"kind": kind, "text": "Antrean lama sekali",
               "category": "antrean" if kind == "complaint" else None}
    if contact:
        comment.update(contact=contact, contact_consent=True)
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U3": 1}, "comment": comment},
                        require_token=False)
    rating, _ = record_rating(db_session, data, Origin(channel="qr", unit=unit), DEFAULT_RULES,
                              now=when)
    return rating.comment


@pytest.fixture
def unit(factory):
    return factory.unit()


@pytest.fixture
def head(factory, unit):
    return factory.user(role="head", department_id=unit.department_id)


@pytest.fixture
def supervisor(factory, unit):
    return factory.user(role="supervisor", unit_id=unit.id)


@pytest.fixture
def complaint(app_context, db_session, unit):
    return complain(db_session, unit, at(2026, 3, 3, 10, 0), contact="0812-3456-7890")


# --- due dates ------------------------------------------------------------------------------


def test_a_complaint_on_thursday_is_due_five_working_days_later_skipping_the_weekend(
    app_context, db_session, unit
):
    comment = complain(db_session, unit, at(2026, 3, 12, 10, 0))  # Thursday
    assert comment.status == "baru"
    assert comment.due_on == date(2026, 3, 19)  # Fri, Mon, Tue, Wed, Thu


def test_public_holidays_and_cuti_bersama_push_the_due_date(app_context, db_session, unit):
    db_session.add_all([Holiday(day=date(2026, 3, 19), name="Hari Suci Nyepi"),
                        Holiday(day=date(2026, 3, 20), name="Idul Fitri"),
                        Holiday(day=date(2026, 3, 23), name="Cuti bersama")])
    db_session.flush()
    comment = complain(db_session, unit, at(2026, 3, 12, 10, 0))
    # Fri 13, Mon 16, Tue 17, Wed 18, then Thu 19, Fri 20 and Mon 23 are closed: Tue 24.
    assert comment.due_on == date(2026, 3, 24)


def test_the_number_of_working_days_is_a_setting_the_rating_view_passes_on(
    make_app, db_session, payload
):
    client = make_app(COMPLAINT_DUE_WORKING_DAYS=2).test_client()
    body = payload(comment={"kind": "complaint", "text": "Antrean lama sekali",
                            "category": "antrean"})
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    rating = db_session.get(Rating, uuid.UUID(body["id"]))
    assert rating.comment.due_on == due_date(db_session, rating.service_day, 2)
    assert rating.comment.due_on < due_date(db_session, rating.service_day, 5)


def test_a_complaint_is_due_as_the_rules_given_say(app_context, db_session, unit):
    two_days = replace(DEFAULT_RULES, due_working_days=2)
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U3": 1},
                         "comment": {"kind": "complaint", "text": "Lama", "category": "antrean"}},
                        require_token=False)
    rating, _ = record_rating(db_session, data, Origin(channel="qr", unit=unit), two_days,
                              now=at(2026, 3, 12, 10, 0))  # Thursday
    assert rating.comment.due_on == date(2026, 3, 16)  # Fri, Mon


def test_a_question_is_followed_up_but_praise_is_not(app_context, db_session, unit):
    question = complain(db_session, unit, at(2026, 3, 3, 10, 0), kind="question")
    assert question.status == "baru" and question.due_on is not None
    praise = complain(db_session, unit, at(2026, 3, 3, 10, 0), kind="praise")
    assert praise.status is None and praise.due_on is None


def test_a_complaint_is_overdue_only_while_open_and_past_its_due_date(complaint, db_session, head):
    assert not complaints.is_overdue(complaint, complaint.due_on)
    assert complaints.is_overdue(complaint, complaint.due_on + timedelta(days=1))
    complaints.change_status(db_session, complaint, head, "selesai")
    assert not complaints.is_overdue(complaint, complaint.due_on + timedelta(days=1))


# --- statuses -------------------------------------------------------------------------------


def test_statuses_move_forward_and_each_step_is_recorded_with_who_and_when(
    complaint, db_session, supervisor
):
    complaints.change_status(db_session, complaint, supervisor, "diproses", "Dicek ke loket")
    complaints.change_status(db_session, complaint, supervisor, "ditindaklanjuti")
    complaints.change_status(db_session, complaint, supervisor, "selesai", "Antrean ditambah")
    assert complaint.status == "selesai" and complaint.resolved_at is not None
    steps = [(e.action, e.from_status, e.to_status, e.user_id, e.note) for e in complaint.events]
    assert steps == [
        ("status", "baru", "diproses", supervisor.id, "Dicek ke loket"),
        ("status", "diproses", "ditindaklanjuti", supervisor.id, None),
        ("status", "ditindaklanjuti", "selesai", supervisor.id, "Antrean ditambah"),
    ]
    assert all(e.at is not None for e in complaint.events)


def test_a_step_may_be_skipped_forward(complaint, db_session, supervisor):
    complaints.change_status(db_session, complaint, supervisor, "selesai", "Dijawab langsung")
    assert complaint.status == "selesai"


@pytest.mark.parametrize("target", ["baru", "diproses", "unknown"])
def test_a_status_never_moves_back_or_sideways(complaint, db_session, supervisor, target):
    complaints.change_status(db_session, complaint, supervisor, "diproses")
    with pytest.raises(ComplaintError):
        complaints.change_status(db_session, complaint, supervisor, target)
    assert complaint.status == "diproses"


def test_a_head_reopens_a_finished_complaint_with_a_reason_and_a_new_due_date(
    complaint, db_session, head
):
    complaints.change_status(db_session, complaint, head, "selesai")
    complaints.reopen(db_session, complaint, head, "Warga datang lagi, belum beres",
                          due_working_days=DEFAULT_RULES.due_working_days)
    assert complaint.status == "diproses" and complaint.resolved_at is None
    assert complaint.due_on >= date.today()
    assert complaint.events[-1].action == "reopen"
    assert complaint.events[-1].note == "Warga datang lagi, belum beres"


def test_a_supervisor_cannot_reopen_and_an_open_complaint_cannot_be_reopened(
    complaint, db_session, head, supervisor
):
    with pytest.raises(ComplaintError):
        complaints.reopen(db_session, complaint, head, "belum selesai pun",
                          due_working_days=DEFAULT_RULES.due_working_days)
    complaints.change_status(db_session, complaint, supervisor, "selesai")
    with pytest.raises(ComplaintError):
        complaints.reopen(db_session, complaint, supervisor, "saya mau buka",
                          due_working_days=DEFAULT_RULES.due_working_days)
    with pytest.raises(ComplaintError):
        complaints.reopen(db_session, complaint, head, "   ",
                          due_working_days=DEFAULT_RULES.due_working_days)
    assert complaint.status == "selesai"


# --- scope, assignment, notes ---------------------------------------------------------------


def test_nobody_outside_the_units_scope_can_act_on_or_see_it(complaint, db_session, factory):
    outsider = factory.user(role="supervisor", unit_id=factory.unit().id)
    officer = factory.user(role="officer")
    for user in (outsider, officer):
        assert complaints.get_complaint(db_session, user, complaint.id) is None
        with pytest.raises(ComplaintError):
            complaints.change_status(db_session, complaint, user, "diproses")
    assert complaint.status == "baru" and complaint.events == []


def test_a_complaint_is_assigned_only_to_someone_who_can_see_its_unit(
    complaint, db_session, factory, head, supervisor
):
    outsider = factory.user(role="head", department_id=factory.department().id)
    assert {u.id for u in complaints.assignable_users(db_session, complaint)} >= {head.id,
                                                                                  supervisor.id}
    with pytest.raises(ComplaintError):
        complaints.assign(db_session, complaint, head, outsider)
    complaints.assign(db_session, complaint, head, supervisor, "Tolong cek antrean")
    assert complaint.assignee_id == supervisor.id
    assert complaint.events[-1].action == "assign"
    assert supervisor.display_name in complaint.events[-1].note


def test_a_note_to_the_citizen_is_recorded_only_when_they_consented(
    complaint, db_session, unit, supervisor
):
    complaints.note_to_citizen(db_session, complaint, supervisor, "Antrean sudah ditambah loket")
    event = complaint.events[-1]
    assert (event.action, event.note) == ("citizen-note", "Antrean sudah ditambah loket")
    anonymous = complain(db_session, unit, at(2026, 3, 3, 11, 0))
    assert anonymous.contact is None
    with pytest.raises(ComplaintError):
        complaints.note_to_citizen(db_session, anonymous, supervisor, "Halo")


def test_internal_notes_need_text(complaint, db_session, supervisor):
    with pytest.raises(ComplaintError):
        complaints.add_note(db_session, complaint, supervisor, "  ")
    complaints.add_note(db_session, complaint, supervisor, "Menunggu data dari loket 2")
    assert [e.action for e in complaint.events] == ["note"]


# --- lists ----------------------------------------------------------------------------------


def test_the_list_filters_by_status_overdue_unit_and_category(
    app_context, db_session, factory, unit, head
):
    sibling = factory.unit(department_id=unit.department_id)
    old = complain(db_session, unit, at(2026, 3, 2, 10, 0))
    new = complain(db_session, sibling, at(2026, 3, 9, 10, 0))
    other_department = complain(db_session, factory.unit(), at(2026, 3, 2, 10, 0))
    complaints.change_status(db_session, new, head, "diproses")
    today = date(2026, 3, 11)  # old was due 9 March, new is due 16 March

    def ids(**filters):
        rows, total = complaints.list_complaints(db_session, head, Filters(**filters), today=today)
        assert total == len(rows)
        return [c.id for c in rows]

    assert ids() == [old.id, new.id]
    assert other_department.id not in ids()
    assert ids(overdue=True) == [old.id]
    assert ids(status="diproses") == [new.id]
    assert ids(unit_id=sibling.id) == [new.id]
    assert ids(category="biaya") == []
    assert complaints.overdue_count(db_session, head, today) == 1
