"""`flask --app wsgi demo-data`: a demo city that looks like the real thing, loaded once."""

from __future__ import annotations

import random
from collections import Counter as Tally
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

import demo
from core.auth import verify_password
from core.models import Counter, Department, Officer, Shift, Unit, User
from core.nip import validate_nip
from core.workdays import due_date
from kiosk.models import KioskDevice
from survey.elements import ELEMENT_CODES
from survey.models import Comment, ComplaintEvent, Rating
from survey.schema import CommentInput, RatingInput, RespondentInput
from survey.services import active_questionnaire, shift_at
from tests.conftest import bind_to

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(app):
    """The demo loaded once for this module, inside a transaction rolled back at the end."""
    engine = app.extensions["db"].engine
    with engine.connect() as connection:
        outer = connection.begin()
        original = bind_to(app, connection)
        try:
            first = app.test_cli_runner().invoke(args=["demo-data"])
            assert first.exit_code == 0, first.output
            session = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")()
            yield first.output, session, app
            session.close()
        finally:
            app.extensions["db"].sessionmaker = original
            outer.rollback()


@pytest.fixture(scope="module")
def session(loaded):
    return loaded[1]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def unit(session, code) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == code)).one()


def ikm(session, *conditions) -> float:
    """A simple IKM: the mean of the element means × 25 (what skm.md defines)."""
    means = session.execute(
        select(*[func.avg(getattr(Rating, code.lower())) for code in ELEMENT_CODES])
        .where(*conditions)
    ).one()
    return sum(float(m) for m in means) / len(means) * 25


def test_the_command_prints_the_demo_accounts_and_ends_with_a_survey_link(loaded):
    output = loaded[0]
    for username in ("admin", "kadis.kesehatan", "kapus.sukamaju", "petugas.siti"):
        assert username in output
    assert demo.PASSWORD in output
    assert output.strip().splitlines()[-1].startswith("http://suara.test/s/")


def test_the_survey_link_it_prints_opens_the_survey(loaded):
    output, _session, app = loaded
    link = output.strip().splitlines()[-1].removeprefix("http://suara.test")
    page = app.test_client().get(link)
    assert page.status_code == 200
    assert "Puskesmas Suka Maju" in page.get_data(as_text=True)


def test_running_it_again_changes_nothing(loaded):
    _output, session, app = loaded
    models = (Department, Unit, Counter, Officer, Shift, Rating, Comment, ComplaintEvent, User,
              KioskDevice)
    before = {model: count(session, model) for model in models}
    again = app.test_cli_runner().invoke(args=["demo-data"])
    assert again.exit_code == 0, again.output
    assert "sudah ada" in again.output
    assert {model: count(session, model) for model in models} == before
    # The link printed the second time is the same code: nothing reissued.
    assert again.output.strip().splitlines()[-1] == loaded[0].strip().splitlines()[-1]


def test_the_city_has_a_few_departments_units_counters_and_months_of_ratings(session):
    assert count(session, Department) == 4
    units = session.scalars(select(Unit)).all()
    assert len(units) == 7
    assert all(2 <= len(u.counters) <= 4 for u in units)
    assert 20_000 <= count(session, Rating) <= 40_000
    first, last = session.execute(select(func.min(Rating.service_day),
                                         func.max(Rating.service_day))).one()
    assert (last - first).days >= 100
    assert {u.department.code for u in units} == {code for code, _ in demo.DEPARTMENTS}


def test_puskesmas_of_the_health_department_and_a_unit_in_wita(session):
    health = session.scalars(select(Department).where(Department.code == "SM-DINKES")).one()
    assert sum(u.name.startswith("Puskesmas") for u in health.units) == 2
    assert "Asia/Makassar" in {u.timezone for u in session.scalars(select(Unit))}


def test_every_officer_nip_is_valid_and_one_officer_has_only_an_employee_id(session):
    officers = session.scalars(select(Officer)).all()
    with_nip = [o for o in officers if o.nip]
    assert all(validate_nip(o.nip) == o.nip for o in with_nip)
    without = [o for o in officers if not o.nip]
    assert len(without) == 1 and without[0].employee_id


def test_most_units_are_in_category_b_with_one_in_a(session):
    scores = {u.code: ikm(session, Rating.unit_id == u.id) for u in session.scalars(select(Unit))}
    assert 76.61 <= scores["DKC-KANTOR"] <= 88.30
    in_b = [code for code, score in scores.items() if 76.61 <= score < 88.31]
    in_a = [code for code, score in scores.items() if score >= 88.31]
    assert len(in_b) >= 4 and in_a


