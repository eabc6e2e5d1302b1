"""Settings: safe local defaults, overridden by environment variables, then by test overrides.

Read only inside ``create_app`` (never at import time) so tests can build apps with any
configuration without touching ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}

# Default service hours, per ISO weekday (1 = Monday). Units may carry their own.
DEFAULT_SERVICE_HOURS = {
    1: [("08:00", "16:00")],
    2: [("08:00", "16:00")],
    3: [("08:00", "16:00")],
    4: [("08:00", "16:00")],
    5: [("08:00", "11:30"), ("13:00", "16:00")],
}


class ConfigurationError(RuntimeError):
    """The deployment is configured in a way that must not run."""


def _bool(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "ENV_NAME": "development",
        "DATABASE_URL": f"sqlite:///{instance_path / 'suara.db'}",
        "BASE_URL": "http://127.0.0.1:8000",
        "TIMEZONE": "Asia/Jakarta",
        "SERVICE_HOURS": DEFAULT_SERVICE_HOURS,
        "REDIS_URL": None,
        "RATELIMIT_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "id",
        "LANGUAGES": ["id", "en"],
        # The citizen form may sit open on a phone for a while; the kiosk posts through the
        # token-free device API, so it never depends on a CSRF token's age.
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # How long a staff sign-in lasts (core/auth.py), whatever the browser does.
        "SESSION_HOURS": 12,
        "KIOSK_IDLE_SECONDS": 45,
        # How far a client's own clock may be ahead of ours, and how old a queued rating may be.
        "CLOCK_SKEW_SECONDS": 300,
        "MAX_RATING_AGE_DAYS": 30,
        "COMMENT_MAX_LENGTH": 1000,
        # How many reverse proxies (nginx, a load balancer) stand in front of gunicorn and
        # set X-Forwarded-For/-Proto; 0 trusts no header, so a client cannot spoof its address.
        "TRUSTED_PROXIES": 0,
        # Complaint follow-up: working days until due (SP4N-LAPOR! expects 5).
        "COMPLAINT_DUE_WORKING_DAYS": 5,
        # Rating integrity (survey/integrity.py, docs/integrity.md): flagged, never rejected.
        "INTEGRITY_BURST_COUNT": 10,
        "INTEGRITY_BURST_MINUTES": 10,
        "INTEGRITY_REPEAT_COUNT": 3,
        "INTEGRITY_REPEAT_MINUTES": 10,
        "SERVICE_HOURS_GRACE_MINUTES": 30,
        "KIOSK_MIN_INTERVAL_SECONDS": 5,
        # Rate limits (core/limits.py): per device, and a looser one per address because a
        # whole office often sits behind one; requests showing no device share a strict
        # limit per address, and new phone device cookies per address are limited too.
        "RATELIMIT_DEVICE": "10/minute;60/hour",
        "RATELIMIT_KIOSK": "60/minute",
        "RATELIMIT_ADDRESS": "120/minute;3000/hour",
        "RATELIMIT_ANONYMOUS": "10/minute;60/hour",
        "RATELIMIT_NEW_DEVICE": "30/minute;300/hour",
        # Without REDIS_URL the counters live here, shared by the workers of this machine.
        "RATELIMIT_FILE": instance_path / "ratelimit.db",
        # Privacy (core/retention.py): contact details and address hashes go after this many
        # months; free text only when TEXT_RETENTION_MONTHS is set (0 keeps it).
        "RETENTION_MONTHS": 12,
        "TEXT_RETENTION_MONTHS": 0,
        # Alerts (analytics/alerts*.py, docs/alerts.md): e-mail through SMTP (unset: no
        # e-mail, webhooks only), retries, and how often `flask alert work` looks.
        "SMTP_URL": None,
        "MAIL_SENDER": "Suara Layanan <suara-layanan@localhost>",
        "SMTP_TIMEOUT_SECONDS": 20,
        "WEBHOOK_TIMEOUT_SECONDS": 10,
        "ALERT_MAX_ATTEMPTS": 8,
        "ALERT_WORK_INTERVAL_SECONDS": 30,
        "ALERT_DELIVERY_INTERVAL_SECONDS": 5,
        # Public results (analytics/publication.py): fewer respondents than this → withheld.
        "PUBLIC_MINIMUM_RESPONDENTS": 5,
    }


ENV_PARSERS: dict[str, Any] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "BASE_URL": lambda v: v.rstrip("/"),
    "TIMEZONE": str,
    "REDIS_URL": str,
    "RATELIMIT_ENABLED": _bool,
    "KIOSK_IDLE_SECONDS": int,
    "SESSION_HOURS": int,
    "SESSION_COOKIE_SECURE": _bool,
    "ENV_NAME": str,
    "TRUSTED_PROXIES": int,
    "COMPLAINT_DUE_WORKING_DAYS": int,
    "KIOSK_MIN_INTERVAL_SECONDS": int,
    "RATELIMIT_DEVICE": str,
    "RATELIMIT_KIOSK": str,
    "RATELIMIT_ADDRESS": str,
    "RATELIMIT_ANONYMOUS": str,
    "RATELIMIT_NEW_DEVICE": str,
    "RATELIMIT_FILE": Path,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_KEY_PREFIX": str,
    "RETENTION_MONTHS": int,
    "TEXT_RETENTION_MONTHS": int,
    # The officer component (analytics/settings.py parses and checks them when the app starts).
    "ANALYTICS_OFFICER_ELEMENTS": str,
    "ANALYTICS_INCLUDE_CUSTOM_QUESTIONS": str,
    "ANALYTICS_SHRINKAGE_K": str,
    "ANALYTICS_DELTA": str,
    "ANALYTICS_MINIMUM_N": str,
    "ANALYTICS_MINIMUM_DAYS": str,
    "ANALYTICS_CONFIDENCE": str,
    "ANALYTICS_BAND_THRESHOLD": str,
    "ANALYTICS_INTERVAL_METHOD": str,
    "SMTP_URL": str,
    "MAIL_SENDER": str,
    "SMTP_TIMEOUT_SECONDS": int,
    "WEBHOOK_TIMEOUT_SECONDS": int,
    "ALERT_MAX_ATTEMPTS": int,
    "ALERT_WORK_INTERVAL_SECONDS": int,
    "ALERT_DELIVERY_INTERVAL_SECONDS": int,
    "PUBLIC_MINIMUM_RESPONDENTS": int,
}

ENV_ALIASES = {"SUARA_ENV": "ENV_NAME"}


def from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, parse in ENV_PARSERS.items():
        if environ.get(name):
            found[name] = parse(environ[name])
    for alias, name in ENV_ALIASES.items():
        if environ.get(alias):
            found[name] = environ[alias]
    return found


def normalise_database_url(url: str) -> str:
    """Accept the plain ``postgresql://`` URLs hosting providers hand out; we drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def ensure_secret_key(config: dict[str, Any], instance_path: Path) -> None:
    """Production refuses to start without a real key; development generates one, once."""
    if config.get("SECRET_KEY"):
        if config["ENV_NAME"] == "production" and len(config["SECRET_KEY"]) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters in production.")
        return
    if config["ENV_NAME"] == "production":
        raise ConfigurationError(
            "SECRET_KEY is not set. Production refuses to start without one "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    config["SECRET_KEY"] = key_file.read_text().strip()


def build(instance_path: Path, overrides: dict[str, Any] | None, environ=None) -> dict[str, Any]:
    config = defaults(instance_path)
    config.update(from_environment(os.environ if environ is None else environ))
    config.update(overrides or {})
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    if config["ENV_NAME"] == "production":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    if not isinstance(config["SESSION_HOURS"], int) or config["SESSION_HOURS"] < 1:
        raise ConfigurationError("SESSION_HOURS must be a whole number of hours, at least 1.")
    ensure_secret_key(config, instance_path)
    return config
