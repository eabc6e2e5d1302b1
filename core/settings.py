"""Settings: safe local defaults, overridden by environment variables, then by test overrides.

One declarative table says every setting a deployer may set: its environment variable, its
type, its default, one line of documentation and whether it is secret. Areas bring their own
part of the table (``analytics/settings.py``); ``create_app`` hands them to ``build``, because
core imports no area. Read only inside ``create_app`` (never at import time) so tests can
build apps with any configuration without touching ``os.environ``. A malformed value, or an
unknown variable with one of the project's prefixes, refuses to start, naming the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on", "ya"}
FALSE_WORDS = {"0", "false", "no", "off", "tidak"}
MASK = "********"

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


# --- kinds: how a type of setting is read from its text, checked and printed ------------------


@dataclass(frozen=True)
class Kind:
    """``parse`` turns the environment's text into the value (``ValueError`` if it cannot);
    ``show`` prints a value back in the same syntax; ``malformed`` is a text it refuses."""

    expected: str
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str
    malformed: str = "two\nlines"
    # A URL whose password ``config show`` masks.
    has_password: bool = False


def _no_control_characters(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("control characters")
    return text


def _whole(text: str, minimum: int) -> int:
    value = int(text.strip())
    if value < minimum:
        raise ValueError(f"below {minimum}")
    return value


def whole(minimum: int = 0, unit: str = "") -> Kind:
    suffix = f" {unit}" if unit else ""
    return Kind(f"a whole number{suffix} ≥ {minimum}", lambda text: _whole(text, minimum),
                malformed="lima")


def _decimal(text: str, minimum: Decimal | None, below: Decimal | None) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite() or (minimum is not None and value < minimum) or (
            below is not None and value >= below):
        raise ValueError("out of range")
    return value


def decimal(minimum: str | None = None, below: str | None = None) -> Kind:
    low = Decimal(minimum) if minimum is not None else None
    high = Decimal(below) if below is not None else None
    bounds = [f"≥ {low}" if low is not None else "", f"< {high}" if high is not None else ""]
    described = " and ".join(b for b in bounds if b)
    return Kind(f"a decimal number {described}".strip(),
                lambda text: _decimal(text, low, high), malformed="dua koma lima")


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("not a yes/no word")


BOOL = Kind("true or false (also 1/0, yes/no, on/off, ya/tidak)", _bool,
            show=lambda value: "true" if value else "false", malformed="mungkin")
TEXT = Kind("text on one line", _no_control_characters, malformed="two\nlines")
PATH = Kind("a file path", lambda text: Path(_no_control_characters(text)),
            malformed="two\nlines")


def choice(*words: str) -> Kind:
    def parse(text: str) -> str:
        if text.strip() not in words:
            raise ValueError("not one of the choices")
        return text.strip()

    return Kind("one of " + ", ".join(words), parse, malformed="staging-ish")


def _url(text: str, schemes: tuple[str, ...], host_needed: bool) -> str:
    text = _no_control_characters(text.strip())
    parts = urlsplit(text)
    if parts.scheme not in schemes or (host_needed and not parts.hostname):
        raise ValueError("not such a URL")
    parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    return text


def url(*schemes: str, host_needed: bool = True, password: bool = False,
        strip_slash: bool = False) -> Kind:
    def parse(text: str) -> str:
        found = _url(text, schemes, host_needed)
        return found.rstrip("/") if strip_slash else found

    return Kind("a URL: " + ", ".join(f"{s}://…" for s in schemes), parse,
                malformed="no-scheme.example:25", has_password=password)


def _zone(text: str) -> str:
    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone") from None
    return text.strip()


TIMEZONE = Kind("an IANA time zone such as Asia/Jakarta, Asia/Makassar, Asia/Jayapura", _zone,
                malformed="Asia/Atlantis")


def _rate_limit(text: str) -> str:
    from limits import parse_many

    try:
        if not parse_many(text):
            raise ValueError("no limit")
    except ValueError:
        raise ValueError("not a rate limit") from None
    return text.strip()


RATE_LIMIT = Kind("rate limits such as 10/minute;60/hour", _rate_limit, malformed="ten a minute")

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _clock(text: str) -> time:
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"not a time of day: {text!r}")
    return time(int(match[1]), int(match[2]))


_DAY = re.compile(r"^\s*([1-7])(?:\s*-\s*([1-7]))?\s*:\s*(.+?)\s*$")


def parse_service_hours(text: str) -> dict[int, list[tuple[str, str]]]:
    """``1-4: 08:00-16:00; 5: 08:00-11:30, 13:00-16:00`` (ISO weekdays, 1 = Monday; a day
    not named has no service) → ``{1: [("08:00", "16:00")], …}``, the shape of the default."""
    hours: dict[int, list[tuple[str, str]]] = {}
    for entry in filter(None, (part.strip() for part in text.split(";"))):
        match = _DAY.match(entry)
        if not match:
            raise ValueError(f"not 'days: periods': {entry!r}")
        first, last, periods = int(match[1]), int(match[2] or match[1]), match[3]
        parsed = []
        for period in filter(None, (p.strip() for p in periods.split(","))):
            start, _, end = period.partition("-")
            opens, closes = _clock(start), _clock(end)
            if closes <= opens:
                raise ValueError(f"{period!r} ends before it starts")
            parsed.append((opens.strftime("%H:%M"), closes.strftime("%H:%M")))
        if last < first or not parsed:
            raise ValueError(f"not 'days: periods': {entry!r}")
        for day in range(first, last + 1):
            if day in hours:
                raise ValueError(f"day {day} given twice")
            hours[day] = sorted(parsed)
    if not hours:
        raise ValueError("no service day")
    return dict(sorted(hours.items()))


def format_service_hours(hours: Mapping[Any, Any]) -> str:
    """The text ``parse_service_hours`` reads, consecutive days with the same hours joined."""
    days = sorted((int(day), [tuple(p) for p in periods]) for day, periods in hours.items())
    groups: list[list[Any]] = []
    for day, periods in days:
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == periods:
            groups[-1][1] = day
        else:
            groups.append([day, day, periods])
    return "; ".join(
        (f"{a}-{b}" if a != b else f"{a}") + ": " + ", ".join(f"{s}-{e}" for s, e in periods)
        for a, b, periods in groups
    )


SERVICE_HOURS_KIND = Kind("service hours such as 1-4: 08:00-16:00; 5: 08:00-11:30, 13:00-16:00",
                          parse_service_hours, show=format_service_hours,
                          malformed="Senin 8-16")


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One setting: ``key`` in ``app.config``, read from the environment variable ``env``
    (the key itself unless named). ``default`` is a value, or a function of the instance
    folder; ``documented_default`` is what the docs say when the value depends on the
    machine. ``example`` is a valid value other than the default."""

    key: str
    kind: Kind
    default: Any
    doc: str
    example: str
    secret: bool = False
    env: str = ""
    documented_default: str = ""

    @property
    def variable(self) -> str:
        return self.env or self.key

    def default_for(self, instance_path: Path) -> Any:
        return self.default(instance_path) if callable(self.default) else self.default

    def default_text(self) -> str:
        if self.documented_default:
            return self.documented_default
        return "unset" if self.default is None else self.kind.show(self.default)

    def show(self, value: Any) -> str:
        """The value as ``config show`` prints it: secrets and URL passwords masked."""
        if value is None or value == "":
            return "unset"
        if self.secret:
            return MASK
        text = self.kind.show(value)
        return mask_password(text) if self.kind.has_password else text


