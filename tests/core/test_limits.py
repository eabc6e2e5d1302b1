"""Rate limits on the survey page and the ratings API: per device and, looser, per address;
429 with a message in Bahasa Indonesia; in memory or in Redis; off only by RATELIMIT_ENABLED."""

from __future__ import annotations

import secrets
import uuid

import pytest

from core import limits, settings
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def token(db_session, factory):
    return token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)


def rating(token: str) -> dict:
    return {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4, "U7": 3}}


def phone(app, address="10.1.2.3"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie(limits.DEVICE_COOKIE, secrets.token_urlsafe(18))
    return client


def limited_app(make_app, **overrides):
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_DEVICE": "3/minute",
              "RATELIMIT_ADDRESS": "100/minute", "RATELIMIT_KEY_PREFIX": secrets.token_hex(6)}
    return make_app(**{**config, **overrides})


def test_a_device_sending_too_many_ratings_gets_a_429_in_bahasa_indonesia(make_app, token):
    app = limited_app(make_app)
    client = phone(app)
    statuses = [client.post("/api/v1/ratings", json=rating(token)).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = client.post("/api/v1/ratings", json=rating(token))
    assert refused.status_code == 429
    assert refused.json["error"] == "rate_limited"
    assert "Terlalu banyak penilaian" in refused.json["message"]
    assert int(refused.headers["Retry-After"]) > 0


def test_other_phones_behind_the_same_address_keep_rating(make_app, token):
    app = limited_app(make_app)
    first = phone(app)
    for _ in range(3):
        first.post("/api/v1/ratings", json=rating(token))
    assert first.post("/api/v1/ratings", json=rating(token)).status_code == 429
    neighbour = phone(app)  # same office address, another phone
    assert neighbour.post("/api/v1/ratings", json=rating(token)).status_code == 201


def test_a_whole_address_has_its_own_looser_limit(make_app, token):
    app = limited_app(make_app, RATELIMIT_ADDRESS="5/minute")
    statuses = [phone(app).post("/api/v1/ratings", json=rating(token)).status_code
                for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    elsewhere = phone(app, address="10.9.9.9")
    assert elsewhere.post("/api/v1/ratings", json=rating(token)).status_code == 201


def test_a_client_without_a_device_cookie_meets_only_the_address_limit(make_app, token):
    app = limited_app(make_app)
    client = app.test_client(use_cookies=False)  # a script that ignores the cookie we set
    statuses = [client.post("/api/v1/ratings", json=rating(token)).status_code for _ in range(5)]
    assert statuses == [201] * 5


def test_the_survey_page_post_is_limited_too_with_an_html_message(make_app, token):
    app = limited_app(make_app, RATELIMIT_DEVICE="1/minute")
    client = phone(app)
    form = {"rating_id": str(uuid.uuid4()), "U1": "4"}
    assert client.post(f"/s/{token}", data=form).status_code == 303
    again = client.post(f"/s/{token}", data={**form, "rating_id": str(uuid.uuid4())})
    assert again.status_code == 429
    assert again.mimetype == "text/html"
    assert "Terlalu banyak penilaian" in again.get_data(as_text=True)


def test_opening_the_survey_page_is_not_counted_and_gives_the_phone_a_device_cookie(
    make_app, token
):
    app = limited_app(make_app, RATELIMIT_DEVICE="1/minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/s/{token}").status_code == 200
    cookie = client.get_cookie(limits.DEVICE_COOKIE)
    assert cookie is not None and len(cookie.value) >= 20
    assert cookie.http_only and cookie.same_site == "Lax"
    fresh = app.test_client().get(f"/s/{token}")
    assert limits.DEVICE_COOKIE in fresh.headers["Set-Cookie"]


def test_a_kiosk_is_known_by_its_credential_and_has_its_own_limit(make_app):
    app = limited_app(make_app, RATELIMIT_KIOSK="30/minute")
    with app.test_request_context(headers={"Authorization": "Device abc"}):
        kiosk_a, limit = limits.device_key(), limits.device_limit()
    with app.test_request_context(headers={"Authorization": "Device xyz"}):
        kiosk_b = limits.device_key()
    with app.test_request_context():
        anonymous = limits.device_key()
    assert kiosk_a.startswith("kiosk:") and kiosk_a != kiosk_b
    assert limit == "30/minute"
    assert anonymous.startswith("addr:")


def test_keys_hold_no_address_or_credential_in_clear(make_app):
    app = limited_app(make_app)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.168.7.42"},
                                  headers={"Authorization": "Device secret-credential"}):
        keys = [limits.address_key(), limits.device_key()]
    assert not any("192.168" in key or "secret-credential" in key for key in keys)


def test_limits_are_off_when_ratelimit_enabled_is_false(make_app, token):
    app = limited_app(make_app, RATELIMIT_ENABLED=False)
    client = phone(app)
    assert {client.post("/api/v1/ratings", json=rating(token)).status_code
            for _ in range(6)} == {201}


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


def test_with_redis_the_count_is_shared_by_every_worker(make_app, token, redis_client):
    prefix = "test-" + secrets.token_hex(6)
    worker_a = limited_app(make_app, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    worker_b = limited_app(make_app, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    assert worker_a.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    device = secrets.token_urlsafe(18)
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


def test_without_redis_url_the_storage_is_in_memory(make_app):
    assert limited_app(make_app).config["RATELIMIT_STORAGE_URI"] == "memory://"
