"""Privacy: a citizen's contact details are shown only on the follow-up page to someone in
scope — never in an export, an API answer or any other page."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.core.security_world import CONTACT_CANARY, build_path, build_world, routes

# Staff pages that show a consenting citizen's contact, to users in the comment's scope only:
# the follow-up page (tests/survey/test_complaints_views.py), and nowhere else.
SHOWS_CONTACT = {"complaints.complaint_detail"}
PERIOD = {"start": "2000-01-01", "end": "2100-12-31", "from": "2000-01-01", "to": "2100-12-31",
          "year": "2026", "period": "2026", "unit": "SEC-UNIT", "format": "csv"}


def readable(response) -> str:
    """The body as text; spreadsheets and other zip files are opened and read through."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in archive.namelist())
    return data.decode("utf-8", "replace")


@pytest.fixture
def world(db_session, factory):
    return build_world(db_session, factory)


def test_the_contact_is_on_the_follow_up_page_for_the_check_below_to_mean_something(
    signed_in, world
):
    page = signed_in(world.admin).get(f"/pengaduan/{world.comment.id}")
    assert CONTACT_CANARY in page.get_data(as_text=True)


def test_no_export_endpoint_ever_contains_a_contact(app, signed_in, world):
    exports = [(rule, endpoint) for rule, endpoint in routes(app, "GET") if "export" in rule]
    if not exports:
        pytest.skip("no export endpoints registered yet")
    leaks = []
    for rule, endpoint in exports:
        path = build_path(app, endpoint, world)
        for query in ({}, PERIOD, {**PERIOD, "format": "xlsx"}):
            response = signed_in(world.admin).get(path, query_string=query)
            if CONTACT_CANARY in readable(response):
                leaks.append(f"{rule} {query}")
    assert not leaks, "contact details in exports: " + ", ".join(leaks)


def test_no_other_page_or_api_answer_contains_a_contact(app, signed_in, world):
    leaks = []
    for rule, endpoint in routes(app, "GET"):
        if endpoint in SHOWS_CONTACT:
            continue
        path = build_path(app, endpoint, world)
        response = signed_in(world.admin).get(path, query_string=PERIOD)
        if CONTACT_CANARY in readable(response):
            leaks.append(rule)
    assert not leaks, "contact details shown on: " + ", ".join(leaks)


@pytest.mark.parametrize("role", ["head", "supervisor", "officer"])
def test_nobody_out_of_scope_sees_a_contact_anywhere(app, signed_in, factory, world, role):
    elsewhere = factory.unit()
    outsider = factory.user(role=role, department_id=elsewhere.department_id,
                            unit_id=elsewhere.id)
    leaks = []
    for rule, endpoint in routes(app, "GET"):
        path = build_path(app, endpoint, world)
        response = signed_in(outsider).get(path, query_string=PERIOD)
        if CONTACT_CANARY in readable(response):
            leaks.append(rule)
    assert not leaks, f"a {role} of another unit sees contact details on: " + ", ".join(leaks)


def test_the_public_sees_no_contact_anywhere(app, world):
    leaks = [rule for rule, endpoint in routes(app, "GET")
             if CONTACT_CANARY in readable(app.test_client().get(
                 build_path(app, endpoint, world), query_string=PERIOD))]
    assert not leaks, "contact details shown to the public on: " + ", ".join(leaks)