@dataclass(frozen=True)
class Table:
    """An area's part of the settings: its settings, the prefixes of variables it owns (an
    unknown variable with one of them refuses to start) and retired variables, refused with
    the reason."""

    settings: tuple[Setting, ...]
    prefixes: tuple[str, ...] = ()
    retired: Mapping[str, str] = field(default_factory=dict)


def mask_password(text: str) -> str:
    parts = urlsplit(text)
    if not parts.password:
        return text
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:{MASK}@" if parts.username else f":{MASK}@"
    return urlunsplit(parts._replace(netloc=user + host))


def _instance_file(name: str) -> Callable[[Path], Any]:
    return lambda instance_path: instance_path / name


CORE = Table(
    prefixes=("SUARA_", "INTEGRITY_", "RATELIMIT_", "KIOSK_", "RETENTION_"),
    settings=(
        Setting("DATABASE_URL",
                url("sqlite", "postgresql", "postgres", "postgresql+psycopg", host_needed=False,
                    password=True),
                lambda instance_path: f"sqlite:///{instance_path / 'suara.db'}",
                "a plain `postgresql://user@host/db` URL works",
                "postgresql://suara:rahasia@127.0.0.1:5432/suara",
                documented_default="sqlite:///instance/suara.db"),
        Setting("SECRET_KEY", TEXT, None,
                "required in production (32 characters at least); signs QR codes and "
                "sessions — rotating it invalidates printed codes",
                "k" * 48, secret=True,
                documented_default="generated once into instance/secret_key"),
        Setting("ENV_NAME", choice("development", "production"), "development",
                "`production` refuses to start without a real `SECRET_KEY` and sets secure "
                "cookies", "production", env="SUARA_ENV"),
        Setting("BASE_URL", url("http", "https", strip_slash=True), "http://127.0.0.1:8000",
                "the public address printed in QR codes", "https://survei.kotasukamaju.go.id"),
        Setting("TIMEZONE", TIMEZONE, "Asia/Jakarta",
                "the default zone; each unit may carry its own (WITA, WIT)", "Asia/Makassar"),
        Setting("SERVICE_HOURS", SERVICE_HOURS_KIND, DEFAULT_SERVICE_HOURS,
                "the default service hours (ISO weekdays, 1 = Monday); a unit may carry its "
                "own", "1-5: 07:30-15:30; 6: 08:00-12:00"),
        Setting("REDIS_URL", url("redis", "rediss", "unix", host_needed=False, password=True),
                None, "rate-limit counters in Redis, shared by every machine (needed with "
                "more than one)", "redis://127.0.0.1:6379/0"),
        Setting("RATELIMIT_STORAGE_URI",
                url("redis", "rediss", "unix", "memory", "memcached", "mongodb",
                    host_needed=False, password=True),
                None, "a Flask-Limiter storage URI that wins over `REDIS_URL` and "
                "`RATELIMIT_FILE` (`memory://` keeps counters per worker)", "memory://"),
        Setting("RATELIMIT_FILE", PATH, _instance_file("ratelimit.db"),
                "without `REDIS_URL`: the rate-limit counters, shared by the workers of this "
                "machine", "/var/lib/suara/ratelimit.db",
                documented_default="instance/ratelimit.db"),
        Setting("RATELIMIT_KEY_PREFIX", TEXT, "suara",
                "the prefix of every rate-limit key (two deployments sharing one Redis use two "
                "prefixes)", "suara-kota"),
        Setting("RATELIMIT_ENABLED", BOOL, True, "`false` switches rate limits off (load tests "
                "only)", "false"),
        Setting("RATELIMIT_DEVICE", RATE_LIMIT, "10/minute;60/hour",
                "rating submissions per phone ([integrity.md](integrity.md))", "20/minute"),
        Setting("RATELIMIT_KIOSK", RATE_LIMIT, "60/minute", "rating submissions per kiosk tablet",
                "120/minute"),
        Setting("RATELIMIT_ADDRESS", RATE_LIMIT, "120/minute;3000/hour",
                "rating submissions per network address", "240/minute"),
        Setting("RATELIMIT_ANONYMOUS", RATE_LIMIT, "10/minute;60/hour",
                "submissions showing no known device, together per address", "5/minute"),
        Setting("RATELIMIT_NEW_DEVICE", RATE_LIMIT, "30/minute;300/hour",
                "new phone device cookies per address", "60/minute"),
        Setting("TRUSTED_PROXIES", whole(0), 0,
                "how many reverse proxies set `X-Forwarded-For`/`-Proto`; 0 trusts no header",
                "1"),
        Setting("SESSION_HOURS", whole(1, "of hours"), 12,
                "how long a staff sign-in lasts; signing out ends it on the server "
                "([privacy.md](privacy.md))", "8"),
        Setting("SESSION_COOKIE_SECURE", BOOL, False,
                "send cookies over HTTPS only (always on in production)", "true"),
        Setting("LOGIN_MAX_FAILURES", whole(1), 5,
                "failed sign-ins in a row that lock an account", "3"),
        Setting("LOGIN_LOCK_MINUTES", whole(1, "of minutes"), 15,
                "how long a locked account stays locked", "30"),
        Setting("KIOSK_IDLE_SECONDS", whole(1, "of seconds"), 45,
                "a kiosk clears half-finished answers after this long", "60"),
        Setting("KIOSK_MIN_INTERVAL_SECONDS", whole(0, "of seconds"), 5,
                "a kiosk rating closer than this to the previous one is kept but flagged", "8"),
        Setting("CLOCK_SKEW_SECONDS", whole(0, "of seconds"), 300,
                "how far a client's clock may be ahead of the server's", "120"),
        Setting("MAX_RATING_AGE_DAYS", whole(1, "of days"), 30,
                "how old a queued rating may be when it arrives", "14"),
        Setting("COMMENT_MAX_LENGTH", whole(1, "of characters"), 1000,
                "the longest comment a citizen may write", "500"),
        Setting("COMPLAINT_DUE_WORKING_DAYS", whole(1, "of days"), 5,
                "working days to follow up a complaint (weekends and loaded holidays skipped)",
                "3"),
        Setting("INTEGRITY_BURST_COUNT", whole(1), 10,
                "more ratings than this from one kiosk or network within "
                "`INTEGRITY_BURST_MINUTES` are flagged ([integrity.md](integrity.md))", "20"),
        Setting("INTEGRITY_BURST_MINUTES", whole(1, "of minutes"), 10,
                "the window of a burst", "15"),
        Setting("INTEGRITY_REPEAT_COUNT", whole(1), 3,
                "the same answers this many times within `INTEGRITY_REPEAT_MINUTES` are "
                "flagged", "4"),
        Setting("INTEGRITY_REPEAT_MINUTES", whole(1, "of minutes"), 10,
                "the window of a repeat", "20"),
        Setting("SERVICE_HOURS_GRACE_MINUTES", whole(0, "of minutes"), 30,
                "minutes either side of a service period that still count as inside", "15"),
        Setting("RETENTION_MONTHS", whole(1, "of months"), 12,
                "when `purge` removes contact details and address hashes "
                "([privacy.md](privacy.md))", "6"),
        Setting("TEXT_RETENTION_MONTHS", whole(0, "of months"), 0,
                "when `purge` blanks comment text; 0 keeps it", "24"),
    ),
    # Read once as a plain variable: a deployment still setting it must not fall back,
    # silently, to development mode.
    retired={"ENV_NAME": "set SUARA_ENV instead (development or production)"},
)

