"""The follow-up pages for heads and supervisors: scoped lists with filters, a detail page with
the history and actions (POST → redirect), overdue highlighted, contact only in scope; and the
page of flagged ratings a head clears."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.models import AuditEntry
from survey import integrity
from survey.models import Comment


@pytest.fixture
def unit(factory):
    return factory.unit(name="UPT Disdukcapil Kecamatan Cempaka")


@pytest.fixture
def head(factory, unit):
    return factory.user(role="head", department_id=unit.department_id, display_name="Bu Kadis")


@pytest.fixture
def supervisor(factory, unit):
    return factory.user(role="supervisor", unit_id=unit.id, display_name="Pak Kepala UPT")


def make_complaint(factory, unit, *, text="Antrean lama sekali", due_on=None, status="baru",
                   contact=None, category="antrean", **rating_fields):
    rating = factory.rating(unit=unit, **rating_fields)
    return factory.comment(rating, kind="complaint", text=text, category=category, status=status,
                           due_on=due_on or date.today() + timedelta(days=7), contact=contact,
                           contact_consent=contact is not None)


def test_nobody_signed_in_is_sent_to_the_login_page(client):
    response = client.get("/pengaduan/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] or "masuk" in response.headers["Location"]


def test_an_officer_may_not_open_the_follow_up_pages(signed_in, factory):
    officer = factory.user(role="officer")
    assert signed_in(officer).get("/pengaduan/").status_code == 403
    assert signed_in(officer).get("/integritas/").status_code == 403


def test_a_head_sees_their_departments_complaints_and_not_others(signed_in, factory, unit, head):
    mine = make_complaint(factory, unit, text="Petugas loket 3 tidak ada di tempat")
    theirs = make_complaint(factory, factory.unit(), text="Toilet rusak di gedung lain")
    page = signed_in(head).get("/pengaduan/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert mine.text in html and theirs.text not in html
    assert signed_in(head).get(f"/pengaduan/{theirs.id}").status_code == 404


def test_overdue_complaints_are_highlighted_and_can_be_filtered(signed_in, factory, unit, head):
    late = make_complaint(factory, unit, text="Sudah dua minggu tidak ada kabar",
                          due_on=date.today() - timedelta(days=3))
    on_time = make_complaint(factory, unit, text="Baru kemarin mengadu")
    html = signed_in(head).get("/pengaduan/").get_data(as_text=True)
    row = re.search(r'<tr class="is-overdue">.*?</tr>', html, re.S).group(0)
    assert late.text in row and "Terlambat" in row
    filtered = signed_in(head).get("/pengaduan/?overdue=y").get_data(as_text=True)
    assert late.text in filtered and on_time.text not in filtered


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=diproses", "B", "A"),
        ("category=biaya", "B", "A"),
        ("status=baru&category=antrean", "A", "B"),
    ],
)
def test_the_list_filters_by_status_and_category(signed_in, factory, unit, head, query, shown,
                                                 hidden):
    texts = {"A": "Keluhan A tentang antrean", "B": "Keluhan B tentang pungutan"}
    make_complaint(factory, unit, text=texts["A"])
    make_complaint(factory, unit, text=texts["B"], status="diproses", category="biaya")
    html = signed_in(head).get(f"/pengaduan/?{query}").get_data(as_text=True)
    assert texts[shown] in html and texts[hidden] not in html


def test_the_list_filters_by_unit(signed_in, factory, unit, head):
    sibling = factory.unit(department_id=unit.department_id, name="Puskesmas Melati")
    make_complaint(factory, unit, text="Di unit pertama")
    make_complaint(factory, sibling, text="Di puskesmas")
    html = signed_in(head).get(f"/pengaduan/?unit={sibling.id}").get_data(as_text=True)
    assert "Di puskesmas" in html and "Di unit pertama" not in html


def test_the_detail_page_shows_the_contact_history_and_actions_to_someone_in_scope(
    signed_in, factory, unit, supervisor
):
    complaint = make_complaint(factory, unit, contact="0812-3456-7890")
    html = signed_in(supervisor).get(f"/pengaduan/{complaint.id}").get_data(as_text=True)
    assert "0812-3456-7890" in html
    assert f'action="/pengaduan/{complaint.id}/status"' in html
    assert "pesan-warga" in html  # the citizen consented: a note to them can be recorded
    assert "buka-kembali" not in html  # only a head reopens, and only a finished complaint


def test_changing_the_status_redirects_back_and_records_who_did_it(
    signed_in, factory, unit, supervisor, db_session
):
    complaint = make_complaint(factory, unit)
    client = signed_in(supervisor)
    response = client.post(f"/pengaduan/{complaint.id}/status",
                           data={"status-status": "diproses", "status-note": "Sedang dicek"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pengaduan/{complaint.id}")
    db_session.expire_all()
    stored = db_session.get(Comment, complaint.id)
    assert stored.status == "diproses"
    assert [(e.action, e.user_id, e.note) for e in stored.events] == [
        ("status", supervisor.id, "Sedang dicek")]
    page = client.get(f"/pengaduan/{complaint.id}").get_data(as_text=True)
    assert "Pak Kepala UPT" in page and "Sedang dicek" in page


def test_a_backward_status_is_refused_with_a_message(signed_in, factory, unit, supervisor,
                                                     db_session):
    complaint = make_complaint(factory, unit, status="ditindaklanjuti")
    client = signed_in(supervisor)
    client.post(f"/pengaduan/{complaint.id}/status", data={"status-status": "baru"})
    db_session.expire_all()
    assert db_session.get(Comment, complaint.id).status == "ditindaklanjuti"
    page = client.get(f"/pengaduan/{complaint.id}").get_data(as_text=True)
    assert "flash-error" in page


def test_assigning_notes_and_a_citizen_note_through_the_page(
    signed_in, factory, unit, head, supervisor, db_session
):
    complaint = make_complaint(factory, unit, contact="warga@example.id")
    client = signed_in(head)
    assert client.post(f"/pengaduan/{complaint.id}/tugaskan",
                       data={"assign-assignee": str(supervisor.id)}).status_code == 303
    assert client.post(f"/pengaduan/{complaint.id}/catatan",
                       data={"note-note": "Cek CCTV"}).status_code == 303
    assert client.post(f"/pengaduan/{complaint.id}/pesan-warga",
                       data={"citizen-message": "Mohon maaf, antrean kami tambah"}
                       ).status_code == 303
    db_session.expire_all()
    stored = db_session.get(Comment, complaint.id)
    assert stored.assignee_id == supervisor.id
    assert [e.action for e in stored.events] == ["assign", "note", "citizen-note"]


def test_only_a_head_may_reopen_a_finished_complaint(signed_in, factory, unit, head, supervisor,
                                                     db_session):
    complaint = make_complaint(factory, unit, status="selesai")
    assert signed_in(supervisor).post(f"/pengaduan/{complaint.id}/buka-kembali",
                                      data={"reopen-note": "x"}).status_code == 403
    assert "buka-kembali" in signed_in(head).get(f"/pengaduan/{complaint.id}").get_data(
        as_text=True)
    signed_in(head).post(f"/pengaduan/{complaint.id}/buka-kembali",
                         data={"reopen-note": "Warga mengadu lagi"})
    db_session.expire_all()
    assert db_session.get(Comment, complaint.id).status == "diproses"


def test_acting_on_a_complaint_out_of_scope_is_a_404(signed_in, factory, unit):
    complaint = make_complaint(factory, unit)
    outsider = factory.user(role="supervisor", unit_id=factory.unit().id)
    response = signed_in(outsider).post(f"/pengaduan/{complaint.id}/status",
                                        data={"status-status": "selesai"})
    assert response.status_code == 404


# --- flagged ratings ------------------------------------------------------------------------


def test_a_head_sees_flagged_ratings_with_the_reason_and_clears_them(
    signed_in, factory, unit, head, db_session
):
    officer = factory.officer(unit=unit, name="Siti Rahmawati")
    rating = factory.rating(unit=unit, officer_id=officer.id,
                            flags=f"{integrity.REPEAT},{integrity.OFF_HOURS}")
    client = signed_in(head)
    html = client.get("/integritas/").get_data(as_text=True)
    assert "Siti Rahmawati" in html
    assert str(integrity.REASONS[integrity.REPEAT]) in html
    assert str(integrity.REASONS[integrity.OFF_HOURS]) in html
    response = client.post("/integritas/bersihkan",
                           data={"rating_id": str(rating.id), "note": "Sudah dicek"})
    assert response.status_code == 303
    db_session.expire_all()
    assert rating.flags_cleared_by == head.id and rating.counts_for_officer
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.target == f"rating:{rating.id}")
                               ).one()
    assert entry.action == "rating.flags_clear" and entry.detail["note"] == "Sudah dicek"
    assert "Siti Rahmawati" not in client.get("/integritas/").get_data(as_text=True)


def test_a_supervisor_sees_flags_but_may_not_clear_them(signed_in, factory, unit, supervisor,
                                                        db_session):
    rating = factory.rating(unit=unit, flags=integrity.BURST_NETWORK)
    client = signed_in(supervisor)
    assert str(integrity.REASONS[integrity.BURST_NETWORK]) in client.get("/integritas/").get_data(
        as_text=True)
    assert client.post("/integritas/bersihkan",
                       data={"rating_id": str(rating.id)}).status_code == 403
    db_session.expire_all()
    assert rating.flags_cleared_at is None


@pytest.mark.parametrize("rating_id", ["not-a-uuid", str(uuid.uuid4())],
                         ids=["not-a-uuid", "an-unknown-uuid"])  # one name in every xdist worker
def test_clearing_an_unknown_rating_is_a_404(signed_in, head, rating_id):
    response = signed_in(head).post("/integritas/bersihkan", data={"rating_id": rating_id})
    assert response.status_code == 404


def test_a_head_cannot_clear_another_departments_rating(signed_in, factory, head, db_session):
    rating = factory.rating(unit=factory.unit(), flags=integrity.OFF_HOURS)
    assert signed_in(head).post("/integritas/bersihkan",
                                data={"rating_id": str(rating.id)}).status_code == 404
    db_session.expire_all()
    assert rating.flags_cleared_at is None


def test_the_list_filters_complaints_from_questions(signed_in, factory, unit, head):
    make_complaint(factory, unit, text="Kenapa antre lama?")
    question = factory.comment(factory.rating(unit=unit), kind="question", status="baru",
                               text="Syarat akta kelahiran apa saja?",
                               due_on=date.today() + timedelta(days=5))
    html = signed_in(head).get("/pengaduan/?kind=question").get_data(as_text=True)
    assert question.text in html and "Kenapa antre lama?" not in html


def test_pages_keep_the_filters_from_page_to_page(signed_in, factory, unit, head):
    for n in range(51):
        make_complaint(factory, unit, text=f"Keluhan nomor {n}", category="sarana")
    html = signed_in(head).get("/pengaduan/?category=sarana&evil=1").get_data(as_text=True)
    assert "halaman=2" in html and "category=sarana" in html and "evil" not in html
