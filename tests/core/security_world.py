"""A small populated world for the route walks in test_security_*: one of everything a URL can
name, and a way to fill every route's path parameters from it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from werkzeug.routing import IntegerConverter

from core.models import User
from kiosk.models import KioskDevice
from survey.models import Comment, Question
from survey.services import active_questionnaire, current_code, token_for
from tests.conftest import TEST_SECRET

CONTACT_CANARY = "0812-CANARY-7391"
TEXT_CANARY = "Antrean lama sekali di loket canary"


@dataclass
class World:
    admin: User
    other_user: User
    values: dict[str, object]
    comment: Comment
    extra: dict[str, object] = field(default_factory=dict)


def build_world(db_session, factory) -> World:
    unit = factory.unit(code="SEC-UNIT", name="UPT Keamanan")
    counter = factory.counter(unit=unit, code="SEC-L1")
    officer = factory.officer(unit=unit, name="Petugas Keamanan")
    factory.shift(officer=officer, counter=counter)
    code = current_code(db_session, counter=counter)
    rating = factory.rating(unit=unit, counter=counter, officer_id=officer.id,
                            flags="off-hours", client_hash="c" * 32,
                            service_type="KTP-el")
    comment = factory.comment(rating, kind="complaint", category="antrean", text=TEXT_CANARY,
                              status="baru", due_on=date.today() + timedelta(days=5),
                              contact=CONTACT_CANARY, contact_consent=True)
    questionnaire = active_questionnaire(db_session)
    question = Question(questionnaire=questionnaire, code="X1", position=20, text_id="Tambahan?",
                        text_en="Extra?", labels={"id": ["1", "2", "3", "4"]}, standard=False,
                        unit_id=unit.id)
    db_session.add(question)
    device = KioskDevice(counter_id=counter.id, credential_hash=uuid.uuid4().hex, name="Tablet")
    db_session.add(device)
    db_session.flush()
    admin = factory.user(role="admin", display_name="Admin Keamanan")
    other_user = factory.user(role="supervisor", unit_id=unit.id)
    values = {
        # by parameter name; anything else gets 1 (integers) or "x" (strings)
        "comment_id": comment.id, "user_id": other_user.id, "officer_id": officer.id,
        "counter_id": counter.id, "code_id": code.id, "question_id": question.id,
        "device_id": device.id, "unit_code": unit.code, "code": unit.code,
        "counter_code": counter.code, "identifier": officer.nip, "nip": officer.nip,
        "token": token_for(code, TEST_SECRET), "filename": "css/app.css",
        "rating_id": str(rating.id),
    }
    return World(admin=admin, other_user=other_user, values=values, comment=comment,
                 extra={"unit": unit, "rating": rating, "officer": officer})


def path_values(app, endpoint: str, world: World, override: tuple[str, str] | None = None):
    rule = app.url_map._rules_by_endpoint[endpoint][0]
    values = {}
    for name, converter in rule._converters.items():
        default = 1 if isinstance(converter, IntegerConverter) else "x"
        values[name] = world.values.get(name, default)
    if override is not None:
        values[override[0]] = override[1]
    return values


def build_path(app, endpoint: str, world: World, override=None) -> str:
    with app.test_request_context():
        return url_for(endpoint, **path_values(app, endpoint, world, override))


def string_params(app, endpoint: str) -> list[str]:
    rule = app.url_map._rules_by_endpoint[endpoint][0]
    return [name for name, converter in rule._converters.items()
            if not isinstance(converter, IntegerConverter) and name != "filename"]


def routes(app, method: str):
    return sorted((rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
                  if method in rule.methods and rule.endpoint != "static")
