"""Settings come from defaults, then the environment, then explicit overrides."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from analytics import settings as analytics_settings
from core import create_app
from core.settings import (
    CORE,
    DEFAULT_SERVICE_HOURS,
    FIXED,
    ROOT,
    ConfigurationError,
    build,
    format_service_hours,
    markdown_table,
    normalise_database_url,
    parse_service_hours,
    settings_of,
)
from tests.conftest import TEST_SECRET


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


# --- every documented setting: read from the environment, typed, checked ------------------------

CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"
PREFIXES = ("SUARA_", "INTEGRITY_", "RATELIMIT_", "KIOSK_", "RETENTION_", "ANALYTICS_", "ALERT_")


def documented_variables() -> list[str]:
    """The first column of the table in docs/configuration.md."""
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", CONFIGURATION_DOC.read_text(), re.MULTILINE)
    assert len(rows) > 40, "docs/configuration.md lost its table"
    return rows


DECLARED = {setting.variable: setting for setting in settings_of((CORE, analytics_settings.TABLE))}


@pytest.fixture
def environment(monkeypatch, database_url, tmp_path):
    """A clean environment for ``create_app()`` without overrides: every variable with one of
    the project's prefixes removed, then the database and key of this test run."""
    for name in list(os.environ):
        if name.startswith(PREFIXES) or name in DECLARED:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("RATELIMIT_FILE", str(tmp_path / "ratelimit.db"))
    made = []

    def start(overrides=None):
        app = create_app(overrides)
        made.append(app)
        return app

    yield monkeypatch, start
    for app in made:
        app.extensions["db"].engine.dispose()


def test_the_documented_table_is_the_declared_table():
    assert documented_variables() == list(DECLARED)
    assert markdown_table(DECLARED.values()) in CONFIGURATION_DOC.read_text()


