"""The administration pages: the organisation, users, an office's own questions, QR codes,
kiosk devices and the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The admin area registers itself: the pages under /admin, the `user` commands, and
    its entries in the staff menu and its own section menu."""
    from flask_babel import lazy_gettext as _l

    # The pages live in one module per topic, all on the blueprint in admin.views.
    from admin import (
        audit_views,  # noqa: F401
        cli,
        code_views,  # noqa: F401
        organisation_views,  # noqa: F401
        question_views,  # noqa: F401
        user_views,  # noqa: F401
        views,
    )
    from core import navigation

    app.register_blueprint(views.blueprint)
    app.cli.add_command(cli.user_cli)
    add = navigation.add
    add(app, "landing", "admin.index", None, order=20)  # heads and supervisors: the dashboard first
    add(app, "staff", "admin.index", _l("Administrasi"), order=50, current=("admin.",))
    add(app, "admin", "admin.departments", _l("Dinas"), order=10)
    add(app, "admin", "admin.units", _l("Unit"), order=20, current=("admin.unit", "admin.codes",
                                                                 "admin.questions",
                                                                 "admin.question"))
    add(app, "admin", "admin.officers", _l("Petugas"), order=30,
        current=("admin.import_officers",))
    add(app, "admin", "admin.users", _l("Pengguna"), roles=("admin",), order=40,
        current=("admin.user_",))
    add(app, "admin", "admin.audit_log", _l("Log audit"), roles=("admin",), order=50)
