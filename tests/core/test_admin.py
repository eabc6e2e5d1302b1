"""The administration pages: what an administrator changes, that each change is audited,
and what heads and supervisors may only read."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core.auth import verify_password
from core.models import AuditEntry, Counter, Department, Officer, Unit, User
from survey.models import QrCode, Question
from survey.services import current_code, questions_for_unit, survey_url
from tests.conftest import TEST_SECRET


def audit_entries(db_session, action):
    return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def only(db_session, model, **where):
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db_session.scalars(query).one()


# --- the organisation -----------------------------------------------------------------


def test_an_administrator_adds_a_department_a_unit_and_a_counter(signed_in, factory,
                                                                  db_session):
    admin = factory.user(role="admin")
    client = signed_in(admin)
    assert client.post("/admin/departments", data={"code": "DPMPTSP",
                                                   "name": "Dinas Perizinan"}).status_code == 303
    response = client.post("/admin/units", data={
        "code": "MPP-01", "name": "Mal Pelayanan Publik", "department": "DPMPTSP",
        "timezone": "Asia/Makassar", "annual_population": "12000"})
    assert response.headers["Location"] == "/admin/units/MPP-01"
    unit = only(db_session, Unit, code="MPP-01")
    assert (unit.timezone, unit.annual_population) == ("Asia/Makassar", 12000)
    client.post("/admin/units/MPP-01/counters", data={"code": "MPP-L1", "label": "Loket 1"})
    assert only(db_session, Counter, code="MPP-L1").unit_id == unit.id
    entries = {e.action: e for e in db_session.scalars(select(AuditEntry))}
    assert {"department.create", "unit.create", "counter.create"} <= set(entries)
    assert entries["unit.create"].actor == admin.username
    assert entries["unit.create"].user_id == admin.id
    assert entries["unit.create"].detail["timezone"] == "Asia/Makassar"


def test_a_duplicate_code_is_shown_on_the_form_and_nothing_is_added(signed_in, factory,
                                                                     db_session):
    factory.department(code="DINKES")
    page = signed_in(factory.user()).post("/admin/departments", data={
        "code": "DINKES", "name": "Lagi"}).get_data(as_text=True)
    assert "sudah ada" in page
    assert len(db_session.scalars(select(Department).where(Department.code == "DINKES")).all()) == 1
    assert audit_entries(db_session, "department.create") == []


def test_a_unit_keeps_its_time_zone_population_and_service_hours(signed_in, factory,
                                                                 db_session):
    unit = factory.unit()
    response = signed_in(factory.user()).post(f"/admin/units/{unit.code}", data={
        "name": "Puskesmas Sukamaju", "timezone": "Asia/Jayapura", "annual_population": "800",
        "service_hours": "1: 07:30-14:00\n5: 07:30-11:00, 13:00-15:00", "published": "y"})
    assert response.status_code == 303
    db_session.refresh(unit)
    assert unit.timezone == "Asia/Jayapura" and unit.annual_population == 800
    assert unit.service_hours == {"1": [["07:30", "14:00"]],
                                  "5": [["07:30", "11:00"], ["13:00", "15:00"]]}
    (entry,) = audit_entries(db_session, "unit.update")
    assert entry.detail["timezone"] == ["Asia/Jakarta", "Asia/Jayapura"]


def test_service_hours_that_end_before_they_start_are_refused(signed_in, factory, db_session):
    unit = factory.unit()
    page = signed_in(factory.user()).post(f"/admin/units/{unit.code}", data={
        "name": unit.name, "timezone": "Asia/Jakarta", "service_hours": "2: 16:00-08:00",
    }).get_data(as_text=True)
    assert "jam selesai harus setelah jam mulai" in page
    db_session.refresh(unit)
    assert unit.service_hours is None


def test_the_unit_page_shows_the_saved_hours_back_in_the_same_form(signed_in, factory):
    unit = factory.unit(service_hours={"5": [["08:00", "11:30"], ["13:00", "16:00"]]})
    page = signed_in(factory.user()).get(f"/admin/units/{unit.code}").get_data(as_text=True)
    assert "5: 08:00-11:30, 13:00-16:00" in page


def test_an_officer_is_added_and_deactivated(signed_in, factory, db_session):
    unit = factory.unit()
    client = signed_in(factory.user())
    client.post("/admin/officers", data={"identifier": "HON-0042", "no_nip": "y",
                                         "name": "Rina Honorer", "unit": unit.code})
    officer = only(db_session, Officer, employee_id="HON-0042")
    client.post(f"/admin/officers/{officer.id}/active", data={"active": "0"})
    db_session.refresh(officer)
    assert not officer.active
    assert [e.target for e in audit_entries(db_session, "officer.deactivate")] == [
        "officer:HON-0042"]


# --- CSV import -----------------------------------------------------------------------


def upload(client, text: str):
    return client.post("/admin/officers/import", data={
        "file": (io.BytesIO(text.encode()), "petugas.csv")}, content_type="multipart/form-data")


def test_an_import_with_a_bad_line_shows_each_error_and_adds_nobody(signed_in, factory,
                                                                     db_session):
    unit = factory.unit(code="UPT-A")
    csv = ("nip,name,unit\n"
           "198503142010011001,Budi Santoso,UPT-A\n"
           "12345,Nomor Salah,UPT-A\n"
           "198503142010012002,Siti Aminah,TIDAK-ADA\n")
    page = upload(signed_in(factory.user()), csv).get_data(as_text=True)
    assert "baris 3" in page and "baris 4" in page and "TIDAK-ADA" in page
    assert db_session.scalars(select(Officer).where(Officer.unit_id == unit.id)).all() == []
    assert audit_entries(db_session, "officer.import") == []


def test_a_clean_import_adds_the_officers_and_is_audited(signed_in, factory, db_session):
    unit = factory.unit(code="UPT-B")
    csv = ("nip,name,unit,position\n"
           "198503142010011001,Budi Santoso,UPT-B,Petugas Loket\n"
           "198503142010012002,Siti Aminah,UPT-B,\n")
    response = upload(signed_in(factory.user()), csv)
    assert response.status_code == 303
    names = db_session.scalars(select(Officer.name).where(Officer.unit_id == unit.id)).all()
    assert sorted(names) == ["Budi Santoso", "Siti Aminah"]
    (entry,) = audit_entries(db_session, "officer.import")
    assert entry.detail == {"created": 2, "updated": 0}


@pytest.mark.slow  # 1500 officers
def test_an_import_larger_than_other_forms_is_accepted(signed_in, factory, db_session):
    factory.unit(code="UPT-C")
    rows = "".join(f"HON-{n:05d},Petugas Nomor {n} dengan nama yang cukup panjang,UPT-C\n"
                   for n in range(1500))
    text = "employee_id,name,unit\n" + rows
    assert len(text) > 64 * 1024
    assert upload(signed_in(factory.user()), text).status_code == 303
    assert db_session.scalar(select(Officer.id).where(Officer.employee_id == "HON-01499"))


# --- users ----------------------------------------------------------------------------


def test_an_administrator_creates_a_head_with_their_department(signed_in, factory, db_session):
    department = factory.department()
    admin = factory.user()
    response = signed_in(admin).post("/admin/users/new", data={
        "username": "kadis.kesehatan", "display_name": "dr. Andi", "password": "sandi-awal-kadis",
        "role": "head", "department": str(department.id), "unit": "", "officer": ""})
    assert response.status_code == 303
    head = only(db_session, User, username="kadis.kesehatan")
    assert (head.role, head.department_id) == ("head", department.id)
    assert verify_password(head.password_hash, "sandi-awal-kadis")
    (entry,) = audit_entries(db_session, "user.create")
    assert entry.actor == admin.username and entry.detail["role"] == "head"
    assert "sandi-awal" not in str(entry.detail)


def test_a_supervisor_without_a_unit_is_refused(signed_in, factory, db_session):
    page = signed_in(factory.user()).post("/admin/users/new", data={
        "username": "atasan", "password": "sandi-atasan-1234", "role": "supervisor",
        "department": "", "unit": "", "officer": ""}).get_data(as_text=True)
    assert "harus punya unit" in page
    assert db_session.scalars(select(User).where(User.username == "atasan")).first() is None


def test_changing_a_role_clears_the_scope_of_the_old_one(signed_in, factory, db_session):
    unit = factory.unit()
    user = factory.user(role="supervisor", unit=unit, department=unit.department)
    signed_in(factory.user()).post(f"/admin/users/{user.id}", data={
        "display_name": "Kepala Dinas", "role": "head", "department": str(unit.department_id),
        "unit": str(unit.id), "officer": ""})
    db_session.refresh(user)
    assert (user.role, user.department_id, user.unit_id) == ("head", unit.department_id, None)
    (entry,) = audit_entries(db_session, "user.update")
    assert entry.detail["role"] == ["supervisor", "head"]


def test_deactivating_a_user_ends_their_session(signed_in, factory, db_session):
    unit = factory.unit()
    supervisor = factory.user(role="supervisor", unit=unit)
    their_client = signed_in(supervisor)
    assert their_client.get("/admin/").status_code == 200
    signed_in(factory.user()).post(f"/admin/users/{supervisor.id}/active", data={"active": "0"})
    assert their_client.get("/admin/").status_code == 302
    assert [e.target for e in audit_entries(db_session, "user.deactivate")] == [
        f"user:{supervisor.username}"]


def test_an_administrator_cannot_deactivate_themselves(signed_in, factory, db_session):
    admin = factory.user()
    factory.user()  # another administrator exists
    client = signed_in(admin)
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    db_session.refresh(admin)
    assert admin.active
    assert "sendiri" in client.get(f"/admin/users/{admin.id}").get_data(as_text=True)


def test_the_last_administrator_cannot_be_demoted(signed_in, factory, db_session):
    for other in db_session.scalars(select(User).where(User.role == "admin")):
        other.active = False
    admin = factory.user()
    department = factory.department()
    signed_in(admin).post(f"/admin/users/{admin.id}", data={
        "display_name": "", "role": "head", "department": str(department.id)})
    db_session.refresh(admin)
    assert admin.role == "admin"


def test_a_password_reset_ends_the_users_sessions_and_lifts_the_lock(signed_in, factory, app,
                                                                      db_session):
    from core.models import utcnow

    user = factory.user(role="head", department=factory.department(), failed_logins=2,
                        locked_until=utcnow().replace(year=2100))
    their_client = signed_in(user)
    signed_in(factory.user()).post(f"/admin/users/{user.id}/password",
                                   data={"password": "sandi-sementara-77"})
    db_session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0
    assert their_client.get("/admin/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": user.username,
                                      "password": "sandi-sementara-77"}).status_code == 302
    assert audit_entries(db_session, "user.password_reset")


# --- the office's own questions ---------------------------------------------------------


QUESTION = {
    "code": "K1", "text_id": "Apakah ruang tunggu nyaman?", "text_en": "Was the waiting room "
    "comfortable?", "label_id_1": "Tidak nyaman", "label_id_2": "Kurang nyaman",
    "label_id_3": "Nyaman", "label_id_4": "Sangat nyaman", "label_en_1": "Uncomfortable",
    "label_en_2": "Not very", "label_en_3": "Comfortable", "label_en_4": "Very comfortable",
}


def test_an_office_question_is_asked_after_the_nine_elements(signed_in, factory, db_session):
    unit = factory.unit()
    response = signed_in(factory.user()).post(f"/admin/units/{unit.code}/questions",
                                              data={**QUESTION, "about_officer": "y"})
    assert response.status_code == 303
    questions = questions_for_unit(db_session, unit.id)
    assert [q.code for q in questions][-1] == "K1"
    own = questions[-1]
    assert not own.standard and own.about_officer
    assert own.labels == {"id": ["Tidak nyaman", "Kurang nyaman", "Nyaman", "Sangat nyaman"],
                          "en": ["Uncomfortable", "Not very", "Comfortable", "Very comfortable"]}
    assert audit_entries(db_session, "question.create")
    # …and only that unit's citizens are asked.
    assert "K1" not in [q.code for q in questions_for_unit(db_session, factory.unit().id)]


def test_an_office_question_cannot_take_an_skm_element_code(signed_in, factory, db_session):
    unit = factory.unit()
    page = signed_in(factory.user()).post(f"/admin/units/{unit.code}/questions",
                                          data={**QUESTION, "code": "U3"}).get_data(as_text=True)
    assert "unsur SKM" in page
    assert db_session.scalars(select(Question).where(Question.unit_id == unit.id)).all() == []


def test_an_office_question_is_edited_and_switched_off(signed_in, factory, db_session):
    unit = factory.unit()
    client = signed_in(factory.user())
    client.post(f"/admin/units/{unit.code}/questions", data=QUESTION)
    question = only(db_session, Question, unit_id=unit.id)
    client.post(f"/admin/questions/{question.id}", data={**QUESTION, "code": "X9",
                                                          "text_id": "Ruang tunggu bersih?"})
    db_session.refresh(question)
    assert (question.code, question.text_id, question.active) == ("K1", "Ruang tunggu bersih?",
                                                                   False)
    assert "K1" not in [q.code for q in questions_for_unit(db_session, unit.id)]


# --- QR codes -------------------------------------------------------------------------


def test_the_codes_page_lists_each_counter_and_officer_with_its_survey_url(signed_in, factory,
                                                                             db_session):
    counter = factory.counter()
    officer = factory.officer(unit=counter.unit)
    code = current_code(db_session, counter=counter)
    page = signed_in(factory.user()).get(f"/admin/units/{counter.unit.code}/codes")
    text = page.get_data(as_text=True)
    assert survey_url(code, TEST_SECRET, "http://suara.test") in text
    assert officer.name in text and "belum ada kode" in text


def test_a_revoked_code_no_longer_opens_the_survey(signed_in, factory, db_session, client):
    counter = factory.counter()
    code = current_code(db_session, counter=counter)
    url = survey_url(code, TEST_SECRET, "http://suara.test").removeprefix("http://suara.test")
    assert client.get(url).status_code == 200
    signed_in(factory.user()).post(f"/admin/codes/{code.id}/revoke")
    assert client.get(url).status_code == 403
    (entry,) = audit_entries(db_session, "code.revoke")
    assert entry.target == f"counter:{counter.code}"


def test_reissuing_replaces_the_code_and_the_old_poster_stops_working(signed_in, factory,
                                                                      db_session, client):
    counter = factory.counter()
    old = current_code(db_session, counter=counter)
    old_url = survey_url(old, TEST_SECRET, "")  # a path: no base URL
    signed_in(factory.user()).post(f"/admin/codes/{old.id}/reissue")
    new = db_session.scalars(select(QrCode).where(QrCode.counter_id == counter.id,
                                                  QrCode.revoked_at.is_(None))).one()
    assert new.id != old.id
    assert client.get(old_url).status_code == 403
    assert client.get(survey_url(new, TEST_SECRET, "")).status_code == 200
    (entry,) = audit_entries(db_session, "code.reissue")
    assert entry.detail == {"revoked": old.public_id, "issued": new.public_id}


def test_an_officer_without_a_code_gets_one(signed_in, factory, db_session):
    officer = factory.officer()
    signed_in(factory.user()).post(f"/admin/officers/{officer.id}/code")
    code = only(db_session, QrCode, officer_id=officer.id)
    assert code.kind == "officer" and code.revoked_at is None


# --- who reads what -------------------------------------------------------------------


def test_a_head_reads_their_units_but_changes_nothing(signed_in, factory, db_session):
    unit = factory.unit()
    head = factory.user(role="head", department=unit.department)
    client = signed_in(head)
    page = client.get(f"/admin/units/{unit.code}").get_data(as_text=True)
    assert unit.name in page and 'name="service_hours"' not in page
    assert client.post(f"/admin/units/{unit.code}", data={
        "name": "Diganti", "timezone": "Asia/Jakarta"}).status_code == 403
    db_session.refresh(unit)
    assert unit.name != "Diganti"


def test_an_officer_has_no_administration_pages(signed_in, factory):
    officer = factory.officer()
    client = signed_in(factory.user(role="officer", officer=officer))
    assert client.get("/admin/").status_code == 403
    assert client.get(f"/admin/units/{officer.unit.code}").status_code == 403


def test_admin_forms_refuse_a_post_without_a_csrf_token(make_app, factory, db_session):
    from flask_login import FlaskLoginClient
    from flask_login.utils import _create_identifier

    from core.auth import Account

    guarded = make_app(WTF_CSRF_ENABLED=True)
    guarded.test_client_class = FlaskLoginClient
    client = guarded.test_client(user=Account(factory.user()))
    with guarded.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_id"] = identifier
    assert client.get("/admin/departments").status_code == 200  # signed in
    response = client.post("/admin/departments", data={"code": "X", "name": "Y"})
    assert response.status_code == 400
    assert db_session.scalars(select(Department).where(Department.code == "X")).first() is None


# --- the audit log --------------------------------------------------------------------


def test_the_audit_log_shows_who_did_what_newest_first(signed_in, factory, db_session):
    admin = factory.user()
    client = signed_in(admin)
    client.post("/admin/departments", data={"code": "D-AUD1", "name": "Satu"})
    client.post("/admin/departments", data={"code": "D-AUD2", "name": "Dua"})
    page = client.get("/admin/audit?action=department.").get_data(as_text=True)
    assert page.index("department:D-AUD2") < page.index("department:D-AUD1")
    assert admin.username in page
    filtered = client.get("/admin/audit?action=user.").get_data(as_text=True)
    assert "department:D-AUD1" not in filtered


def test_question_codes_are_upper_case_so_they_never_take_a_survey_field_name(signed_in,
                                                                             factory,
                                                                             db_session):
    unit = factory.unit()
    client = signed_in(factory.user())
    page = client.post(f"/admin/units/{unit.code}/questions",
                       data={**QUESTION, "code": "con-1"}).get_data(as_text=True)
    assert "diawali huruf" in page
    client.post(f"/admin/units/{unit.code}/questions", data={**QUESTION, "code": "k2"})
    assert only(db_session, Question, unit_id=unit.id).code == "K2"


def test_a_unit_in_another_zone_set_from_the_command_line_can_still_be_saved(signed_in,
                                                                              factory,
                                                                              db_session):
    unit = factory.unit(timezone="Asia/Dili")
    response = signed_in(factory.user()).post(f"/admin/units/{unit.code}", data={
        "name": "Unit Perbatasan", "timezone": "Asia/Dili"})
    assert response.status_code == 303
    db_session.refresh(unit)
    assert (unit.name, unit.timezone) == ("Unit Perbatasan", "Asia/Dili")


def test_the_import_form_checks_its_csrf_token_itself(make_app, factory, db_session):
    from flask_login import FlaskLoginClient
    from flask_login.utils import _create_identifier

    from core.auth import Account

    factory.unit(code="UPT-CSRF")
    guarded = make_app(WTF_CSRF_ENABLED=True)
    guarded.test_client_class = FlaskLoginClient
    client = guarded.test_client(user=Account(factory.user()))
    with guarded.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_id"] = identifier
    response = upload(client, "nip,name,unit\n198503142010011001,Budi,UPT-CSRF\n")
    assert response.status_code == 200  # the form again, nothing done
    assert db_session.scalars(select(Officer).where(Officer.nip == "198503142010011001")
                              ).first() is None


def test_a_code_is_downloadable_as_an_svg_that_encodes_its_survey_url(signed_in, factory,
                                                                      db_session):
    from survey.qr import svg_text

    counter = factory.counter()
    code = current_code(db_session, counter=counter)
    response = signed_in(factory.user()).get(f"/admin/codes/{code.id}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True) == svg_text(
        survey_url(code, TEST_SECRET, "http://suara.test"))
