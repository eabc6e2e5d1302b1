"""The audit log under /admin/audit, read by the administrator."""

from __future__ import annotations

from flask import render_template, request

from admin.views import (
    admin_only,
    blueprint,
)
from core import audit, db

AUDIT_PAGE = 100


@blueprint.get("/audit")
@admin_only
def audit_log():
    before = request.args.get("before", type=int)
    action = (request.args.get("action") or "").strip()[:80] or None
    actor = (request.args.get("actor") or "").strip()[:120] or None
    entries = audit.recent(db.session(), limit=AUDIT_PAGE, before_id=before, action=action,
                           actor=actor)
    older = entries[-1].id if len(entries) == AUDIT_PAGE else None
    return render_template("admin/audit.html", entries=entries, older=older, action=action,
                           actor=actor)
