"""``flask user …``: the first administrator and other accounts from the command line."""

from __future__ import annotations

from sqlalchemy import select

from core.auth import verify_password
from core.models import AuditEntry, User


def _user(db_session, username):
    return db_session.scalars(select(User).where(User.username == username)).one()


def test_create_admin_reads_the_password_from_stdin_when_not_on_a_terminal(runner, db_session):
    result = runner.invoke(args=["user", "create-admin", "admin.kota"],
                           input="sandi-admin-kota-2026\n")
    assert result.exit_code == 0, result.output
    admin = _user(db_session, "admin.kota")
    assert admin.role == "admin" and admin.active
    assert verify_password(admin.password_hash, "sandi-admin-kota-2026")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert (entry.actor, entry.target) == ("cli", "user:admin.kota")
    assert "sandi-admin" not in str(entry.detail)


def test_create_admin_then_sign_in_with_it(runner, client):
    runner.invoke(args=["user", "create-admin", "pertama"], input="sandi-yang-cukup-panjang\n")
    response = client.post("/login", data={"username": "pertama",
                                           "password": "sandi-yang-cukup-panjang"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


def test_create_admin_refuses_a_short_password_and_a_taken_name(runner, factory):
    short = runner.invoke(args=["user", "create-admin", "baru"], input="pendek\n")
    assert short.exit_code != 0 and "minimal 10" in short.output
    factory.user(username="sudah.ada")
    taken = runner.invoke(args=["user", "create-admin", "sudah.ada"],
                          input="sandi-yang-cukup-panjang\n")
    assert taken.exit_code != 0 and "sudah dipakai" in taken.output


def test_user_add_gives_a_head_their_department(runner, factory, db_session):
    department = factory.department(code="DINKES")
    result = runner.invoke(args=["user", "add", "kadis", "--role", "head",
                                 "--department", "DINKES"], input="sandi-kepala-dinas\n")
    assert result.exit_code == 0, result.output
    head = _user(db_session, "kadis")
    assert (head.role, head.department_id, head.unit_id) == ("head", department.id, None)


def test_user_add_links_an_officer_account_to_the_officer(runner, factory, db_session):
    officer = factory.officer()
    result = runner.invoke(args=["user", "add", "petugas1", "--role", "officer",
                                 "--officer", officer.nip], input="sandi-petugas-satu\n")
    assert result.exit_code == 0, result.output
    account = _user(db_session, "petugas1")
    assert (account.officer_id, account.unit_id) == (officer.id, officer.unit_id)


def test_user_add_refuses_a_supervisor_without_a_unit(runner, db_session):
    result = runner.invoke(args=["user", "add", "atasan", "--role", "supervisor"],
                           input="sandi-atasan-langsung\n")
    assert result.exit_code != 0 and "harus punya unit" in result.output
    assert db_session.scalars(select(User).where(User.username == "atasan")).first() is None


def test_reset_password_and_deactivate(runner, factory, db_session):
    user = factory.user(role="head", department=factory.department(), failed_logins=4)
    assert runner.invoke(args=["user", "reset-password", user.username],
                         input="sandi-baru-sekali-2026\n").exit_code == 0
    db_session.refresh(user)
    assert verify_password(user.password_hash, "sandi-baru-sekali-2026")
    assert user.failed_logins == 0
    assert runner.invoke(args=["user", "deactivate", user.username]).exit_code == 0
    db_session.refresh(user)
    assert not user.active


def test_every_user_command_has_help(runner):
    for command in ("create-admin", "add", "reset-password", "deactivate", "list"):
        result = runner.invoke(args=["user", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_organisation_commands_are_audited_as_cli(runner, db_session):
    runner.invoke(args=["department", "add", "DCLI", "Dinas Baris Perintah"])
    runner.invoke(args=["unit", "add", "UCLI", "Unit CLI", "--department", "DCLI"])
    runner.invoke(args=["counter", "add", "LCLI", "Loket CLI", "--unit", "UCLI"])
    runner.invoke(args=["officer", "add", "HON-CLI", "Petugas CLI", "--unit", "UCLI",
                        "--no-nip"])
    result = runner.invoke(args=["qr", "reissue", "LCLI"])
    assert result.exit_code == 0, result.output
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.actor == "cli")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.target) for e in entries] == [
        ("department.create", "department:DCLI"), ("unit.create", "unit:UCLI"),
        ("counter.create", "counter:LCLI"), ("officer.create", "officer:HON-CLI"),
        ("code.reissue", "counter:LCLI")]


def test_a_failed_command_leaves_no_audit_entry(runner, db_session):
    result = runner.invoke(args=["unit", "add", "UX", "Unit", "--department", "NO-SUCH"])
    assert result.exit_code != 0
    assert db_session.scalars(select(AuditEntry)).all() == []
