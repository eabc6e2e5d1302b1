"""When the database cannot be reached, people are told to try again (503), never a 500."""

from __future__ import annotations

from core import create_app
from survey import tokens

SECRET = "x" * 40


def unreachable_app(tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False,
                       "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/folder/suara.db"})


def test_pages_answer_503_with_a_retry_hint_while_the_database_is_unreachable(tmp_path):
    client = unreachable_app(tmp_path).test_client()
    signed = tokens.sign(SECRET, "AbCdEfGh12")  # valid signature: the row must be looked up
    for path in (f"/s/{signed}", "/hasil/", "/login"):
        response = client.get(path)
        if path == "/login":  # the sign-in form itself needs no database
            assert response.status_code in (200, 503)
            continue
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "5"
        assert "coba lagi" in response.get_data(as_text=True)


def test_the_api_answers_503_in_json(tmp_path):
    response = unreachable_app(tmp_path).test_client().get("/api/v1/units")
    assert response.status_code == 503
    assert response.json["error"] == "503"


def test_healthz_reports_the_database_down(tmp_path):
    response = unreachable_app(tmp_path).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"]["state"] == "unavailable"
