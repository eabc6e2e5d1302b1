"""The quality gate on the labelled comments (harness/data/comments_labelled.txt): the targets
the issue sets, measured as harness/comments_quality.py (and `python -m bench comments`)
measures them. Not a timing."""

from __future__ import annotations

from harness import comments_quality


def test_the_labelled_set_is_large_and_covers_every_tag_and_the_look_alikes():
    officers, items = comments_quality.load()
    assert len(items) >= 300
    assert len(officers) >= 5
    for tag in ("spam", "kasar", "mendesak", "petugas", "pujian"):
        assert sum(tag in item.tags for item in items) >= 25, tag
    assert sum(bool(item.pii) for item in items) >= 35
    untagged_innocent = [i for i in items if not i.tags and not i.pii and not i.profanity]
    assert len(untagged_innocent) >= 80


def test_masking_recall_on_personal_data_is_at_least_099():
    outcome = comments_quality.evaluate()
    assert outcome["masking"]["pii"]["recall"] >= 0.99, outcome["details"]["pii"]


def test_precision_on_kasar_and_mendesak_is_at_least_095():
    outcome = comments_quality.evaluate()
    assert outcome["tags"]["kasar"]["precision"] >= 0.95, outcome["details"]["tags"]["kasar"]
    assert outcome["tags"]["mendesak"]["precision"] >= 0.95, \
        outcome["details"]["tags"]["mendesak"]
    assert outcome["passed"]


def test_the_benchmark_reports_precision_and_recall_per_tag_and_for_masking():
    outcome = comments_quality.evaluate()
    assert set(outcome["tags"]) == {"spam", "kasar", "mendesak", "petugas", "pujian"}
    assert set(outcome["masking"]) == {"pii", "profanity"}
    text = comments_quality.report(outcome)
    for name in ("spam", "kasar", "mendesak", "petugas", "pujian", "mask pii"):
        assert name in text


def test_the_held_out_comments_are_labelled_in_the_same_format():
    _officers, items = comments_quality.load(comments_quality.HELD_OUT)
    assert len(items) >= 50
    assert all(item.tags or item.pii or not item.profanity for item in items)
