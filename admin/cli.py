"""``flask --app wsgi user …``: accounts from the command line — above all the first
administrator, before anyone can sign in to create the others."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core import db
from core.cli import fail, read_secret_from_stdin_or_prompt
from core.models import Role, User

user_cli = AppGroup("user", help="User accounts (administrators, heads, supervisors, officers).")

# Changes made here are audited under this name: there is no signed-in user.
CLI_ACTOR = "cli"


def _commit(action):
    from admin.services import AdminError
    from core.services import OrganisationError

    session = db.session()
    try:
        result = action(session)
        session.commit()
        return result
    except (AdminError, OrganisationError) as exc:
        session.rollback()
        fail(str(exc))


def _password() -> str:
    password = read_secret_from_stdin_or_prompt("Kata sandi")
    if not password:
        fail("Kata sandi kosong.")
    return password


@user_cli.command("create-admin")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Full name shown in the pages.")
def create_admin(username: str, display_name: str) -> None:
    """Create an administrator. The password is asked twice on a terminal, or read from
    the first line of standard input (for scripts: ``… < secret-file``)."""
    from admin.services import create_user

    password = _password()
    user = _commit(lambda s: create_user(s, CLI_ACTOR, username=username, password=password,
                                         role=Role.ADMIN.value, display_name=display_name))
    click.echo(f"Administrator {user.username} dibuat.")


@user_cli.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_code", help="A head's department (code).")
@click.option("--unit", "unit_code", help="A supervisor's unit (code).")
@click.option("--officer", "officer_id", help="An officer's NIP or employee id.")
@click.option("--name", "display_name", default="", help="Full name shown in the pages.")
def add(username, role, department_code, unit_code, officer_id, display_name) -> None:
    """Create an account with a role and its scope: a head needs --department, a
    supervisor --unit, an officer --officer. Password as for create-admin."""
    from admin.services import create_user
    from core import services

    password = _password()

    def create(session):
        scope = {}
        if department_code:
            scope["department_id"] = services.department_by_code(session, department_code).id
        if unit_code:
            scope["unit_id"] = services.unit_by_code(session, unit_code).id
        if officer_id:
            scope["officer_id"] = services.officer_by_identifier(session, officer_id).id
        return create_user(session, CLI_ACTOR, username=username, password=password, role=role,
                           display_name=display_name, **scope)

    user = _commit(create)
    click.echo(f"Pengguna {user.username} ({user.role}) dibuat.")


@user_cli.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Set a new password (asked as for create-admin); the user's sessions end and a
    lock after failed sign-ins is lifted."""
    from admin import services

    password = _password()
    _commit(lambda s: services.reset_password(s, CLI_ACTOR, services.user_by_username(s, username),
                                              password))
    click.echo(f"Kata sandi {username} disetel.")


@user_cli.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Stop an account from signing in (its sessions end; nothing is deleted)."""
    from admin import services

    _commit(lambda s: services.set_user_active(s, CLI_ACTOR, services.user_by_username(s, username),
                                               False))
    click.echo(f"Pengguna {username} dinonaktifkan.")


@user_cli.command("list")
def list_users() -> None:
    """Every account: username, role, scope, active."""
    session = db.session()
    for user in session.scalars(select(User).order_by(User.username)):
        scope = (user.officer.identifier if user.officer else user.unit.code if user.unit
                 else user.department.code if user.department else "-")
        click.echo(f"{user.username}\t{user.role}\t{scope}\t"
                   f"{'aktif' if user.active else 'nonaktif'}")
