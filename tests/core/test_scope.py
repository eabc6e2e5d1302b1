"""The one scope clause: rows among a reader's units, everything for ``None``, nothing for an
empty set; and its other side, the staff whose scope holds a unit."""

from sqlalchemy import or_, select

from core.models import Unit, User
from core.scope import among, unit_staff, units_by_id, within


def test_no_scope_is_every_row_an_empty_scope_is_none_and_a_set_is_just_those(
        db_session, factory):
    first, second, third = factory.unit(), factory.unit(), factory.unit()
    mine = {first.id, second.id, third.id}

    def seen(ids):
        query = within(select(Unit.id), Unit.id, ids)
        return set(db_session.scalars(query)) & mine

    assert seen(None) == mine
    assert seen(set()) == set()
    assert seen([]) == set()
    assert seen({first.id, third.id}) == {first.id, third.id}
    assert seen(iter([second.id])) == {second.id}
    assert set(units_by_id(db_session, [first.id])) == {first.id}
    assert set(db_session.scalars(select(Unit.id).where(among(Unit.id, ())))) == set()


def test_a_units_staff_are_its_departments_heads_and_its_own_supervisors(db_session, factory):
    unit = factory.unit()
    sibling = factory.unit(department=unit.department)
    elsewhere = factory.unit()
    staff = {
        "head": factory.user(role="head", department=unit.department),
        "supervisor": factory.user(role="supervisor", unit=unit),
        "sibling supervisor": factory.user(role="supervisor", unit=sibling),
        "other head": factory.user(role="head", department=elsewhere.department),
        "admin": factory.user(role="admin"),
    }
    names = {user.id: name for name, user in staff.items()}
    found = db_session.scalars(select(User.id).where(or_(*unit_staff(unit))))
    assert {names[i] for i in found if i in names} == {"head", "supervisor"}
