"""Password and PIN hashes: argon2's default cost in every real app, the cheapest cost in
TESTING apps (so fixtures that make users stay fast), and a hash of either cost verifies
under both, since a hash carries its own parameters."""

from __future__ import annotations

import argon2
from argon2 import PasswordHasher

from core.auth import TESTING_HASH_PARAMETERS, hash_password, stand_in_hash, verify_password

DEFAULTS = PasswordHasher()


def parameters(password_hash: str) -> tuple[int, int, int]:
    found = argon2.extract_parameters(password_hash)
    return found.time_cost, found.memory_cost, found.parallelism


def test_a_real_app_hashes_at_argon2s_default_cost(make_app):
    production = make_app(TESTING=False)
    with production.app_context():
        made = hash_password("rahasia-yang-panjang-123")
    assert parameters(made) == (DEFAULTS.time_cost, DEFAULTS.memory_cost, DEFAULTS.parallelism)
    assert DEFAULTS.memory_cost >= 64 * 1024  # not some cheap profile by accident


def test_outside_any_app_hashes_are_made_at_the_default_cost_too():
    made = hash_password("rahasia-yang-panjang-123")
    assert parameters(made) == (DEFAULTS.time_cost, DEFAULTS.memory_cost, DEFAULTS.parallelism)


def test_a_testing_app_hashes_at_the_cheapest_cost(app):
    with app.app_context():
        made = hash_password("rahasia-yang-panjang-123")
    assert parameters(made) == (TESTING_HASH_PARAMETERS["time_cost"],
                                TESTING_HASH_PARAMETERS["memory_cost"],
                                TESTING_HASH_PARAMETERS["parallelism"]) == (1, 8, 1)


def test_a_hash_of_either_cost_verifies_in_both_apps(app, make_app):
    production = make_app(TESTING=False)
    with app.app_context():
        cheap = hash_password("sandi-uji-0123")
    with production.app_context():
        dear = hash_password("sandi-uji-0123")
    for each in (app, production):
        with each.app_context():
            assert verify_password(cheap, "sandi-uji-0123")
            assert verify_password(dear, "sandi-uji-0123")
            assert not verify_password(cheap, "sandi-uji-0124")
            assert not verify_password(dear, "sandi-uji-0124")


def test_the_factorys_users_get_cheap_hashes_that_sign_in(factory, client):
    user = factory.user(password="sandi-pabrik-2026")
    assert parameters(user.password_hash) == (1, 8, 1)
    with client.application.app_context():
        assert verify_password(user.password_hash, "sandi-pabrik-2026")


def test_the_stand_in_hash_costs_what_the_apps_own_hashes_cost(app, make_app):
    production = make_app(TESTING=False)
    with app.app_context():
        assert parameters(stand_in_hash()) == (1, 8, 1)
    with production.app_context():
        assert parameters(stand_in_hash()) == parameters(DEFAULTS.hash("x"))
        assert not verify_password(stand_in_hash(), "")
