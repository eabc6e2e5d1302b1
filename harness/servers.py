"""What every benchmark, drill and end-to-end test needs: a throwaway database, a seeded
organisation with a QR token, and gunicorn (and the fold worker) serving an app on a free
loopback port. bench/ and tests/ (tests/support/live.py, databases.py) both import it, so a
server under test and a server under load are started the same way."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db import make_engine
from core.migrate import upgrade
from core.settings import ROOT, normalise_database_url

GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
SECRET_KEY = "bench-secret-key-long-enough-for-production-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_server_url() -> str | None:
    """The PostgreSQL server to make throwaway databases on, if one is configured."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


CONFIGURED = "configured"  # a drill's default engine: PostgreSQL if configured, else SQLite


def resolve_engine(server_url: str | None) -> tuple[str, str | None]:
    """``(engine name, PostgreSQL server url or None)`` for a drill's ``server_url``
    argument: None is SQLite, ``CONFIGURED`` the environment's choice."""
    if server_url == CONFIGURED:
        server_url = postgres_server_url()
    return ("postgresql" if server_url else "sqlite"), server_url


@contextmanager
def temporary_database(folder: Path, server_url: str | None = None,
                       prefix: str = "bench", migrate: bool = True) -> Iterator[str]:
    """A new database, migrated to head unless ``migrate=False``: a SQLite file in
    ``folder``, or (``server_url``) a PostgreSQL database created for the occasion and
    dropped afterwards."""
    if server_url is None:
        url = f"sqlite:///{folder / f'{prefix}-{secrets.token_hex(4)}.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    name = f"suara_{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            ), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@dataclass(frozen=True)
class Seeded:
    """The organisation a benchmark posts ratings to."""

    unit_id: int
    counter_id: int
    officer_id: int
    qr_code_id: int
    token: str


def seed(database_url: str, secret_key: str = SECRET_KEY, code: str = "BENCH") -> Seeded:
    """A department, a unit, a counter with an officer on shift, and the counter's QR token
    (``code`` names them: seed twice with two codes for two units)."""
    from core import services as organisation
    from core.models import utcnow
    from survey.services import active_questionnaire, current_code, token_for

    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            organisation.add_department(session, code, "Dinas Uji Beban")
            unit = organisation.add_unit(session, f"{code}-U", f"Unit Uji Beban {code}", code)
            counter = organisation.add_counter(session, f"{code}-L1", "Loket 1", f"{code}-U")
            officer = organisation.add_officer(session, f"{code}-P1", "Petugas Uji",
                                               f"{code}-U", has_nip=False)
            organisation.start_shift(session, officer, counter, now=utcnow() - timedelta(hours=1))
            active_questionnaire(session)
            current = current_code(session, counter=counter)
            session.commit()
            return Seeded(unit.id, counter.id, officer.id, current.id,
                          token_for(current, secret_key))
    finally:
        engine.dispose()


def count_ratings(database_url: str, unit_id: int | None = None) -> int:
    """Ratings stored (of one unit, if given)."""
    from survey.models import Rating

    engine = make_engine(database_url)
    statement = select(func.count()).select_from(Rating)
    if unit_id is not None:
        statement = statement.where(Rating.unit_id == unit_id)
    try:
        with Session(engine) as session:
            return session.scalar(statement) or 0
    finally:
        engine.dispose()


@dataclass
class Server:
    """gunicorn serving ``app`` (``module:variable``) on a free loopback port."""

    database_url: str
    app: str = "wsgi:app"
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    secret_key: str = SECRET_KEY
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    _log_file: object = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    control_socket: Path | None = None

    def command(self) -> list[str]:
        command = [str(GUNICORN), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--worker-class", self.worker_class,
                   "--threads", str(self.threads), "--backlog", "2048",
                   "--graceful-timeout", "5", "--timeout", "30"]
        if self.control_socket is not None:
            # gunicorn 27 opens a control socket at one default path: two servers on one
            # machine would share it, and stopping one would answer for the other.
            command += ["--control-socket", str(self.control_socket)]
        return [*command, self.app]

    def environment(self) -> dict[str, str]:
        env = _clean_environment()
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY=self.secret_key,
            BASE_URL=self.url,
            RATELIMIT_ENABLED="false",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self, log_dir: Path) -> Server:
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        if self.control_socket is None and has_control_socket_option():
            self.control_socket = socket_path(log_dir, f"gunicorn-{self.port}.ctl")
        self._log_file = log = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            self.wait_until_healthy()
        except BaseException:
            self.stop()  # a server that never came up is not left running (nor its log open)
            raise
        return self

    def wait_until_healthy(self, timeout: float = 90) -> None:
        # Returns as soon as /healthz answers, and at once if gunicorn exits: the timeout is
        # only reached by a server that is up but slow to boot. Four workers importing the
        # app on two busy cores (make test's two xdist workers, and other work) took longer
        # than 30 s in one run.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become healthy:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True)
        return [int(pid) for pid in out.stdout.split()]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the master and its live workers have used so far: what a
        request costs, whatever else the machine is doing."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        assert self.process is not None
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        _remove_socket(self.control_socket)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def has_control_socket_option() -> bool:
    """Whether this gunicorn has ``--control-socket`` (gunicorn 27 and later)."""
    global _CONTROL_SOCKET
    if _CONTROL_SOCKET is None:
        try:
            done = subprocess.run([str(GUNICORN), "--help"], capture_output=True, text=True,
                                  timeout=30)
            _CONTROL_SOCKET = "--control-socket" in done.stdout
        except (OSError, subprocess.SubprocessError):
            _CONTROL_SOCKET = False
    return _CONTROL_SOCKET


