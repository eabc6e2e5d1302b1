"""The role × route matrix: every route of the application, called as every role and as
nobody, with objects inside and outside the caller's scope, against the policy declared in
tests/core/access_policy.py. A route missing from the policy fails here (declare it there:
the module's docstring says how)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import url_for

from core import create_app
from core.models import Role, Unit, User
from kiosk.models import KioskDevice
from survey.models import Question
from survey.services import active_questionnaire, issue_code, token_for
from tests.conftest import TEST_SECRET
from tests.core.access_policy import LEVELS, POLICY, ROLES, SEES, Rule


def _routes():
    """The routes as the application registers them (collected once, without a database)."""
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": "sqlite://",
                      "RATELIMIT_ENABLED": False})
    routes = {}
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint == "static":
            continue
        methods = sorted((url_rule.methods or set()) - {"HEAD", "OPTIONS"})
        routes.setdefault(url_rule.endpoint, (set(url_rule.arguments), set()))[1].update(methods)
    app.extensions["db"].engine.dispose()
    return routes


ROUTES = _routes()


def test_every_route_is_declared_in_the_policy():
    missing = sorted(set(ROUTES) - set(POLICY))
    assert not missing, (
        "Routes without an access policy (add a line for each to POLICY in "
        f"tests/core/access_policy.py): {missing}")


def test_the_policy_declares_no_route_that_does_not_exist():
    stale = sorted(set(POLICY) - set(ROUTES))
    assert not stale, f"Remove (or rename) these lines of access_policy.POLICY: {stale}"


# --- the world every route is called in -------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    # objects[kind][level] and the names that mark them in a page
    objects: dict[str, dict[str, object]] = field(default_factory=dict)
    markers: dict[str, dict[str, str]] = field(default_factory=dict)

    def put(self, kind: str, level: str, obj, marker: str | None = None) -> None:
        self.objects.setdefault(kind, {})[level] = obj
        if marker:
            self.markers.setdefault(kind, {})[level] = marker


def build_world(factory, db_session) -> World:
    world = World()
    tag = secrets.token_hex(3)
    active_questionnaire(db_session)
    departments = {"A": factory.department(name=f"Dinas-A-{tag}"),
                   "B": factory.department(name=f"Dinas-B-{tag}")}
    world.put("department", "A1", departments["A"], f"Dinas-A-{tag}")
    world.put("department", "B1", departments["B"], f"Dinas-B-{tag}")
    units: dict[str, Unit] = {}
    for level, department in (("A1", "A"), ("A2", "A"), ("B1", "B")):
        unit = units[level] = factory.unit(department=departments[department],
                                           name=f"Unit-{level}-{tag}")
        world.put("unit", level, unit, unit.name)
        counter = factory.counter(unit=unit, label=f"Loket-{level}-{tag}")
        world.put("counter", level, counter, counter.label)
        officer = factory.officer(unit=unit, name=f"Petugas-{level}-{tag}")
        world.put("officer", level, officer, officer.name)
        world.put("code", level, issue_code(db_session, counter=counter))
        question = Question(questionnaire=active_questionnaire(db_session), code="K1",
                            position=101, text_id=f"Tanya-{level}-{tag}", text_en="Q",
                            labels={"id": ["a", "b", "c", "d"]}, standard=False,
                            unit_id=unit.id)
        db_session.add(question)
        world.put("question", level, question, question.text_id)
        device = KioskDevice(counter=counter, name=f"Tablet-{level}-{tag}",
                             credential_hash=secrets.token_hex(32))
        db_session.add(device)
        world.put("kiosk", level, device, device.name)
    me = factory.officer(unit=units["A1"], name=f"Petugas-self-{tag}")
    world.put("officer", "self", me, me.name)
    world.put("code", "self", issue_code(db_session, officer=me))
    for level in LEVELS:
        officer = world.objects["officer"][level]
        rating = factory.rating(unit=officer.unit, officer=officer, flags="burst")
        world.put("rating", level, rating)
        comment = factory.comment(rating, kind="complaint", status="baru",
                                  text=f"Keluhan-{level}-{tag}", category="antrean")
        world.put("comment", level, comment, comment.text)
    db_session.flush()

    def account(role: str, **scope) -> User:
        # No password: these users are signed in directly (argon2 would cost every test).
        user = User(username=f"{role}-{tag}", display_name=f"Akun-{role}-{tag}",
                    role=role, password_hash="-", **scope)
        db_session.add(user)
        return user

    world.users = {
        "admin": account(Role.ADMIN.value),
        "head": account(Role.HEAD.value, department_id=departments["A"].id),
        "supervisor": account(Role.SUPERVISOR.value, unit_id=units["A1"].id,
                              department_id=departments["A"].id),
        "officer": account(Role.OFFICER.value, officer_id=me.id, unit_id=units["A1"].id),
        "anonymous": None,
    }
    target = User(username=f"target-{tag}", role=Role.SUPERVISOR.value, password_hash="-",
                  unit_id=units["B1"].id)
    db_session.add(target)
    db_session.flush()
    world.put("user", "A1", target)
    return world


# --- calling a route --------------------------------------------------------------------


def _arguments(names: set[str], rule: Rule, world: World, kind: str | None, obj) -> dict:
    if rule.args is not None:
        return rule.args(world, obj)
    values = {}
    for name in names:
        values[name] = _argument(name, kind, obj)
    return values


def _argument(name: str, kind: str | None, obj):
    if obj is None:
        raise AssertionError(f"the route takes <{name}>: give its policy line a kind= or args=")
    if name == "token":
        return token_for(obj, TEST_SECRET)
    if name in ("unit_code", "code") and kind == "unit":
        return obj.code
    if name == "unit_code":
        return obj.unit.code
    if name == "counter_code":
        return obj.code if kind == "counter" else obj.counter.code
    if name in ("identifier", "nip"):
        return obj.identifier
    if name == "id" or name.endswith("_id"):
        return obj.id if not isinstance(obj.id, uuid.UUID) else str(obj.id)
    raise AssertionError(f"cannot fill <{name}> from a {kind}: give the policy line args=")


def _outcome(response, rule: Rule) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    to_login = (300 <= status < 400
                and urlsplit(response.headers.get("Location", "")).path == "/login")
    if to_login and not rule.login_redirect_is_success:
        return "denied"
    if status in (401, 403, 404) or status in rule.refused:
        return "denied"
    if 200 <= status < 400 or status in rule.ok:
        return "allowed"
    return f"unexpected {status}"


@pytest.fixture
def world(factory, db_session):
    return build_world(factory, db_session)


def _client(app, signed_in, user):
    return signed_in(user) if user is not None else app.test_client()


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_each_role_gets_exactly_what_the_policy_allows(endpoint, app, connection, signed_in,
                                                        world):
    rule = POLICY.get(endpoint)
    assert rule is not None, (
        f"{endpoint} is not in tests/core/access_policy.py POLICY: declare who may use it")
    arguments, methods = ROUTES[endpoint]
    kind = rule.kind
    levels = [lvl for lvl in LEVELS if lvl in world.objects.get(kind, {})] if kind else [None]
    if kind and not rule.scoped:
        levels = levels[:1]
    wrong = []
    for method in methods:
        for role in ROLES:
            for level in levels:
                obj = world.objects[kind][level] if kind else None
                with app.test_request_context():
                    path = url_for(endpoint, **_arguments(arguments, rule, world, kind, obj))
                query = rule.query(world, obj) if rule.query else None
                data = rule.form(world, obj) if rule.form else {}
                # Each call in a savepoint of its own: what one call changes (a revoked code,
                # a deactivated user) never decides what the next one sees.
                savepoint = connection.begin_nested()
                try:
                    client = _client(app, signed_in, world.users[role])
                    response = client.open(path, method=method, query_string=query, data=data)
                    got = _outcome(response, rule)
                    body = response.get_data().decode("utf-8", "replace")  # downloads may be binary
                finally:
                    savepoint.rollback()
                expected = "allowed" if rule.allows(role, method, level) else "denied"
                where = f"{method} {path} as {role}" + (f" ({kind} at {level})" if level else "")
                if got != expected:
                    wrong.append(f"{where}: expected {expected}, got {got} "
                                 f"[{response.status_code} {response.headers.get('Location', '')}]")
                elif got == "allowed" and method == "GET":
                    wrong.extend(_leaks(rule, world, role, body, where))
    assert not wrong, "\n".join(wrong)


def _leaks(rule: Rule, world: World, role: str, body: str, where: str):
    """Names of objects outside the role's scope must not appear; a listing (``shows``)
    must show every one inside it."""
    found = []
    for kind in rule.lists:
        for level, marker in world.markers.get(kind, {}).items():
            if level not in SEES[role] and marker in body:
                found.append(f"{where}: shows {kind} at {level} ({marker}), outside the scope")
    for kind in rule.shows:
        for level, marker in world.markers.get(kind, {}).items():
            if level in SEES[role] and marker not in body:
                found.append(f"{where}: leaves out {kind} at {level} ({marker}), in scope")
    return found
