"""The navigation registry: every area adds its own links in its init_app; every signed-in
surface (dashboard, administration, complaint follow-up, alerts) shows the same staff menu
from it, to each role what it may open; where a role lands after signing in comes from it
too."""

from __future__ import annotations

import re

import pytest

from core import navigation


def staff_menu(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    body = response.get_data(as_text=True)
    menu = re.search(r'<nav [^>]*data-menu="staff">(.*?)</nav>', body, re.S)
    assert menu, f"no staff menu on {path}"
    return re.findall(r'href="([^"]+)"', menu.group(1))


@pytest.fixture
def head(factory):
    unit = factory.unit()
    return factory.user("head", department=unit.department)


def test_every_staff_surface_shows_the_same_menu(signed_in, head):
    client = signed_in(head)
    menus = {path: staff_menu(client, path)
             for path in ("/dasbor/", "/admin/", "/pengaduan/", "/peringatan/")}
    first = menus["/dasbor/"]
    assert all(menu == first for menu in menus.values()), menus
    # Each area's entry, in the order the areas asked for.
    assert first == ["/dasbor/", "/pengaduan/", "/integritas/", "/moderasi/",
                     "/peringatan/", "/dasbor/jumlah-layanan", "/admin/", "/kiosk/operations",
                     "/hasil/"]


def test_the_administrator_alone_sees_the_report_signatories(signed_in, factory, head):
    admin = factory.user("admin")
    assert "/dasbor/penandatangan-laporan" in staff_menu(signed_in(admin), "/admin/")
    assert "/dasbor/penandatangan-laporan" not in staff_menu(signed_in(head), "/admin/")


def test_an_officer_sees_their_own_component_and_the_public_results_only(signed_in, factory):
    officer = factory.officer()
    client = signed_in(factory.user("officer", officer=officer))
    assert staff_menu(client, "/dasbor/saya") == ["/dasbor/saya", "/hasil/"]


def test_the_page_shown_is_marked_current_in_the_menu(signed_in, head):
    body = signed_in(head).get("/admin/units").get_data(as_text=True)
    current = re.findall(r'<a href="([^"]+)" aria-current="page"', body)
    assert current == ["/admin/", "/admin/units"]  # the staff menu and the section's menu


def test_a_link_an_area_adds_is_rendered_in_the_staff_menu(make_app, head):
    from flask import render_template_string
    from flask_login import login_user

    from core.auth import Account

    other = make_app()
    navigation.add(other, "staff", "core.healthz", "Kesehatan", order=1)
    with other.test_request_context("/healthz"):
        login_user(Account(head))
        html = render_template_string(
            '{% from "_navigation.html" import nav with context %}{{ nav("staff", "n", "m") }}')
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', html)
    assert links[0] == ("/healthz", ' aria-current="page"', "Kesehatan")
    assert ("/dasbor/", "", "Dasbor") in links


def test_a_menu_leaves_out_a_page_that_is_not_registered(make_app):
    other = make_app()
    navigation.add(other, "probe", "nowhere.page", "Tidak ada", roles=navigation.ANYONE)
    navigation.add(other, "probe", "core.healthz", "Kesehatan", roles=navigation.ANYONE)
    with other.app_context():
        assert [e.endpoint for e in navigation.entries("probe", None)] == ["core.healthz"]


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", "/admin/"),
    ("head", "/dasbor/"),
    ("supervisor", "/dasbor/"),
    ("officer", "/dasbor/saya"),
])
def test_each_role_lands_on_the_first_page_the_areas_registered_for_it(app, role, expected):
    with app.test_request_context():
        assert navigation.landing_url(role) == expected


def test_the_home_page_offers_the_links_the_areas_registered(client):
    body = client.get("/").get_data(as_text=True)
    assert 'href="/hasil/"' in body
