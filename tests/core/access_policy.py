"""Who may use which route: the policy that tests/core/test_access_matrix.py checks for
every route of the application, as every role and as nobody.

Every endpoint in ``app.url_map`` (``static`` aside) needs a line in ``POLICY``; a route
without one fails the matrix. To declare a new route, add a line such as::

    "analytics.unit_dashboard": staff(kind="unit"),           # GET, heads/supervisors in scope
    "complaints.complaint_detail": rule(read=STAFF, write=STAFF, kind="comment"),
    "kiosk_api.heartbeat": DEVICE_ONLY,

- ``read`` is who may GET, ``write`` who may POST/PUT/PATCH/DELETE: a set of roles from
  ``ROLES`` (``ALL``, ``SIGNED_IN``, ``STAFF``, ``ADMIN``, ``NOBODY`` or your own set).
- ``kind`` names what the URL's ``<arguments>`` point at: ``unit``, ``counter``,
  ``officer``, ``code``, ``question``, ``kiosk``, ``comment``, ``rating`` or ``user``.
  The matrix then calls the route with an object of that kind at every scope level
  (``LEVELS``) and expects each role to get it only when the level is in its ``SEES``.
  Set ``scoped=False`` when the object is public (a survey token) or the route is not about
  scope (an administrator's user pages): then only the role decides.
- URL arguments are filled from the object: ``unit_code``/``code`` (a unit's code),
  ``counter_code``, ``identifier``/``nip`` (an officer's), ``token`` (a code's survey
  token) and ``id`` or anything ending in ``_id``. For anything else give
  ``args=lambda world, obj: {...}``; ``query=`` does the same for a query string.
- ``form=lambda world, obj: {"counter_id": obj.id}`` posts the object in a form field instead
  (for routes that take it from the body).
- ``ok`` lists other statuses that mean "allowed" for that route (an API answering an
  empty POST with 422, a form re-rendered with 400); ``refused`` other statuses that mean
  "denied" (a form refusing a choice outside the scope with 400).
- ``lists=("officer", "comment")`` (kinds) checks what a page shows: names of those objects
  outside the role's scope must not appear (for the public: none at all). ``shows=`` names
  kinds a listing must show in full: every one inside the role's scope must appear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("admin", "head", "supervisor", "officer", "anonymous")
ALL = frozenset(ROLES)
SIGNED_IN = frozenset({"admin", "head", "supervisor", "officer"})
STAFF = frozenset({"admin", "head", "supervisor"})  # heads and supervisors, within scope
ADMIN = frozenset({"admin"})
HEADS = frozenset({"admin", "head"})
NOBODY: frozenset[str] = frozenset()

# Where an object sits, seen from the users the matrix signs in as:
#   self  the officer's own record (in unit A1), or a row about them
#   A1    the supervisor's unit, in department A (another officer there, a counter…)
#   A2    another unit of department A: the head's, not the supervisor's
#   B1    a unit of department B: only the administrator's
LEVELS = ("self", "A1", "A2", "B1")
SEES = {
    "admin": {"self", "A1", "A2", "B1"},
    "head": {"self", "A1", "A2"},
    "supervisor": {"self", "A1"},
    "officer": {"self"},
    "anonymous": set(),
}


@dataclass(frozen=True)
class Rule:
    read: frozenset[str] = NOBODY
    write: frozenset[str] = NOBODY
    kind: str | None = None
    scoped: bool = True
    args: Callable | None = None
    query: Callable | None = None
    form: Callable | None = None
    ok: tuple[int, ...] = ()
    refused: tuple[int, ...] = ()
    lists: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()
    # Signing out lands on the login page: for that route it is success, not refusal.
    login_redirect_is_success: bool = False
    notes: str = field(default="", compare=False)

    def allows(self, role: str, method: str, level: str | None) -> bool:
        roles = self.read if method in ("GET", "HEAD") else self.write
        if role not in roles:
            return False
        if level is None or not self.scoped:
            return True
        return level in SEES[role]


def rule(**kwargs) -> Rule:
    return Rule(**kwargs)


def public(**kwargs) -> Rule:
    return Rule(**{"read": ALL, "write": ALL, "scoped": False, **kwargs})


def staff(**kwargs) -> Rule:
    """Heads and supervisors read within their scope; only the administrator changes."""
    return Rule(read=STAFF, write=ADMIN, **kwargs)


def admin_only(**kwargs) -> Rule:
    return Rule(**{"read": ADMIN, "write": ADMIN, "scoped": False, **kwargs})


# What only signed-in staff may read: the public pages show unit-level results, never these.
PRIVATE = ("comment", "officer")

def UNIT_CODE(world, unit):  # noqa: N802 - reads as a constant in the table
    return {"unit": unit.code}


def ALERT_OF(world, unit):  # noqa: N802 - reads as a constant in the table
    """An open alert about the unit (made on demand: the world has none of its own)."""
    from sqlalchemy.orm import object_session

    from analytics.alerts_models import Alert, AlertRule

    session = object_session(unit)
    rule = AlertRule(kind="ikm_below", unit_id=unit.id, threshold=76.61, window_minutes=60,
                     min_ratings=1)
    alert = Alert(rule=rule, place=f"unit:{unit.id}", unit_id=unit.id)
    session.add(alert)
    session.flush()
    return {"alert_id": alert.id}


def RULE_OF(world, unit):  # noqa: N802
    from sqlalchemy.orm import object_session

    from analytics.alerts_models import AlertRule

    session = object_session(unit)
    rule = AlertRule(kind="ikm_below", unit_id=unit.id, threshold=70.0, window_minutes=60,
                     min_ratings=5)
    session.add(rule)
    session.flush()
    return {"rule_id": rule.id}


def issued_code(world) -> str:
    """The verification code of a document issued for the occasion (analytics/documents.py)."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from analytics.models import IssuedDocument

    code = "SL-TEST-0000-0001"
    session = object_session(world.users["admin"])
    if session.scalar(select(IssuedDocument.id).where(IssuedDocument.code == code)) is None:
        session.add(IssuedDocument(code=code, kind="test", subject="Uji akses", sha256="0" * 64))
        session.flush()
    return code