def test_waiting_time_and_facilities_are_weakest_and_the_fee_strongest(session):
    means = dict(zip(ELEMENT_CODES, session.execute(
        select(*[func.avg(getattr(Rating, code.lower())) for code in ELEMENT_CODES])).one(),
        strict=True))
    ranked = sorted(means, key=means.get)
    assert set(ranked[:2]) == {"U3", "U9"}
    assert ranked[-1] == "U4"


def test_one_unit_improved_after_its_complaint_was_followed_up(session):
    improving = unit(session, demo.IMPROVING_UNIT)
    today = max(session.scalars(select(Rating.service_day).where(Rating.unit_id == improving.id)))
    turn = today - timedelta(days=demo.FOLLOW_UP_DAYS_AGO)
    before = ikm(session, Rating.unit_id == improving.id, Rating.service_day < turn)
    after = ikm(session, Rating.unit_id == improving.id,
                Rating.service_day > turn + timedelta(days=14))
    assert after - before > 5
    followed = session.scalars(
        select(ComplaintEvent).join(Comment).where(Comment.unit_id == improving.id,
                                                   ComplaintEvent.to_status == "ditindaklanjuti",
                                                   Comment.category == "sarana")
    ).first()
    assert followed is not None and followed.note
    # Followed up by someone who may: the health department's head (no supervisor account
    # exists for this puskesmas).
    assert followed.user_id == session.scalars(
        select(User.id).where(User.username == "kadis.kesehatan")).one()


def test_a_few_officers_have_fewer_than_thirty_ratings(session):
    per_officer = dict(session.execute(
        select(Officer.id, func.count(Rating.id)).outerjoin(Rating, Rating.officer_id == Officer.id)
        .group_by(Officer.id)).all())
    few = [n for n in per_officer.values() if 0 < n < 30]
    assert few
    assert sum(n >= 30 for n in per_officer.values()) >= 15


def test_ratings_belong_to_the_shift_covering_their_moment_as_record_rating_would(session):
    ids = session.scalars(select(Rating.id).where(Rating.counter_id.is_not(None))).all()
    for rating_id in random.Random(7).sample(ids, 60):
        rating = session.get(Rating, rating_id)
        shift = shift_at(session, rating.counter_id, rating.submitted_at)
        assert rating.shift_id == (shift.id if shift else None)
        assert rating.officer_id == (shift.officer_id if shift else None)
    # Now and then an officer forgot to sign in: those ratings count for the unit only.
    assert session.scalar(select(func.count()).where(Rating.officer_id.is_(None))) > 0


def test_ratings_fall_in_service_hours_with_weekday_and_hour_rhythms(session):
    rows = session.execute(select(Rating.submitted_at, Unit.timezone, Unit.service_hours)
                           .join(Unit, Unit.id == Rating.unit_id)).all()
    weekdays, hours = Tally(), Tally()
    for moment, zone, service_hours in rows:
        local = moment.astimezone(ZoneInfo(zone))
        intervals = service_hours[str(local.isoweekday())]
        clock = local.strftime("%H:%M")
        assert any(start <= clock < end for start, end in intervals), (local, intervals)
        weekdays[local.isoweekday()] += 1
        hours[local.hour] += 1
    assert 7 not in weekdays
    assert weekdays[1] > weekdays[3] > weekdays[5] > weekdays[6]
    assert hours[10] > hours[12] and hours[10] > hours[15]


def test_every_rating_names_the_questionnaire_it_answered(session):
    questionnaire = active_questionnaire(session)
    named = dict(session.execute(select(Rating.questionnaire_id, func.count())
                                 .group_by(Rating.questionnaire_id)).all())
    assert named == {questionnaire.id: count(session, Rating)}


def test_each_rating_carries_the_digest_of_what_the_citizen_sent(session):
    rating = session.scalars(select(Rating).join(Comment).where(
        Rating.gender.is_not(None)).limit(1)).one()
    comment = rating.comment
    sent = RatingInput(
        id=rating.id, token=None, answers=rating.answers(),
        comment=CommentInput(comment.kind, comment.text, comment.category),
        respondent=RespondentInput(rating.gender, rating.age_band, rating.education,
                                   rating.occupation, rating.service_type),
    )
    assert rating.body_digest == sent.digest()


