"""Retention: contact details and address hashes go after RETENTION_MONTHS, free text only when
TEXT_RETENTION_MONTHS is set; `flask purge --dry-run` only counts. Core asks each area for
its purge step (the survey area registers the one over ratings and comments)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.models import AuditEntry
from core.retention import months_before, purge, registered_steps
from survey.models import Comment, Rating

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("months", "expected"),
    [(1, datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),
     (12, datetime(2025, 3, 31, 12, 0, tzinfo=UTC)),
     (15, datetime(2024, 12, 31, 12, 0, tzinfo=UTC)),
     (25, datetime(2024, 2, 29, 12, 0, tzinfo=UTC))],
)
def test_months_before_counts_calendar_months(months, expected):
    assert months_before(NOW, months) == expected


@pytest.fixture
def steps(app):
    return registered_steps(app)


def test_the_survey_area_registers_its_purge_with_the_counts_it_prints(steps):
    survey_steps = [step for step in steps if step.name == "survey"]
    assert len(survey_steps) == 1
    assert set(survey_steps[0].labels) == {"contacts", "client_hashes", "texts",
                                           "personal_texts"}


def test_without_any_area_step_a_purge_blanks_nothing(db_session, old_and_new):
    old, _ = old_and_new
    result = purge(db_session, [], months=12, text_months=6, now=NOW)
    assert result.counts == {}
    db_session.expire_all()
    assert db_session.get(Comment, old.id).contact == "0812-0000-1111"


@pytest.fixture
def old_and_new(factory):
    def make(moment, text):
        rating = factory.rating(submitted_at=moment, client_hash="a" * 32)
        return factory.comment(rating, kind="complaint", category="antrean", text=text,
                               status="selesai", contact="0812-0000-1111", contact_consent=True,
                               created_at=moment)

    old = make(datetime(2025, 1, 10, 3, 0, tzinfo=UTC), "Antrean lama tahun lalu")
    new = make(datetime(2026, 3, 1, 3, 0, tzinfo=UTC), "Antrean lama bulan ini")
    return old, new


def test_old_contacts_and_address_hashes_are_removed_and_recent_ones_kept(db_session, old_and_new,
                                                                         steps):
    old, new = old_and_new
    result = purge(db_session, steps, months=12, now=NOW)
    assert (result.counts["contacts"], result.counts["client_hashes"],
            result.counts["texts"]) == (1, 1, 0)
    db_session.expire_all()
    assert db_session.get(Comment, old.id).contact is None
    assert db_session.get(Rating, old.rating_id).client_hash is None
    assert db_session.get(Comment, old.id).text == "Antrean lama tahun lalu"  # text kept
    assert db_session.get(Comment, old.id).category == "antrean"  # trends unchanged
    assert db_session.get(Comment, new.id).contact == "0812-0000-1111"
    assert db_session.get(Rating, new.rating_id).client_hash == "a" * 32


def test_free_text_goes_only_when_its_own_retention_is_set(db_session, old_and_new, steps):
    old, new = old_and_new
    result = purge(db_session, steps, months=12, text_months=6, now=NOW)
    assert result.counts["texts"] == 1
    db_session.expire_all()
    assert db_session.get(Comment, old.id).text == ""
    assert db_session.get(Comment, new.id).text == "Antrean lama bulan ini"


def test_a_dry_run_counts_and_changes_nothing(db_session, old_and_new, steps):
    old, _ = old_and_new
    result = purge(db_session, steps, months=12, text_months=6, now=NOW, dry_run=True)
    assert (result.counts["contacts"], result.counts["client_hashes"],
            result.counts["texts"]) == (1, 1, 1)
    db_session.expire_all()
    assert db_session.get(Comment, old.id).contact == "0812-0000-1111"


def test_purge_command_dry_run_prints_counts_and_keeps_data(runner, db_session, factory):
    rating = factory.rating(submitted_at=datetime(2020, 1, 6, 3, 0, tzinfo=UTC),
                            client_hash="b" * 32)
    comment = factory.comment(rating, kind="complaint", category="biaya", text="Diminta uang",
                              status="baru", contact="warga@contoh.id", contact_consent=True,
                              created_at=rating.received_at)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Kontak akan dihapus: 1" in result.output
    assert "RETENTION_MONTHS=12" in result.output
    db_session.expire_all()
    assert db_session.get(Comment, comment.id).contact == "warga@contoh.id"

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Kontak dihapus: 1" in result.output
    db_session.expire_all()
    assert db_session.get(Comment, comment.id).contact is None
    assert db_session.get(Rating, rating.id).client_hash is None
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge")).one()
    assert entry.actor == "cli" and entry.detail["contacts"] == 1


def test_purge_command_help(runner):
    result = runner.invoke(args=["purge", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output
