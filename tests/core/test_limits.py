"""Rate limits on the survey page and the ratings API: per device and, looser, per address;
a strict shared limit for requests that show no known device; invented device credentials
refused; 429 with a message in Bahasa Indonesia; counters shared by every worker (a file on
one machine, or Redis); off only by RATELIMIT_ENABLED."""

from __future__ import annotations

import hashlib
import secrets
import uuid

import pytest

from core import limit_storage, limits, settings
from kiosk.models import KioskDevice
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def token(db_session, factory):
    return token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)


def rating(token: str) -> dict:
    return {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4, "U7": 3}}


def signed_cookie(app) -> str:
    with app.test_request_context():
        return limits.new_device_cookie()


def phone(app, address="10.1.2.3"):
    """A phone that opened the survey page once and keeps the device cookie it got."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie(limits.DEVICE_COOKIE, signed_cookie(app))
    return client


@pytest.fixture
def limited_app(make_app, tmp_path):
    def build(**overrides):
        config = {"RATELIMIT_ENABLED": True, "RATELIMIT_DEVICE": "3/minute",
                  "RATELIMIT_ADDRESS": "100/minute", "RATELIMIT_ANONYMOUS": "2/minute",
                  "RATELIMIT_KEY_PREFIX": secrets.token_hex(6),
                  "RATELIMIT_FILE": tmp_path / "ratelimit.db"}
        return make_app(**{**config, **overrides})

    return build


def test_a_device_sending_too_many_ratings_gets_a_429_in_bahasa_indonesia(limited_app, token):
    app = limited_app()
    client = phone(app)
    statuses = [client.post("/api/v1/ratings", json=rating(token)).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = client.post("/api/v1/ratings", json=rating(token))
    assert refused.status_code == 429
    assert refused.json["error"] == "rate_limited"
    assert "Terlalu banyak penilaian" in refused.json["message"]
    assert int(refused.headers["Retry-After"]) > 0


def test_other_phones_behind_the_same_address_keep_rating(limited_app, token):
    app = limited_app()
    first = phone(app)
    for _ in range(3):
        first.post("/api/v1/ratings", json=rating(token))
    assert first.post("/api/v1/ratings", json=rating(token)).status_code == 429
    neighbour = phone(app)  # same office address, another phone
    assert neighbour.post("/api/v1/ratings", json=rating(token)).status_code == 201


def test_a_whole_address_has_its_own_looser_limit(limited_app, token):
    app = limited_app(RATELIMIT_ADDRESS="5/minute")
    statuses = [phone(app).post("/api/v1/ratings", json=rating(token)).status_code
                for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    elsewhere = phone(app, address="10.9.9.9")
    assert elsewhere.post("/api/v1/ratings", json=rating(token)).status_code == 201


def test_clients_without_a_device_cookie_share_a_strict_limit_per_address(limited_app, token):
    app = limited_app()
    scripts = [app.test_client(use_cookies=False) for _ in range(3)]  # they drop our cookie
    statuses = [script.post("/api/v1/ratings", json=rating(token)).status_code
                for script in scripts]
    assert statuses == [201, 201, 429]
    elsewhere = app.test_client(use_cookies=False)
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert elsewhere.post("/api/v1/ratings", json=rating(token)).status_code == 201


def test_an_invented_device_cookie_is_no_device_at_all(limited_app, token):
    app = limited_app()
    statuses = []
    for _ in range(3):
        client = app.test_client()
        invented = secrets.token_urlsafe(16) + "." + secrets.token_urlsafe(16)[:22]
        client.set_cookie(limits.DEVICE_COOKIE, invented)
        statuses.append(client.post("/api/v1/ratings", json=rating(token)).status_code)
    assert statuses == [201, 201, 429]  # the anonymous limit, not three fresh devices
    old_style = app.test_client()
    old_style.set_cookie(limits.DEVICE_COOKIE, secrets.token_urlsafe(18))
    assert old_style.post("/api/v1/ratings", json=rating(token)).status_code == 429


@pytest.mark.parametrize("path", ["/api/v1/ratings", "/kiosk/api/ratings"])
def test_an_invented_device_credential_is_refused_and_counts_nothing(limited_app, token, path):
    app = limited_app(RATELIMIT_ADDRESS="3/minute")
    for _ in range(5):
        response = app.test_client().post(
            path, json=rating(token), headers={"Authorization": f"Device {secrets.token_hex(8)}"})
        assert response.status_code == 401
        assert response.json["error"] == "device_unknown"
    assert phone(app).post("/api/v1/ratings", json=rating(token)).status_code == 201


def test_new_device_cookies_per_address_are_limited(limited_app, token):
    app = limited_app(RATELIMIT_NEW_DEVICE="2/minute")
    given = [limits.DEVICE_COOKIE in app.test_client().get(f"/s/{token}").headers.get(
        "Set-Cookie", "") for _ in range(3)]
    assert given == [True, True, False]
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert limits.DEVICE_COOKIE in elsewhere.get(f"/s/{token}").headers["Set-Cookie"]


def test_the_cookie_a_phone_is_given_makes_it_a_device(limited_app, token):
    app = limited_app()
    client = app.test_client()
    client.get(f"/s/{token}")
    statuses = [client.post("/api/v1/ratings", json=rating(token)).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]  # the device limit (3), not the anonymous one


def test_the_survey_page_post_is_limited_too_with_an_html_message(limited_app, token):
    app = limited_app(RATELIMIT_DEVICE="1/minute")
    client = phone(app)
    form = {"rating_id": str(uuid.uuid4()), "U1": "4"}
    assert client.post(f"/s/{token}", data=form).status_code == 303
    again = client.post(f"/s/{token}", data={**form, "rating_id": str(uuid.uuid4())})
    assert again.status_code == 429
    assert again.mimetype == "text/html"
    assert "Terlalu banyak penilaian" in again.get_data(as_text=True)


def test_opening_the_survey_page_is_not_counted_and_gives_the_phone_a_device_cookie(
    limited_app, token
):
    app = limited_app(RATELIMIT_DEVICE="1/minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/s/{token}").status_code == 200
    cookie = client.get_cookie(limits.DEVICE_COOKIE)
    assert cookie is not None and len(cookie.value) >= 20
    assert cookie.http_only and cookie.same_site == "Lax"
    fresh = app.test_client().get(f"/s/{token}")
    assert limits.DEVICE_COOKIE in fresh.headers["Set-Cookie"]


def test_a_kiosk_is_known_by_its_credential_and_has_its_own_limit(limited_app, factory,
                                                                   db_session):
    app = limited_app(RATELIMIT_KIOSK="2/minute", RATELIMIT_DEVICE="1/minute")
    counter = factory.counter()
    credential = secrets.token_urlsafe(32)
    db_session.add(KioskDevice(counter=counter,
                               credential_hash=hashlib.sha256(credential.encode()).hexdigest()))
    db_session.flush()
    kiosk = app.test_client(use_cookies=False)
    body = {"answers": {"U1": 4}}
    statuses = [kiosk.post("/kiosk/api/ratings", json={**body, "id": str(uuid.uuid4())},
                           headers={"Authorization": f"Device {credential}"}).status_code
                for _ in range(3)]
    assert statuses == [201, 201, 429]
    with app.test_request_context(headers={"Authorization": "Device abc"}):
        kiosk_a, limit = limits.device_key(), limits.device_limit()
    with app.test_request_context(headers={"Authorization": "Device xyz"}):
        kiosk_b = limits.device_key()
    with app.test_request_context():
        anonymous = limits.device_key()
    assert kiosk_a.startswith("kiosk:") and kiosk_a != kiosk_b
    assert limit == "2/minute"
    assert anonymous.startswith("anon:")


def test_keys_hold_no_address_or_credential_in_clear(limited_app):
    app = limited_app()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.168.7.42"},
                                  headers={"Authorization": "Device secret-credential"}):
        keys = [limits.address_key(), limits.device_key()]
    assert not any("192.168" in key or "secret-credential" in key for key in keys)


def test_limits_are_off_when_ratelimit_enabled_is_false(limited_app, token):
    app = limited_app(RATELIMIT_ENABLED=False)
    client = phone(app)
    assert {client.post("/api/v1/ratings", json=rating(token)).status_code
            for _ in range(6)} == {201}


def test_with_limits_off_no_limit_wraps_a_view_and_no_device_cookie_is_handed_out(
    limited_app, token
):
    app = limited_app(RATELIMIT_ENABLED=False)
    anonymous = app.test_client()
    answer = anonymous.post("/api/v1/ratings", json=rating(token))
    assert answer.status_code == 201
    assert limits.DEVICE_COOKIE not in answer.headers.get("Set-Cookie", "")
    assert not any(name.startswith("X-RateLimit") for name in answer.headers.keys())
    # The cookie keys counts nobody keeps while the limits are off; with them on it is given.
    on = limited_app().test_client().post("/api/v1/ratings", json=rating(token))
    assert limits.DEVICE_COOKIE in on.headers["Set-Cookie"]


def test_with_limits_off_an_unknown_tablet_credential_is_still_refused(limited_app, token):
    app = limited_app(RATELIMIT_ENABLED=False)
    answer = app.test_client().post("/api/v1/ratings", json=rating(token),
                                    headers={"Authorization": "Device made-up-credential"})
    assert answer.status_code == 401


def test_the_environment_variable_switches_them_off_and_they_are_on_by_default(tmp_path):
    off = settings.build(tmp_path, {"SECRET_KEY": "x" * 40}, environ={"RATELIMIT_ENABLED": "false"})
    on = settings.build(tmp_path, {"SECRET_KEY": "x" * 40}, environ={})
    assert off["RATELIMIT_ENABLED"] is False
    assert on["RATELIMIT_ENABLED"] is True


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at " + REDIS_URL)
    yield client
    client.close()


def test_with_redis_the_count_is_shared_by_every_worker(limited_app, token, redis_client):
    prefix = "test-" + secrets.token_hex(6)
    worker_a = limited_app(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    worker_b = limited_app(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    assert worker_a.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    device = signed_cookie(worker_a)
    statuses = []
    for app in (worker_a, worker_b, worker_a, worker_b):
        client = app.test_client()
        client.set_cookie(limits.DEVICE_COOKIE, device)
        statuses.append(client.post("/api/v1/ratings", json=rating(token)).status_code)
    assert statuses == [201, 201, 201, 429]
    keys = [key.decode() for key in redis_client.scan_iter(f"*{prefix}*")]
    assert keys, "the counters live in Redis"
    assert not any("127.0.0.1" in key or device in key for key in keys)
    redis_client.delete(*keys)


def test_without_redis_the_count_is_shared_by_the_workers_of_the_machine(limited_app, token,
                                                                          tmp_path):
    shared = tmp_path / "shared-limits.db"
    prefix = secrets.token_hex(6)
    worker_a = limited_app(RATELIMIT_FILE=shared, RATELIMIT_KEY_PREFIX=prefix)
    worker_b = limited_app(RATELIMIT_FILE=shared, RATELIMIT_KEY_PREFIX=prefix)
    assert worker_a.config["RATELIMIT_STORAGE_URI"] == limit_storage.storage_uri(shared)
    device = signed_cookie(worker_a)
    statuses = []
    for app in (worker_a, worker_b, worker_a, worker_b):
        client = app.test_client()
        client.set_cookie(limits.DEVICE_COOKIE, device)
        statuses.append(client.post("/api/v1/ratings", json=rating(token)).status_code)
    assert statuses == [201, 201, 201, 429]
    assert shared.exists()


def test_the_default_store_is_a_file_in_the_instance_folder(tmp_path):
    config = settings.build(tmp_path, {"SECRET_KEY": "x" * 40}, environ={})
    assert limits.storage_uri(config) == f"suara-sqlite:///{tmp_path.resolve()}/ratelimit.db"
    with_redis = settings.build(tmp_path, {"SECRET_KEY": "x" * 40},
                                environ={"REDIS_URL": REDIS_URL})
    assert limits.storage_uri(with_redis) == REDIS_URL


def test_the_file_store_counts_windows_and_starts_again_when_one_ends(tmp_path):
    store = limit_storage.SQLiteStorage(limit_storage.storage_uri(tmp_path / "c.db"))
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3 and store.get("other") == 0
    assert store.get_expiry("k") > 0
    assert store.incr("gone", -1) == 1  # a window already over
    assert store.incr("gone", 60) == 1  # starts again
    store.clear("k")
    assert store.get("k") == 0 and store.check()
