"""The one "what may this reader see" clause: rows restricted to a set of unit ids (or officer
ids). ``None`` means no restriction (an administrator, or every unit); an empty set means
nothing (``IN (-1)``, which no id matches, rather than an empty ``IN`` some engines plan
badly)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.models import Role, Unit, User


def among(column, ids: Iterable[int]):
    """The condition ``column IN ids``; matches nothing when ``ids`` is empty."""
    return column.in_(list(ids) or [-1])


def within(query: Select, column, ids: Iterable[int] | None) -> Select:
    """``query`` restricted to rows whose ``column`` is among ``ids``; ``None``: unchanged."""
    if ids is None:
        return query
    return query.where(among(column, ids))


def units_by_id(session: Session, unit_ids: Iterable[int] | None) -> dict[int, Unit]:
    """These units (``None``: all of them) by id."""
    return {u.id: u for u in session.scalars(within(select(Unit), Unit.id, unit_ids))}


def unit_staff(unit: Unit) -> list:
    """Conditions on ``User`` for the staff whose scope holds ``unit``: the heads of its
    department and its supervisors (the other side of ``core.auth.visible_unit_ids``;
    administrators, who see every unit, are left for the caller to add)."""
    return [(User.role == Role.HEAD.value) & (User.department_id == unit.department_id),
            (User.role == Role.SUPERVISOR.value) & (User.unit_id == unit.id)]
