"""The scope helpers of core.auth that every reader filters its queries with."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from core.auth import (
    in_scope_or_404,
    officer_in_scope,
    restrict_rows,
    unit_in_scope,
    visible_department_ids,
    visible_units,
)
from core.models import Counter, User
from survey.models import Comment


@pytest.fixture
def city(factory):
    """Department A with units A1 and A2, department B with B1; an officer and a comment
    about them in each unit, and a second officer (``me``) in A1."""
    a, b = factory.department(), factory.department()
    units = {"A1": factory.unit(department=a), "A2": factory.unit(department=a),
             "B1": factory.unit(department=b)}
    officers = {name: factory.officer(unit=unit) for name, unit in units.items()}
    officers["me"] = factory.officer(unit=units["A1"])
    comments = {name: factory.comment(factory.rating(unit=officer.unit, officer=officer))
                for name, officer in officers.items()}
    return {"A": a, "B": b, "units": units, "officers": officers, "comments": comments}


def users(city):
    units = city["units"]
    return {
        "admin": User(role="admin"),
        "head": User(role="head", department_id=city["A"].id),
        "supervisor": User(role="supervisor", unit_id=units["A1"].id),
        "officer": User(role="officer", officer_id=city["officers"]["me"].id,
                        unit_id=units["A1"].id),
        "public": None,
    }


@pytest.mark.parametrize("role, seen", [
    ("admin", {"A1", "A2", "B1", "me"}),
    ("head", {"A1", "A2", "me"}),
    ("supervisor", {"A1", "me"}),
    ("officer", {"me"}),
    ("public", set()),
])
def test_comments_are_read_within_scope_and_an_officer_reads_only_their_own(
        db_session, city, role, seen):
    user = users(city)[role]
    ids = {c.id: name for name, c in city["comments"].items()}
    query = restrict_rows(select(Comment.id), db_session, user, unit_column=Comment.unit_id,
                          officer_column=Comment.officer_id)
    assert {ids[i] for i in db_session.scalars(query) if i in ids} == seen


def test_without_an_officer_column_an_officer_reads_nothing(db_session, city):
    officer = users(city)["officer"]
    query = restrict_rows(select(Comment.id), db_session, officer, unit_column=Comment.unit_id)
    assert db_session.scalars(query).all() == []


def test_visible_units_and_departments(db_session, city):
    all_users = users(city)
    units = city["units"]
    head_units = {u.id for u in visible_units(db_session, all_users["head"])}
    assert head_units == {units["A1"].id, units["A2"].id}
    assert [u.id for u in visible_units(db_session, all_users["supervisor"])] == [units["A1"].id]
    assert visible_units(db_session, all_users["officer"]) == []
    assert visible_department_ids(db_session, all_users["admin"]) is None
    assert visible_department_ids(db_session, all_users["supervisor"]) == {city["A"].id}


def test_a_head_of_a_department_without_units_still_sees_the_department(db_session, factory):
    empty = factory.department()
    head = User(role="head", department_id=empty.id)
    assert visible_department_ids(db_session, head) == {empty.id}


def test_loading_out_of_scope_answers_not_found_like_a_missing_object(db_session, city,
                                                                      factory):
    supervisor = users(city)["supervisor"]
    units, officers = city["units"], city["officers"]
    assert unit_in_scope(db_session, supervisor, units["A1"].code) is units["A1"]
    for load in (lambda: unit_in_scope(db_session, supervisor, units["A2"].code),
                 lambda: unit_in_scope(db_session, supervisor, "NO-SUCH-UNIT"),
                 lambda: officer_in_scope(db_session, supervisor, officers["B1"].id),
                 lambda: officer_in_scope(db_session, users(city)["officer"],
                                          officers["A1"].id)):
        with pytest.raises(NotFound):
            load()
    counter = factory.counter(unit=units["B1"])
    with pytest.raises(NotFound):
        in_scope_or_404(db_session, supervisor, Counter, counter.id)
    assert in_scope_or_404(db_session, users(city)["head"], Counter,
                           factory.counter(unit=units["A2"]).id).unit_id == units["A2"].id