# Routes a kiosk tablet calls with its device credential; without one, nobody passes.
DEVICE_ONLY = Rule()
# Routes a queue machine calls with its key (Authorization: Bearer); a session is no key.
MACHINE_ONLY = Rule()


POLICY: dict[str, Rule] = {
    # --- core -----------------------------------------------------------------------
    "core.index": public(),
    "core.healthz": public(),
    # --- accounts -------------------------------------------------------------------
    "accounts.login": public(),
    "accounts.logout": public(login_redirect_is_success=True),
    "accounts.password": rule(read=SIGNED_IN, write=SIGNED_IN),
    "accounts.home": rule(read=SIGNED_IN),
    # --- administration -------------------------------------------------------------
    "admin.index": staff(lists=("unit",), shows=("unit",)),
    "admin.departments": staff(lists=("department", "unit"), shows=("department", "unit")),
    "admin.units": staff(lists=("unit",), shows=("unit",)),
    "admin.unit": staff(kind="unit"),
    "admin.add_counter": staff(kind="unit"),
    "admin.counter_active": staff(kind="counter"),
    "admin.officers": staff(lists=("officer",), shows=("officer",)),
    "admin.officer_active": staff(kind="officer"),
    "admin.import_officers": admin_only(),
    "admin.users": admin_only(),
    "admin.user_new": admin_only(),
    "admin.user_edit": admin_only(kind="user"),
    "admin.user_active": admin_only(kind="user"),
    "admin.user_password": admin_only(kind="user"),
    "admin.user_unlock": admin_only(kind="user"),
    "admin.questions": staff(kind="unit"),
    "admin.question": staff(kind="question"),
    "admin.codes": staff(kind="unit", lists=("officer",)),
    "admin.code_image": staff(kind="code"),
    "admin.code_revoke": staff(kind="code"),
    "admin.code_reissue": staff(kind="code"),
    "admin.counter_code": staff(kind="counter"),
    "admin.officer_code": staff(kind="officer"),
    "admin.audit_log": admin_only(),
    # --- survey (citizens: a signed code is the only key) ------------------------------
    "survey.survey": public(kind="code", ok=(400, 422)),
    "survey.thanks": public(kind="code"),
    "survey_api.create_rating": public(ok=(400, 415, 422)),
    "survey_api.list_units": public(),
    "survey_api.openapi_document": public(),
    "survey_api.create_single_use_code": MACHINE_ONLY,
    # --- complaint follow-up and integrity flags ----------------------------------------
    "complaints.complaint_list": rule(read=STAFF, lists=("comment",)),
    "complaints.complaint_detail": rule(read=STAFF, kind="comment"),
    "complaints.complaint_status": rule(write=STAFF, kind="comment"),
    "complaints.complaint_assign": rule(write=STAFF, kind="comment"),
    "complaints.complaint_note": rule(write=STAFF, kind="comment"),
    "complaints.complaint_citizen_note": rule(write=STAFF, kind="comment"),
    "complaints.complaint_reopen": rule(write=HEADS, kind="comment"),
    "complaints.flagged_list": rule(read=STAFF),
    "complaints.flagged_clear": rule(write=HEADS, kind="rating",
                                     form=lambda world, rating: {"rating_id": str(rating.id)}),
    # --- comment moderation (heads) -----------------------------------------------------
    "moderation.queue_page": rule(read=HEADS, lists=("comment",)),
    "moderation.hide": rule(write=HEADS, kind="comment",
                            form=lambda world, comment: {"note": "Tidak pantas"}),
    "moderation.keep": rule(write=HEADS, kind="comment"),
    "moderation.correct_tag": rule(write=HEADS, kind="comment",
                                   form=lambda world, comment: {"tag": "spam", "present": "1"}),
    # --- analytics ------------------------------------------------------------------
    "analytics_api.unit_ikm": public(kind="unit", lists=PRIVATE),
    "analytics.public_index": public(lists=PRIVATE, shows=("unit",)),
    "analytics.public_unit": public(kind="unit", lists=PRIVATE),
    "analytics.dashboard": rule(read=STAFF, kind="unit", query=lambda world, unit: {
        "unit": unit.id}, lists=("comment", "officer")),
    "analytics.comments": rule(read=STAFF, kind="unit", query=lambda world, unit: {
        "unit": unit.id}, lists=("comment",)),
    "analytics.comments_csv": rule(read=STAFF, kind="unit", query=lambda world, unit: {
        "unit": unit.id}, lists=("comment",)),
    "analytics_exports.ratings_csv": rule(read=STAFF, kind="unit", query=UNIT_CODE,
                                          lists=("comment",)),
    "analytics_exports.ratings_xlsx": rule(read=STAFF, kind="unit", query=UNIT_CODE),
    "analytics_exports.skm_report": rule(read=STAFF, kind="unit", query=UNIT_CODE),
    "analytics_exports.officers_csv": rule(read=STAFF, kind="unit", query=UNIT_CODE,
                                           lists=("officer",)),
    "analytics_exports.officers_xlsx": rule(read=STAFF, kind="unit", query=UNIT_CODE),
    "analytics_exports.skm_report_pdf": rule(read=STAFF, kind="unit", query=UNIT_CODE),
    "analytics_reports.open_data_all_csv": public(lists=PRIVATE),
    "analytics_reports.open_data_all_json": public(lists=PRIVATE),
    "analytics_reports.open_data_unit_csv": public(kind="unit", lists=PRIVATE),
    "analytics_reports.open_data_unit_json": public(kind="unit", lists=PRIVATE),
    "analytics_reports.verify": public(args=lambda world, obj: {"code": issued_code(world)}),
    "analytics_reports.service_counts": rule(read=STAFF, write=STAFF, kind="unit",
                                             query=UNIT_CODE),
    "analytics_reports.signatories": admin_only(),
    "analytics.my_component": rule(read=SIGNED_IN, lists=("comment",)),
    "analytics.officer_page": rule(read=SIGNED_IN, kind="officer", lists=("comment",)),
    # The officer's evidence sheet (PDF): whoever may see the officer page, in and out of scope
    # alike (the officer themself, heads/supervisors of units that rated them, administrators).
    "analytics_reports.evidence_sheet": rule(read=SIGNED_IN, kind="officer"),
    "analytics_api.officer_component": rule(read=SIGNED_IN, kind="officer"),
    # --- alerts (analytics/alerts_views.py) ---------------------------------------------
    "alerts.inbox": rule(read=STAFF, lists=("unit",)),
    "alerts.detail": rule(read=STAFF, kind="unit", args=ALERT_OF),
    "alerts.acknowledge": rule(write=STAFF, kind="unit", args=ALERT_OF),
    "alerts.comment": rule(write=STAFF, kind="unit", args=ALERT_OF),
    "alerts.close": rule(write=STAFF, kind="unit", args=ALERT_OF),
    "alerts.rules": rule(read=STAFF, write=STAFF, lists=("unit", "counter"), shows=("unit",)),
    "alerts.change_rule": rule(write=STAFF, kind="unit", args=RULE_OF),
    "alerts.remove_rule": rule(write=STAFF, kind="unit", args=RULE_OF),
    "alerts.subscription": rule(read=SIGNED_IN, write=SIGNED_IN),
    "alerts.deliveries": admin_only(),
    # --- kiosk ----------------------------------------------------------------------
    "kiosk.page": public(),
    "kiosk.service_worker": public(),
    "kiosk.manifest": public(),
    "kiosk.operations": rule(read=STAFF, write=STAFF, lists=("kiosk", "counter"),
                             shows=("kiosk",)),
    "kiosk.create_pairing_code": rule(read=STAFF, write=STAFF, kind="counter", refused=(400,),
                                      form=lambda world, counter: {"counter_id": counter.id}),
    "kiosk.revoke": rule(read=STAFF, write=STAFF, kind="kiosk"),
    "kiosk_api.pair": DEVICE_ONLY,
    "kiosk_api.heartbeat": DEVICE_ONLY,
    "kiosk_api.sign_in": DEVICE_ONLY,
    "kiosk_api.sign_out": DEVICE_ONLY,
    "kiosk_api.create_rating": DEVICE_ONLY,
}
