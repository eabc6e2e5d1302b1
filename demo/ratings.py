"""The demo's ratings: answers drawn around each unit's quality (weekday and hour rhythms,
officers' skill, the unit that improved, a burst on one counter), the comments citizens
leave, and complaints followed up as offices do. Every row is made by
``survey.services.rating_row``, as a live rating is."""

from __future__ import annotations

import math
import uuid
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import Officer
from demo.city import (
    BURST_COUNTER,
    BURST_DAYS_AGO,
    ELEMENT_OFFSET,
    FOLLOW_UP_DAYS_AGO,
    HOUR_LOAD,
    IMPROVING_UNIT,
    KIOSK_SHARE,
    UNITS,
    WEEKDAY_LOAD,
    UnitSpec,
    minute_of_day,
)
from demo.texts import (
    COMPLAINTS,
    ELEMENT_CATEGORY,
    FOLLOW_UP_NOTES,
    PRAISE,
    PRAISE_NAMED,
    QUESTIONS,
    SUGGESTIONS,
    TAG_EXAMPLES,
)
from kiosk.models import KioskDevice
from survey.elements import ELEMENT_CODES, OFFICER_ELEMENTS
from survey.models import Comment, ComplaintEvent, Rating
from survey.schema import CommentInput, RatingInput, RespondentInput
from survey.services import comment_for, rating_row


@lru_cache(maxsize=512)
def _cumulative(mean_hundredths: int) -> tuple[float, ...]:
    """Cumulative weights over answers 1–4 centred on ``mean`` (a rounded normal)."""
    mean = mean_hundredths / 100
    weights = [math.exp(-((k - mean) ** 2) / (2 * 0.55**2)) for k in (1, 2, 3, 4)]
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return tuple(out)


