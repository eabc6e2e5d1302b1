"""The citizen survey page at /s/<token>: works on any phone, with or without JavaScript."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import db
from core.errors import error_response
from core.i18n import current_language
from core.limits import rate_limited
from core.privacy import client_hash
from core.security import csrf
from survey.forms import build_form, form_to_payload, show_errors
from survey.models import QrCode
from survey.schema import InvalidRating, parse_rating
from survey.services import (
    RatingRules,
    SurveyError,
    origin_from_code,
    questions_for_unit,
    resolve_code,
    shift_at,
)
from survey.submit import DatabaseUnavailable, save_rating

blueprint = Blueprint("survey", __name__)


def _code_or_error(token: str) -> QrCode:
    if len(token) > 80:
        abort(404)
    return resolve_code(db.session(), token, current_app.config["SECRET_KEY"])


def _serving_officer(code: QrCode):
    if code.officer is not None:
        return code.officer
    if code.counter_id is not None:
        from core.models import utcnow

        shift = shift_at(db.session(), code.counter_id, utcnow())
        return shift.officer if shift else None
    return None


def _render(code: QrCode, form, status: int = 200, expired: bool = False):
    return (
        render_template(
            "survey/form.html",
            code=code,
            form=form,
            officer=_serving_officer(code),
            expired=expired,
            token=request.view_args["token"],
        ),
        status,
    )


@blueprint.errorhandler(SurveyError)
def survey_error(error: SurveyError):
    if error.code == "code_used":
        return render_template("survey/already_rated.html"), 409
    return error_response(error.status, str(error.message), error.code)


@blueprint.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps the citizen's answers
@rate_limited
def survey(token: str):
    session = db.session()
    code = _code_or_error(token)
    if code.kind == "single" and code.used_at is not None:
        return render_template("survey/already_rated.html"), 409
    locale = current_language()
    questions = questions_for_unit(session, code.unit_id)
    form = build_form(questions, locale)
    if request.method == "GET":
        form.rating_id.data = str(uuid.uuid4())
        return _render(code, form)

    if not form.validate_on_submit():
        # Only the CSRF token can fail here: every other rule is parse_rating's.
        form.general_errors = [  # type: ignore[attr-defined]
            _("Halaman ini sudah terlalu lama terbuka. Jawaban Anda masih di sini: "
              "silakan tekan Kirim sekali lagi.")
        ]
        return _render(code, form, status=400, expired=True)
    try:
        data = parse_rating(form_to_payload(form), require_token=False,
                            comment_max_length=current_app.config["COMMENT_MAX_LENGTH"])
        created = save_rating(session, data, origin_from_code(code, "qr", client_hash()),
                              RatingRules.from_config(current_app.config),
                              tell_attribution=False).created
    except InvalidRating as invalid:
        show_errors(form, invalid.errors)
        return _render(code, form, status=422)
    except DatabaseUnavailable:
        form.general_errors = [  # type: ignore[attr-defined]
            _("Penilaian belum tersimpan karena gangguan server. Jawaban Anda masih di sini: "
              "silakan coba kirim lagi sebentar lagi.")
        ]
        return _render(code, form, status=503)
    return redirect(url_for("survey.thanks", token=token, again=None if created else 1), code=303)


@blueprint.get("/s/<token>/terima-kasih")
def thanks(token: str):
    code = _code_or_error(token)
    return render_template("survey/thanks.html", code=code, again=bool(request.args.get("again")))