def test_comments_speak_indonesian_and_complaints_have_categories_and_due_dates(session, app):
    kinds = dict(session.execute(select(Comment.kind, func.count()).group_by(Comment.kind)).all())
    assert set(kinds) == {"praise", "complaint", "suggestion", "question"}
    complaints = session.scalars(select(Comment).where(Comment.kind == "complaint")).all()
    assert all(c.category and c.element for c in complaints if c.category != "lainnya")
    assert any("antre" in c.text.lower() for c in complaints)
    sample = complaints[0]
    zone = ZoneInfo(sample.rating.unit.timezone)
    assert sample.due_on == due_date(session, sample.rating.submitted_at.astimezone(zone).date(),
                                     app.config["COMPLAINT_DUE_WORKING_DAYS"])
    statuses = {c.status for c in complaints}
    assert {"baru", "selesai"} <= statuses
    assert all(c.resolved_at for c in complaints if c.status == "selesai")


def test_the_busiest_counters_have_a_tablet_beside_the_qr_code(session):
    channels = dict(session.execute(select(Rating.channel, func.count()).group_by(Rating.channel))
                    .all())
    assert set(channels) == {"qr", "kiosk"} and channels["qr"] > channels["kiosk"]
    kiosk_ratings = session.scalars(select(Rating).where(Rating.channel == "kiosk")).all()
    assert {r.counter.code for r in kiosk_ratings} == set(demo.KIOSKS)
    assert all(r.kiosk_device_id and r.qr_code_id is None for r in kiosk_ratings)
    devices = {d.counter_id: d.id for d in session.scalars(select(KioskDevice))}
    assert all(devices[r.counter_id] == r.kiosk_device_id for r in kiosk_ratings)
    # The tablet sends the moment it was tapped; its digest covers it.
    rating = kiosk_ratings[0]
    sent = RatingInput(id=rating.id, token=None, answers=rating.answers(),
                       comment=(CommentInput(rating.comment.kind, rating.comment.text,
                                             rating.comment.category)
                                if rating.comment else None),
                       submitted_at=rating.submitted_at)
    assert rating.body_digest == sent.digest()


def test_some_ratings_carry_a_respondent_profile(session):
    with_profile = session.scalar(select(func.count()).where(Rating.gender.is_not(None)))
    assert 0.2 < with_profile / count(session, Rating) < 0.6


def test_one_counter_had_a_suspicious_burst_that_is_flagged(session):
    flagged = session.scalars(select(Rating).where(Rating.flags.is_not(None))).all()
    assert len(flagged) >= 20
    assert {r.counter.code for r in flagged} == {demo.BURST_COUNTER}
    assert len({r.client_hash for r in flagged}) == 1
    span = max(r.submitted_at for r in flagged) - min(r.submitted_at for r in flagged)
    assert span < timedelta(minutes=10)


def test_there_is_a_demo_account_for_every_role_with_the_published_password(session):
    users = {u.username: u for u in session.scalars(select(User))}
    assert users["admin"].role == "admin"
    assert users["kadis.kesehatan"].role == "head"
    assert users["kadis.kesehatan"].department.code == "SM-DINKES"
    assert users["kapus.sukamaju"].role == "supervisor"
    assert users["kapus.sukamaju"].unit.code == "PKM-SUKAMAJU"
    siti = users["petugas.siti"]
    assert siti.role == "officer" and siti.officer.unit.code == "PKM-SUKAMAJU"
    for name in ("admin", "kadis.kesehatan", "kapus.sukamaju", "petugas.siti"):
        assert verify_password(users[name].password_hash, demo.PASSWORD)
        assert not verify_password(users[name].password_hash, "salah")


def test_the_demo_comments_exercise_every_tag_and_mask(session):
    from survey import comment_text
    from survey.models import CommentReview, CommentTag

    tagged = dict(session.execute(select(CommentTag.tag, func.count())
                                  .where(CommentTag.present.is_(True))
                                  .group_by(CommentTag.tag)).all())
    assert set(tagged) == {"spam", "kasar", "mendesak", "petugas", "pujian"}
    assert all(n >= 3 for n in tagged.values()), tagged
    # Every comment was tagged when the demo was loaded.
    assert count(session, CommentReview) == count(session, Comment)
    texts = session.scalars(select(Comment.text)).all()
    kinds = {span.kind for text in texts for span in comment_text.find_pii(text)}
    assert {"phone", "nik", "email", "plate", "account"} <= kinds
    assert any(comment_text.find_profanity(text) for text in texts)
    assert any("anjing liar" in text for text in texts)  # the innocent look-alike


def test_the_demo_ends_folded_and_counted_once(session):
    from analytics.fold import pending
    from analytics.models import CommentDaily, DailyAggregate

    assert not pending(session)
    assert session.scalar(select(func.sum(DailyAggregate.ratings))) == count(session, Rating)
    assert session.scalar(select(func.sum(CommentDaily.count))) == count(session, Comment)