_CONTROL_SOCKET: bool | None = None


def socket_path(folder: Path, name: str) -> Path:
    """``folder/name``, or a short folder of its own when that is too long for a Unix socket
    (108 bytes, and pytest's folders are long)."""
    path = folder / name
    if len(str(path)) < 100:
        return path
    import tempfile

    return Path(tempfile.mkdtemp(prefix="suara-ctl-", dir="/tmp")) / name


def _remove_socket(path: Path | None) -> None:
    if path is None:
        return
    path.unlink(missing_ok=True)
    if path.parent.name.startswith("suara-ctl-"):
        shutil.rmtree(path.parent, ignore_errors=True)


# --- the fold (analytics.fold, ``flask --app wsgi fold``) ----------------------------------


def fold_available(database_url: str | None = None) -> bool:
    """Whether the app has the fold: ``analytics.fold`` and its ``flask --app wsgi fold``
    command. Without it (before the fold was built) the request path does the folding
    itself, and the benchmarks and drills skip what only a fold has."""
    global _FOLD
    if _FOLD is None:
        import importlib.util

        if importlib.util.find_spec("analytics.fold") is None:
            _FOLD = False
        else:
            env = {**_clean_environment(), "SECRET_KEY": SECRET_KEY,
                   "DATABASE_URL": database_url or "sqlite:///:memory:"}
            try:
                done = subprocess.run([str(FLASK), "--app", "wsgi", "fold", "--help"],
                                      cwd=ROOT, env=env, capture_output=True, text=True,
                                      timeout=60)
                _FOLD = done.returncode == 0 and "--once" in done.stdout
            except (OSError, subprocess.SubprocessError):
                _FOLD = False
    return _FOLD


_FOLD: bool | None = None


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("TEST_", "BENCH_", "DATABASE_URL"))}


@dataclass
class FoldWorker:
    """``flask --app wsgi fold``: the long-running fold worker of one host (a loop; exits on
    SIGTERM). ``once=True`` folds what is pending and exits."""

    database_url: str
    name: str = "fold"
    once: bool = False
    secret_key: str = SECRET_KEY
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    _log_file: object = None

    def command(self) -> list[str]:
        return [str(FLASK), "--app", "wsgi", "fold", *(["--once"] if self.once else [])]

    def start(self, log_dir: Path) -> FoldWorker:
        env = _clean_environment()
        env.update(DATABASE_URL=self.database_url, SECRET_KEY=self.secret_key,
                   PYTHONUNBUFFERED="1", **self.extra_env)
        if self._log_file is not None:  # started again after it was killed
            self._log_file.close()
        self.log_path = log_dir / f"{self.name}-{secrets.token_hex(3)}.log"
        self._log_file = log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def cpu_seconds(self) -> float:
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        """SIGKILL, as a host that loses power would (whatever batch it holds is rolled back)."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and wait; the exit status (None if it had to be killed)."""
        status = None
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                status = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        elif self.process is not None:
            status = self.process.returncode
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return status

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        status = self.process.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return status

    def __enter__(self) -> FoldWorker:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def fold_once(database_url: str, log_dir: Path, timeout: float = 300) -> tuple[int, str]:
    """``flask --app wsgi fold --once``: its exit status and output."""
    worker = FoldWorker(database_url, name="fold-once", once=True).start(log_dir)
    try:
        status = worker.wait(timeout)
    finally:
        worker.stop()
    return status, worker.log()