def test_config_docs_prints_the_documented_table(runner):
    result = runner.invoke(args=["config", "docs"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() in CONFIGURATION_DOC.read_text()


@pytest.mark.parametrize("variable", documented_variables())
def test_every_documented_variable_is_read_from_the_environment_with_its_type(variable,
                                                                              environment):
    setenv, start = environment
    setting = DECLARED[variable]
    expected = setting.kind.parse(setting.example)
    assert expected != setting.default_for(Path("instance")), "the example must not be the default"
    setenv.setenv(variable, setting.example)
    app = start()
    value = app.config[setting.key]
    if setting.key == "DATABASE_URL":
        expected = normalise_database_url(expected)
    assert value == expected and type(value) is type(expected)
    assert app.config["SETTINGS_SOURCES"][variable][1] == "environment"


@pytest.mark.parametrize("variable", documented_variables())
def test_a_malformed_value_refuses_to_start_naming_the_variable_and_the_type(variable,
                                                                            environment):
    setenv, start = environment
    setting = DECLARED[variable]
    setenv.setenv(variable, setting.kind.malformed)
    with pytest.raises(ConfigurationError, match=f"^{variable}=") as refused:
        start()
    assert f"expected {setting.kind.expected}" in str(refused.value)


@pytest.mark.parametrize("variable", [
    "SUARA_ENVIRONMENT", "RATELIMIT_DEVICES", "KIOSK_IDLE_SECOND", "INTEGRITY_BURST",
    "RETENTION_DAYS", "ANALYTICS_MINIMUM_RATINGS", "ALERT_RETRIES",
])
def test_an_unknown_variable_with_a_known_prefix_refuses_to_start(variable, environment):
    setenv, start = environment
    setenv.setenv(variable, "5")
    with pytest.raises(ConfigurationError, match=f"^{variable} is not a setting"):
        start()


def test_variables_of_other_programs_are_left_alone(environment):
    setenv, start = environment
    setenv.setenv("GUNICORN_CMD_ARGS", "--workers 4")
    setenv.setenv("SESSION_MANAGER", "local/host:@/tmp/.ICE-unix/1")
    assert start().config["SESSION_HOURS"] == 12


def test_an_empty_variable_leaves_the_default(environment):
    setenv, start = environment
    setenv.setenv("KIOSK_IDLE_SECONDS", "")
    app = start()
    assert app.config["KIOSK_IDLE_SECONDS"] == 45
    assert app.config["SETTINGS_SOURCES"]["KIOSK_IDLE_SECONDS"][1] == "default"


def test_a_retired_variable_refuses_to_start_with_what_replaced_it(environment):
    setenv, start = environment
    setenv.setenv("ANALYTICS_BAND_THRESHOLD", "76.61")
    with pytest.raises(ConfigurationError, match="ANALYTICS_BAND_THRESHOLD.*ANALYTICS_DELTA"):
        start()


def test_every_problem_is_named_at_once(environment):
    setenv, start = environment
    setenv.setenv("KIOSK_IDLE_SECONDS", "lima")
    setenv.setenv("TIMEZONE", "WITA")
    setenv.setenv("RATELIMIT_DEVICES", "1/minute")
    with pytest.raises(ConfigurationError) as refused:
        start()
    assert all(name in str(refused.value)
               for name in ("KIOSK_IDLE_SECONDS", "TIMEZONE", "RATELIMIT_DEVICES"))


def test_a_malformed_secret_is_named_without_printing_it(environment):
    setenv, start = environment
    setenv.setenv("SECRET_KEY", "secret-with\na-newline-xxxxxxxxxxxxxxxxxxxxxxxx")
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as refused:
        start()
    assert "a-newline" not in str(refused.value)


def test_service_hours_read_days_ranges_and_breaks():
    text = "1-4: 08:00-16:00; 5: 08:00-11:30, 13:00-16:00"
    assert parse_service_hours(text) == DEFAULT_SERVICE_HOURS
    assert format_service_hours(DEFAULT_SERVICE_HOURS) == text
    assert parse_service_hours("6: 8:00-12:00") == {6: [("08:00", "12:00")]}


@pytest.mark.parametrize("text", [
    "1: 16:00-08:00",  # ends before it starts
    "8: 08:00-16:00",  # there is no 8th weekday
    "1-3: 08:00-16:00; 3: 09:00-12:00",  # a day twice
    "5-1: 08:00-16:00",  # a backwards range
    "Senin 08:00-16:00",
    "1: 08:00",
])
def test_malformed_service_hours_are_refused(text):
    with pytest.raises(ValueError):
        parse_service_hours(text)


def test_config_show_prints_every_setting_with_its_source_and_masks_secrets(environment):
    setenv, start = environment
    setenv.setenv("SECRET_KEY", "the-key-nobody-may-read-" + "x" * 20)
    setenv.setenv("REDIS_URL", "redis://:redis-password@127.0.0.1:6379/0")
    setenv.setenv("SMTP_URL", "smtp://suara:smtp-password@mail.test:587?starttls=true")
    setenv.setenv("KIOSK_IDLE_SECONDS", "60")
    app = start({"DATABASE_URL": "postgresql://suara:db-password@127.0.0.1:5432/suara",
                 "SESSION_HOURS": 8})
    result = app.test_cli_runner().invoke(args=["config", "show"])
    assert result.exit_code == 0, result.output
    output = result.output
    for secret in ("the-key-nobody-may-read", "redis-password", "smtp-password", "db-password"):
        assert secret not in output
    lines = {line.split()[0]: line.split(maxsplit=2)[1:] for line in output.splitlines()}
    assert list(lines) == list(DECLARED)
    assert lines["SECRET_KEY"] == ["environment", "********"]
    assert lines["REDIS_URL"] == ["environment", "redis://:********@127.0.0.1:6379/0"]
    assert lines["SMTP_URL"] == ["environment",
                                 "smtp://suara:********@mail.test:587?starttls=true"]
    assert lines["DATABASE_URL"] == ["override",
                                     "postgresql+psycopg://suara:********@127.0.0.1:5432/suara"]
    assert lines["KIOSK_IDLE_SECONDS"] == ["environment", "60"]
    assert lines["SESSION_HOURS"] == ["override", "8"]
    assert lines["TIMEZONE"] == ["default", "Asia/Jakarta"]
    assert lines["SERVICE_HOURS"] == ["default", "1-4: 08:00-16:00; 5: 08:00-11:30, 13:00-16:00"]


CONFIG_READ = re.compile(r"config(?:\.get\(|\[)\s*[\"']([A-Z][A-Z0-9_]+)[\"']")
# Flask's and its extensions' keys the code sets or reads that are not deployment choices.
INTERNAL = {"TESTING", "WTF_CSRF_ENABLED", "REMEMBER_COOKIE_SECURE", "SETTINGS_SOURCES",
            "RATELIMIT_HEADERS_ENABLED", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
            # Flask's own: core.security.CookieSessions keys its kept serializer by it.
            "SECRET_KEY_FALLBACKS"}


def test_every_setting_the_code_reads_is_declared():
    read = set()
    for area in ("core", "survey", "kiosk", "analytics"):
        for path in (ROOT / area).rglob("*.py"):
            read |= set(CONFIG_READ.findall(path.read_text()))
    declared = {setting.key for setting in DECLARED.values()}
    assert read - declared - set(FIXED) - INTERNAL == set()
