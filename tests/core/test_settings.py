"""Settings come from defaults, then the environment, then explicit overrides."""

from __future__ import annotations

import pytest

from core import create_app
from core.settings import ConfigurationError, build, normalise_database_url


def test_a_plain_postgresql_url_is_driven_by_psycopg():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_the_default_database_is_a_sqlite_file_under_instance(tmp_path):
    config = build(tmp_path, None, environ={})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'suara.db'}"


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    first = build(tmp_path, None, environ={})["SECRET_KEY"]
    second = build(tmp_path, None, environ={})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        build(tmp_path, None, environ={"SUARA_ENV": "production"})


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigurationError):
        build(tmp_path, None, environ={"SUARA_ENV": "production", "SECRET_KEY": "short"})


def test_production_makes_cookies_secure(tmp_path):
    config = build(tmp_path, None, environ={"SUARA_ENV": "production", "SECRET_KEY": "k" * 40})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_environment_values_are_parsed_and_overrides_win(tmp_path):
    environ = {"RATELIMIT_ENABLED": "false", "KIOSK_IDLE_SECONDS": "20", "BASE_URL": "https://x.id/"}
    config = build(tmp_path, {"KIOSK_IDLE_SECONDS": 30}, environ=environ)
    assert config["RATELIMIT_ENABLED"] is False
    assert config["BASE_URL"] == "https://x.id"
    assert config["KIOSK_IDLE_SECONDS"] == 30


def test_forwarded_addresses_are_trusted_only_when_proxies_are_configured(database_url):
    seen = []

    def capture(app):
        @app.get("/_whoami")
        def whoami():
            from flask import request

            seen.append(request.remote_addr)
            return "ok"

    for proxies in (0, 1):
        app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40,
                          "TRUSTED_PROXIES": proxies})
        capture(app)
        app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
        app.extensions["db"].engine.dispose()
    assert seen == ["10.0.0.1", "203.0.113.9"]