class RatingSteps:
    """The builder's steps that make ratings and comments (``demo.Builder`` holds the state)."""

    def _quality(self, spec: UnitSpec, day: date) -> tuple[float, dict[str, float]]:
        extra = dict(spec.extra)
        quality = spec.quality
        if spec.code == IMPROVING_UNIT:
            today = self.now.astimezone(ZoneInfo(spec.timezone)).date()
            days_after = (day - (today - timedelta(days=FOLLOW_UP_DAYS_AGO))).days
            # Waiting room and queue were the complaint; after the follow-up they recover
            # over two weeks, and the whole unit with them.
            progress = min(max(days_after / 14, 0.0), 1.0)
            quality = 3.05 + 0.45 * progress
            extra = {"U3": -0.35 + 0.3 * progress, "U9": -0.5 + 0.45 * progress}
        return quality, extra

    def _day_minutes(self, spec: UnitSpec, day: date) -> tuple[list[int], list[float]]:
        minutes, weights = [], []
        for start, end in spec.hours[str(day.isoweekday())]:
            for minute in range(minute_of_day(start), minute_of_day(end) - 5):
                minutes.append(minute)
                weights.append(HOUR_LOAD.get(minute // 60, 0.3))
        return minutes, weights

    def _answers(self, quality: float, extra: dict, skill: float, mood: float) -> dict[str, int]:
        answers = {}
        for code in ELEMENT_CODES:
            mean = quality + ELEMENT_OFFSET[code] + extra.get(code, 0.0) + mood
            if code in OFFICER_ELEMENTS:
                mean += skill
            mean = min(max(mean, 1.0), 4.3)
            value = self.rng.choices((1, 2, 3, 4), cum_weights=_cumulative(round(mean * 100)))[0]
            answers[code] = value
        # Some citizens skip an element they cannot judge (U8 most of all).
        if self.rng.random() < 0.12:
            answers.pop("U8")
        return answers

    def _comment(self, answers: dict[str, int], officer: Officer | None) -> CommentInput | None:
        rng = self.rng
        mean = sum(answers.values()) / len(answers)
        lowest = min(answers, key=lambda code: (answers[code], ELEMENT_OFFSET[code]))
        if mean < 2.7 or answers[lowest] == 1:
            if rng.random() > 0.4:
                return None
            category = ELEMENT_CATEGORY[lowest]
            if category == "prosedur" and rng.random() < 0.5:
                category = "sistem"
            roll = rng.random()
            if roll < 0.75:
                return CommentInput("complaint", rng.choice(COMPLAINTS[category]), category)
            if roll < 0.95:
                category = category if category in SUGGESTIONS else "lainnya"
                return CommentInput("suggestion", SUGGESTIONS[category], category)
            return CommentInput("question", rng.choice(QUESTIONS))
        if mean >= 3.5:
            if rng.random() > 0.12:
                return None
            if rng.random() < 0.85:
                if officer is not None and rng.random() < 0.5:
                    first = officer.name.split(",")[0].split(". ")[-1].split()[0]
                    honorific = "Bu" if officer.nip and officer.nip[14] == "2" else "Pak"
                    text = rng.choice(PRAISE_NAMED).format(name=f"{honorific} {first}")
                    return CommentInput("praise", text[0].upper() + text[1:])
                return CommentInput("praise", rng.choice(PRAISE))
            return CommentInput("suggestion", SUGGESTIONS["lainnya"], "lainnya")
        if rng.random() < 0.05:
            roll = rng.random()
            if roll < 0.5:
                category = rng.choice(("antrean", "sarana", "persyaratan"))
                return CommentInput("suggestion", SUGGESTIONS[category], category)
            if roll < 0.8:
                return CommentInput("question", rng.choice(QUESTIONS))
            return CommentInput("praise", rng.choice(PRAISE))
        return None

    def _respondent(self, spec: UnitSpec) -> RespondentInput:
        rng = self.rng
        if rng.random() > 0.4:
            return RespondentInput()
        return RespondentInput(
            gender=rng.choice(("L", "P")),
            age_band=rng.choices(("<20", "20-29", "30-39", "40-49", "50-59", "60+"),
                                 (4, 24, 28, 22, 14, 8))[0],
            education=rng.choices(("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2-S3"),
                                  (8, 14, 42, 12, 21, 3))[0],
            occupation=rng.choices(("pns", "tni-polri", "swasta", "wiraswasta", "pelajar",
                                    "lainnya"), (8, 3, 30, 28, 12, 19))[0],
            service_type=rng.choice(spec.services) if rng.random() < 0.7 else None,
        )

    def _ratings(self, plan) -> tuple[list[dict], list[dict]]:
        rng = self.rng
        ratings: list[dict] = []
        comments: list[dict] = []
        volumes = {code: volume for spec in UNITS for code, _label, volume in spec.counters}
        minute_cache: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
        burst_counter = self.counters[BURST_COUNTER]
        for spec, day, counter, shift, skill in plan:
            unit = self.units[spec.code]
            key = (spec.code, day.isoweekday())
            if key not in minute_cache:
                minute_cache[key] = self._day_minutes(spec, day)
            minutes, weights = minute_cache[key]
            expected = volumes[counter.code] * WEEKDAY_LOAD[day.isoweekday()]
            count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
            quality, extra = self._quality(spec, day)
            officer = shift.officer if shift is not None else None
            for minute in sorted(rng.choices(minutes, weights, k=count)):
                moment = self._local(spec, day, minute) + timedelta(seconds=rng.randint(0, 59))
                if moment > self.now:
                    break
                answers = self._answers(quality, extra, skill, rng.gauss(0, 0.3))
                comment = self._comment(answers, officer)
                kiosk = self.kiosks.get(counter.id)
                if kiosk is not None and rng.random() < KIOSK_SHARE:
                    # The tablet asks no profile and sends the moment it was tapped.
                    self._add(ratings, comments, unit, counter, shift, moment, answers,
                              comment, RespondentInput(), client=None, kiosk=kiosk)
                    continue
                self._add(ratings, comments, unit, counter, shift, moment, answers,
                          comment, self._respondent(spec), client=f"{rng.getrandbits(128):032x}")
            if counter is burst_counter and shift is not None and day == self._burst_day(spec):
                self._burst(ratings, comments, spec, unit, counter, shift, day)
        self.result.ratings = len(ratings)
        self.result.comments = len(comments)
        self.echo(f"  {len(ratings)} penilaian, {len(comments)} komentar")
        return ratings, comments

    def _burst_day(self, spec: UnitSpec) -> date:
        today = self.now.astimezone(ZoneInfo(spec.timezone)).date()
        day = today - timedelta(days=BURST_DAYS_AGO)
        while day.isoweekday() > 4:
            day -= timedelta(days=1)
        return day

    def _burst(self, ratings, comments, spec, unit, counter, shift, day) -> None:
        """24 perfect ratings from one phone within seven minutes: what integrity checks
        exist to catch. Kept, flagged, out of the officer's component until cleared."""
        start = self._local(spec, day, 14 * 60 + 5)
        client = f"{self.rng.getrandbits(128):032x}"
        for n in range(24):
            moment = start + timedelta(seconds=n * 17 + self.rng.randint(0, 5))
            comment = CommentInput("praise", "Pelayanan sangat memuaskan.") if n % 6 == 0 else None
            self._add(ratings, comments, unit, counter, shift, moment,
                      dict.fromkeys(ELEMENT_CODES, 4), comment, RespondentInput(),
                      client=client, flags="burst,repeat")

    def _tag_example(self, comment: CommentInput, shift) -> CommentInput:
        """Every n-th comment of a kind (and category) becomes one of TAG_EXAMPLES."""
        key = (comment.kind, comment.category)
        if key not in TAG_EXAMPLES:
            key = (comment.kind, None)
        if key not in TAG_EXAMPLES:
            return comment
        every, texts = TAG_EXAMPLES[key]
        seen = self.example_counts.get(key, 0) + 1
        self.example_counts[key] = seen
        if seen % every:
            return comment
        text = texts[(seen // every) % len(texts)]
        if "{name}" in text:
            officer = self.session.get(Officer, shift.officer_id) if shift is not None else None
            if officer is None:
                return comment
            first = officer.name.split(",")[0].split(". ")[-1].split()[0]
            title = "Bu" if officer.nip and officer.nip[14] == "2" else "Pak"
            text = text.format(name=f"{title} {first}")
        return CommentInput(comment.kind, text, comment.category)

    def _add(self, ratings, comments, unit, counter, shift, moment, answers, comment,
             respondent, *, client, flags=None, kiosk: KioskDevice | None = None) -> None:
        if comment is not None:
            comment = self._tag_example(comment, shift)
        rating_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        data = RatingInput(id=rating_id, token=None, answers=answers, comment=comment,
                           respondent=respondent, submitted_at=moment if kiosk else None)
        received = moment + timedelta(seconds=self.rng.randint(1, 20))
        row = rating_row(
            rating_id, unit, answers,
            channel="kiosk" if kiosk else "qr",
            questionnaire_id=self.questionnaire_id,
            submitted_at=moment,
            received_at=received,
            body_digest=data.digest(),
            respondent=respondent,
            counter_id=counter.id,
            officer_id=shift.officer_id if shift is not None else None,
            qr_code_id=None if kiosk else self.codes[counter.id],
            kiosk_device_id=kiosk.id if kiosk else None,
            client_hash=client,
        )
        # Attributed and assessed here already (the history a city would have): folded, and
        # counted when the load rebuilds analytics' aggregates.
        row.update(shift_id=shift.id if shift is not None else None, flags=flags,
                   flags_cleared_at=None, flags_cleared_by=None, folded_at=self.now)
        ratings.append(row)
        if comment is not None:
            # The same comment record_rating would make (status and due date included), from
            # a stand-in rating that never enters the session.
            stand_in = Rating(id=rating_id, unit_id=unit.id, officer_id=row["officer_id"],
                              received_at=received)
            made = comment_for(self.session, stand_in, data, row["service_day"],
                               self.due_working_days)
            comments.append({
                "rating_id": rating_id,
                "unit_id": made.unit_id,
                "officer_id": made.officer_id,
                "kind": made.kind,
                "text": made.text,
                "category": made.category,
                "element": made.element,
                "status": made.status,
                "due_on": made.due_on,
                "contact": made.contact,
                "contact_consent": made.contact_consent,
                "created_at": made.created_at,
                "resolved_at": None,
                "assignee_id": None,
            })

    # follow-up, inserting ----------------------------------------------------------------

    def _follow_up(self, comments: list[dict]) -> list[tuple[dict, list[tuple]]]:
        """Older complaints were mostly handled; recent ones are still open. Returns the
        status steps taken, to record as complaint events."""
        rng = self.rng
        steps = []
        for comment in comments:
            if comment["status"] is None:
                continue
            age = (self.now - comment["created_at"]).days
            roll = rng.random()
            path: list[str] = []
            # Most offices close most complaints within the five working days; a few
            # stall, and those are what the overdue list is for.
            done = ["diproses", "ditindaklanjuti", "selesai"]
            if age > 7:
                path = (done if roll < 0.9 else ["diproses", "ditindaklanjuti"] if roll < 0.96
                        else [])
            elif age > 2:
                path = (done if roll < 0.5 else ["diproses", "ditindaklanjuti"] if roll < 0.75
                        else ["diproses"] if roll < 0.9 else [])
            if comment["unit_id"] == self.units[IMPROVING_UNIT].id and comment["category"] in (
                    "antrean", "sarana") and age > FOLLOW_UP_DAYS_AGO:
                path = ["diproses", "ditindaklanjuti", "selesai"]
            if not path:
                continue
            events = []
            previous = "baru"
            at = comment["created_at"]
            for status in path:
                at = min(at + timedelta(hours=rng.randint(4, 60)), self.now)
                note = None
                if status == "ditindaklanjuti":
                    note = FOLLOW_UP_NOTES.get(comment["category"] or "",
                                               "Sudah disampaikan kepada petugas dan atasan.")
                events.append((previous, status, at, note))
                previous = status
            comment["status"] = previous
            if previous == "selesai":
                comment["resolved_at"] = at
            steps.append((comment, events))
        return steps


    def _insert(self, ratings: list[dict], comments: list[dict]) -> None:
        session = self.session
        steps = self._follow_up(comments)
        handlers = {unit.id: self._handler(unit.id) for unit in self.units.values()}
        for comment, _path in steps:
            comment["assignee_id"] = handlers[comment["unit_id"]]
        # Core executemany on the session's connection: the ORM's bulk path compiles one
        # multi-row VALUES per batch, several times slower on PostgreSQL for 20,000 rows.
        connection = session.connection()
        for start in range(0, len(ratings), 5000):
            connection.execute(Rating.__table__.insert(), ratings[start:start + 5000])
        for start in range(0, len(comments), 5000):
            connection.execute(Comment.__table__.insert(), comments[start:start + 5000])
        if steps:
            ids = dict(session.execute(
                select(Comment.rating_id, Comment.id).where(
                    Comment.unit_id.in_([u.id for u in self.units.values()]),
                    Comment.status.is_not(None))
            ).all())
            events = [
                {"comment_id": ids[comment["rating_id"]], "at": at,
                 "user_id": handlers[comment["unit_id"]],
                 "action": "status", "from_status": old, "to_status": new, "note": note}
                for comment, path in steps
                for old, new, at, note in path
            ]
            connection.execute(ComplaintEvent.__table__.insert(), events)

    # accounts -----------------------------------------------------------------------------