# Flask's and its extensions' own settings: fixed by the code, not deployment choices.
FIXED: dict[str, Any] = {
    "BABEL_DEFAULT_LOCALE": "id",
    "LANGUAGES": ["id", "en"],
    # The citizen form may sit open on a phone for a while; the kiosk posts through the
    # token-free device API, so it never depends on a CSRF token's age.
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "MAX_CONTENT_LENGTH": 64 * 1024,
}


def settings_of(tables: Iterable[Table]) -> list[Setting]:
    return [setting for table in tables for setting in table.settings]


def defaults(instance_path: Path, tables: Iterable[Table] = ()) -> dict[str, Any]:
    config = dict(FIXED)
    for setting in settings_of((CORE, *tables)):
        config[setting.key] = setting.default_for(instance_path)
    return config


def from_environment(environ: Mapping[str, str], tables: Iterable[Table] = ()) -> dict[str, Any]:
    """The values the environment sets; a malformed value, a retired variable or an unknown
    one with a known prefix raises ``ConfigurationError`` naming the variable."""
    tables = (CORE, *tables)
    known = {setting.variable: setting for setting in settings_of(tables)}
    retired = {name: reason for table in tables for name, reason in table.retired.items()}
    prefixes = tuple(prefix for table in tables for prefix in table.prefixes)
    problems = []
    for name in sorted(environ):
        if name in retired and environ[name]:
            problems.append(f"{name} is no longer used: {retired[name]}.")
        elif name not in known and name.startswith(prefixes):
            problems.append(f"{name} is not a setting of Suara Layanan (a typo? "
                            "docs/configuration.md lists them all).")
    found: dict[str, Any] = {}
    for name, setting in known.items():
        text = environ.get(name)
        if not text:
            continue  # an empty variable leaves the default
        try:
            found[setting.key] = setting.kind.parse(text)
        except ValueError:
            shown = MASK if setting.secret else repr(text)
            problems.append(f"{name}={shown} is malformed: expected {setting.kind.expected}.")
    if problems:
        raise ConfigurationError(" ".join(problems))
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


