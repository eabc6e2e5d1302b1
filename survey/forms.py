"""The citizen form. WTForms renders and carries the CSRF token; the rules themselves are
``survey.schema.parse_rating``'s, shared with the API, so the two can never disagree."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField

from survey.elements import (
    AGE_BANDS,
    COMMENT_KINDS,
    COMPLAINT_CATEGORIES,
    EDUCATION,
    GENDERS,
    OCCUPATIONS,
)
from survey.models import Question

# Where an error found by parse_rating is shown on the form.
FIELD_FOR_PATH = {
    "comment.kind": "comment_kind",
    "comment.text": "comment_text",
    "comment.category": "comment_category",
    "comment.contact": "contact",
    "comment.contact_consent": "contact_consent",
    "respondent.gender": "gender",
    "respondent.age_band": "age_band",
    "respondent.education": "education",
    "respondent.occupation": "occupation",
    "respondent.service_type": "service_type",
    "answers": "answers",
    "id": "rating_id",
    "submitted_at": "rating_id",
}


def _options(choices: dict[str, tuple[str, str]], locale: str, blank: str | None = None):
    index = 1 if locale == "en" else 0
    options = [(code, labels[index]) for code, labels in choices.items()]
    return ([("", blank)] if blank is not None else []) + options


class SurveyForm(FlaskForm):
    rating_id = HiddenField()
    comment_kind = RadioField(validate_choice=False)
    comment_text = TextAreaField()
    comment_category = SelectField(validate_choice=False)
    contact = StringField()
    contact_consent = BooleanField()
    gender = SelectField(validate_choice=False)
    age_band = SelectField(validate_choice=False)
    education = SelectField(validate_choice=False)
    occupation = SelectField(validate_choice=False)
    service_type = StringField()


def build_form(questions: list[Question], locale: str, **kwargs: Any) -> SurveyForm:
    """A form with one radio group per question of this unit's questionnaire."""

    class UnitSurveyForm(SurveyForm):
        pass

    for question in questions:
        setattr(UnitSurveyForm, question.code,
                RadioField(question.text(locale), validate_choice=False))
    form = UnitSurveyForm(**kwargs)
    form.questions = questions  # type: ignore[attr-defined]
    # Choices are set on the bound fields: WTForms 3.3 deprecates tuples passed to the
    # constructor (a warning, so an error under the test suite), not tuples assigned later.
    for question in questions:
        labels = question.answer_labels(locale)
        getattr(form, question.code).choices = [
            (str(value), labels[value - 1]) for value in (1, 2, 3, 4)
        ]
    form.comment_kind.choices = _options(COMMENT_KINDS, locale)
    form.comment_category.choices = [("", _l("— pilih kategori —"))] + [
        (code, labels[2] if locale == "en" else labels[1])
        for code, labels in COMPLAINT_CATEGORIES.items()
    ]
    form.gender.choices = _options(GENDERS, locale, blank="—")
    form.age_band.choices = _options(AGE_BANDS, locale, blank="—")
    form.education.choices = _options(EDUCATION, locale, blank="—")
    form.occupation.choices = _options(OCCUPATIONS, locale, blank="—")
    return form


def form_to_payload(form: SurveyForm) -> dict[str, Any]:
    """What the citizen submitted, in the API's shape, for ``parse_rating``."""
    answers = {
        q.code: getattr(form, q.code).data
        for q in form.questions  # type: ignore[attr-defined]
        if getattr(form, q.code).data not in (None, "", "None")
    }
    comment = {
        "kind": form.comment_kind.data or None,
        "text": form.comment_text.data or None,
        "category": form.comment_category.data or None,
        "contact": form.contact.data or None,
        "contact_consent": bool(form.contact_consent.data),
    }
    if not (comment["text"] or comment["category"] or comment["contact"]):
        comment_value = None  # a kind ticked with nothing written is no comment
    else:
        comment_value = comment
    return {
        "id": form.rating_id.data,
        "answers": answers,
        "comment": comment_value,
        "respondent": {
            "gender": form.gender.data or None,
            "age_band": form.age_band.data or None,
            "education": form.education.data or None,
            "occupation": form.occupation.data or None,
            "service_type": form.service_type.data or None,
        },
    }


def show_errors(form: SurveyForm, errors: dict[str, Any]) -> None:
    form.general_errors = []  # type: ignore[attr-defined]
    for path, message in errors.items():
        question = path.split(".", 1)[1] if path.startswith("answers.") else None
        name = FIELD_FOR_PATH.get(path) or question
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), str(message)]
        else:
            form.general_errors.append(str(message))  # type: ignore[attr-defined]
