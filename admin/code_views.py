"""QR codes under /admin: each counter's and officer's, shown, downloaded, issued, reissued
and revoked."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_babel import gettext as _

from admin import forms, services
from admin.services import AdminError
from admin.views import (
    blueprint,
    done,
    failed,
    me,
    require_admin,
    staff_only,
)
from core import db
from core.auth import (
    in_scope_or_404,
    officer_in_scope,
    unit_in_scope,
)
from core.models import Counter
from survey.models import QrCode
from survey.services import survey_url


@blueprint.get("/units/<unit_code>/codes")
@staff_only
def codes(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, me(), unit_code)
    standing = services.standing_codes(session, found)
    config = current_app.config

    def url(code):
        return survey_url(code, config["SECRET_KEY"], config["BASE_URL"]) if code else None

    rows = [("counter", c, standing.get(("counter", c.id))) for c in found.counters]
    rows += [("officer", o, standing.get(("officer", o.id))) for o in found.officers]
    return render_template("admin/codes.html", unit=found, rows=rows, url=url,
                           action=forms.ActionForm())


@blueprint.get("/codes/<int:code_id>.svg")
@staff_only
def code_image(code_id: int):
    """The code as an SVG to print on a poster or badge."""
    from survey.qr import svg_text

    code = in_scope_or_404(db.session(), me(), QrCode, code_id)
    config = current_app.config
    response = current_app.response_class(
        svg_text(survey_url(code, config["SECRET_KEY"], config["BASE_URL"])),
        mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _code_action(code_id: int, change, message: str):
    session = db.session()
    code = in_scope_or_404(session, me(), QrCode, code_id)
    require_admin()
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        change(session, me(), code)
    except AdminError as exc:
        return failed(exc, "admin.codes", unit_code=code.unit.code)
    return done(message, "admin.codes", unit_code=code.unit.code)


@blueprint.post("/codes/<int:code_id>/revoke")
@staff_only
def code_revoke(code_id: int):
    return _code_action(code_id, services.revoke_qr,
                        _("Kode dicabut. Poster lamanya tidak berlaku lagi."))


@blueprint.post("/codes/<int:code_id>/reissue")
@staff_only
def code_reissue(code_id: int):
    return _code_action(code_id, services.reissue_qr,
                        _("Kode lama dicabut dan kode baru diterbitkan; cetak poster barunya."))


@blueprint.post("/counters/<int:counter_id>/code")
@staff_only
def counter_code(counter_id: int):
    session = db.session()
    counter = in_scope_or_404(session, me(), Counter, counter_id)
    require_admin()
    return _issue(counter.unit.code, counter=counter)


@blueprint.post("/officers/<int:officer_id>/code")
@staff_only
def officer_code(officer_id: int):
    session = db.session()
    officer = officer_in_scope(session, me(), officer_id)
    require_admin()
    return _issue(officer.unit.code, officer=officer)


def _issue(unit_code: str, **owner):
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.issue_qr(db.session(), me(), **owner)
    except AdminError as exc:
        return failed(exc, "admin.codes", unit_code=unit_code)
    return done(_("Kode diterbitkan."), "admin.codes", unit_code=unit_code)
