"""The home page and the language switch that every surface shares."""

from __future__ import annotations

import pytest

from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET


@pytest.fixture
def counter_token(db_session, factory):
    return token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)


def test_the_home_page_links_to_the_public_results_and_the_staff_login(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/hasil/"' in page
    assert 'href="/login"' in page


def test_the_language_switch_offers_the_other_language_on_every_surface(client, counter_token):
    for path in ("/", f"/s/{counter_token}", "/login", "/hasil/"):
        indonesian = client.get(f"{path}?lang=id").get_data(as_text=True)
        assert 'hreflang="en"' in indonesian, path
        english = client.get(f"{path}?lang=en").get_data(as_text=True)
        assert 'hreflang="id"' in english and 'hreflang="en"' not in english, path


def test_a_browser_set_to_english_still_gets_indonesian_until_the_visitor_switches(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="id">' in page and 'hreflang="en"' in page
    switched = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in switched
    remembered = client.get("/", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert '<html lang="en">' in remembered