def build(instance_path: Path, overrides: dict[str, Any] | None, environ=None,
          tables: Iterable[Table] = ()) -> dict[str, Any]:
    """Defaults → environment → overrides, for core's table and the areas' ``tables``.
    ``SETTINGS_SOURCES`` records, per variable, the setting and where its value came from."""
    tables = tuple(tables)
    config = defaults(instance_path, tables)
    environment = from_environment(os.environ if environ is None else environ, tables)
    config.update(environment)
    config.update(overrides or {})
    sources = {}
    for setting in settings_of((CORE, *tables)):
        source = ("override" if setting.key in (overrides or {})
                  else "environment" if setting.key in environment else "default")
        sources[setting.variable] = (setting, source)
    config["SETTINGS_SOURCES"] = sources
    config["DATABASE_URL"] = normalise_database_url(config["DATABASE_URL"])
    if config["ENV_NAME"] == "production":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    if not isinstance(config["SESSION_HOURS"], int) or config["SESSION_HOURS"] < 1:
        raise ConfigurationError("SESSION_HOURS must be a whole number of hours, at least 1.")
    ensure_secret_key(config, instance_path)
    return config


def effective(config: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(variable, source, value as printed) of every setting, secrets masked."""
    return [(variable, source, setting.show(config.get(setting.key)))
            for variable, (setting, source) in config["SETTINGS_SOURCES"].items()]


def markdown_table(settings: Iterable[Setting]) -> str:
    """The table of docs/configuration.md (``flask config docs`` prints it)."""
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for s in settings:
        default = s.default_text()
        if s.default is not None and not s.documented_default.startswith(("unset", "generated")):
            default = f"`{default}`"
        lines.append(f"| `{s.variable}` | {s.kind.expected} | {default} | {s.doc} |")
    return "\n".join(lines)
