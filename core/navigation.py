"""The navigation registry: every area adds its own links in its ``init_app`` (endpoint,
label, who may see it, order), and the templates and the sign-in read them from here, so
core never names an area's endpoint and no layout repeats the staff menu.

Menus by name: ``"staff"`` is the header of every signed-in page, ``"admin"`` and
``"alerts"`` the sub-menus of those sections, ``"home"`` the links of the public home page,
``"landing"`` where a role goes after signing in (the first entry it may see)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, url_for

from core.models import Role

STAFF = frozenset({Role.ADMIN.value, Role.HEAD.value, Role.SUPERVISOR.value})
SIGNED_IN = frozenset(role.value for role in Role)
ANYONE: frozenset[str] = frozenset()  # also visitors who are not signed in


@dataclass(frozen=True)
class Entry:
    menu: str
    endpoint: str
    label: object  # a lazy gettext string: shown in the visitor's language
    roles: frozenset[str] = STAFF
    order: int = 100
    # The page is "current" (aria-current) on these endpoints, or endpoints starting with a
    # prefix ending in "." or "_"; by default only on ``endpoint`` itself.
    current: tuple[str, ...] = ()

    def visible_to(self, role: str | None) -> bool:
        return not self.roles or role in self.roles

    def is_current(self, endpoint: str | None) -> bool:
        if not endpoint:
            return False
        return endpoint == self.endpoint or any(
            endpoint == name or (name[-1] in "._" and endpoint.startswith(name))
            for name in self.current)


def add(app: Flask, menu: str, endpoint: str, label: object, *,
        roles: Iterable[str] = STAFF, order: int = 100, current: tuple[str, ...] = ()) -> None:
    """Offer a link in ``menu``; ``roles`` are the Role values that see it (empty: anyone)."""
    entry = Entry(menu, endpoint, label, frozenset(str(r) for r in roles), order, current)
    _registry(app).setdefault(menu, []).append(entry)


def entries(menu: str, role: str | None, app: Flask | None = None) -> list[Entry]:
    """What ``role`` (``None``: not signed in) sees in ``menu``, in order; links whose view
    is not registered are left out."""
    app = app or current_app
    views = app.view_functions
    found = [e for e in _registry(app).get(menu, ()) if e.visible_to(role) and e.endpoint in views]
    return sorted(found, key=lambda e: e.order)


def landing_url(role: str, default: str = "accounts.password") -> str:
    """Where a role lands after signing in."""
    found = entries("landing", role)
    return url_for(found[0].endpoint if found else default)


def _registry(app: Flask) -> dict[str, list[Entry]]:
    return app.extensions.setdefault("navigation", {})


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation_helpers():
        from flask_login import current_user

        def menu(name: str) -> list[Entry]:
            role = current_user.user.role if current_user.is_authenticated else None
            return entries(name, role)

        return {"menu": menu}


__all__ = ["ANYONE", "SIGNED_IN", "STAFF", "Entry", "add", "entries", "init_app", "landing_url"]
