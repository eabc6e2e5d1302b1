"""The citizen survey page at /s/<token>: what a citizen sees and what is stored."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from survey import tokens
from survey.models import Comment, Rating
from survey.services import current_code, revoke_code, token_for
from tests.conftest import TEST_SECRET

SCRIPT = "<script>alert(1)</script>"


class Page(HTMLParser):
    """Just enough of the DOM for these tests: elements by id, with their text."""

    VOID = {"input", "meta", "link", "br", "img", "hr", "source", "area", "base", "col", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if element["attrs"].get("id"):
            self.by_id[element["attrs"]["id"]] = element
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def text(self, element_id: str) -> str:
        return " ".join(self.by_id[element_id]["text"].split())

    def checked(self, name: str) -> str | None:
        for element in self.elements:
            attrs = element["attrs"]
            if element["tag"] == "input" and attrs.get("name") == name and "checked" in attrs:
                return attrs.get("value")
        return None


@pytest.fixture
def token(counter_token):
    return counter_token


def url(token: str) -> str:
    return f"/s/{token}"


def answers(**overrides) -> dict:
    form = {"rating_id": str(uuid.uuid4()), "U1": "4", "U2": "3", "U3": "2", "U7": "4"}
    form.update(overrides)
    return form


def ratings(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Rating))


# --- what the citizen sees ----------------------------------------------------------------


def test_the_page_shows_the_unit_the_counter_and_the_officer_on_shift(client, factory, db_session):
    shift = factory.shift()
    shift.officer.name = "Siti Rahmawati"
    shift.counter.label = "Loket Pendaftaran"
    shift.counter.unit.name = "Puskesmas Suka Maju"
    db_session.flush()
    page = client.get(url(token_for(current_code(db_session, counter=shift.counter), TEST_SECRET)))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Puskesmas Suka Maju" in html and "Loket Pendaftaran" in html
    assert re.search(r"Anda dilayani oleh\s*<strong>Siti Rahmawati</strong>", html)


def test_an_officers_own_code_names_the_officer(client, factory, db_session):
    officer = factory.officer(name="Ahmad Fauzi, S.H.")
    page = client.get(url(token_for(current_code(db_session, officer=officer), TEST_SECRET)))
    assert re.search(r"Anda dilayani oleh\s*<strong>Ahmad Fauzi, S.H.</strong>",
                     page.get_data(as_text=True))


def test_without_an_officer_on_shift_the_page_names_nobody(client, token):
    html = client.get(url(token)).get_data(as_text=True)
    assert "Anda dilayani oleh" not in html


def test_the_page_asks_the_nine_elements_in_indonesian_with_their_answer_wording(client, token):
    page = Page(client.get(url(token)).get_data(as_text=True))
    assert page.by_id["q-U3"]["text"].count("Tidak cepat") == 1
    assert "Sangat cepat" in page.text("q-U3")
    assert "Gratis" in page.text("q-U4")
    assert "kecepatan waktu" in page.text("q-U3")
    assert all(f"q-U{n}" in page.by_id for n in range(1, 10))


def test_the_english_switch_shows_the_questions_in_english(client, token):
    page = Page(client.get(url(token) + "?lang=en").get_data(as_text=True))
    assert "How fast was the service?" in page.text("q-U3")
    assert "Very fast" in page.text("q-U3")
    assert page.elements[0]["tag"] == "html" and page.elements[0]["attrs"]["lang"] == "en"


def test_the_page_and_its_stylesheets_weigh_under_50_kb(client, token):
    response = client.get(url(token))
    html = response.get_data(as_text=True)
    weight = len(response.data)
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        css = client.get(href)
        assert css.status_code == 200
        weight += len(css.data)
        css.close()
    assert weight < 50 * 1024, f"{weight} bytes"


def test_the_page_works_without_javascript(client, token):
    html = client.get(url(token)).get_data(as_text=True)
    page = Page(html)
    forms = [e for e in page.elements if e["tag"] == "form"]
    assert len(forms) == 1
    assert forms[0]["attrs"]["method"] == "post"
    assert forms[0]["attrs"]["action"] == url(token)
    assert any(e["tag"] == "button" and e["attrs"].get("type") == "submit" for e in page.elements)
    assert "<script" not in html  # nothing the form depends on


def test_every_answer_and_field_has_a_label(client, token):
    html = client.get(url(token)).get_data(as_text=True)
    page = Page(html)
    label_for = {e["attrs"]["for"] for e in page.elements
                 if e["tag"] == "label" and "for" in e["attrs"]}
    for element in page.elements:
        attrs = element["attrs"]
        if element["tag"] in ("select", "textarea") or (
                element["tag"] == "input" and attrs.get("type") in ("text", None)):
            assert attrs.get("id") in label_for, attrs
    # Radio buttons sit inside their label, in a fieldset whose legend is the question.
    assert html.count('<label class="answer') == 9 * 4
    assert html.count("<legend>") >= 9


# --- submitting ---------------------------------------------------------------------------


def test_a_valid_submission_is_stored_as_a_qr_rating_and_thanks_the_citizen(
        client, token, db_session, counter):
    form = answers(comment_kind="praise", comment_text="Petugas ramah dan cepat.",
                   gender="P", age_band="30-39")
    response = client.post(url(token), data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/{token}/terima-kasih")
    rating = db_session.get(Rating, uuid.UUID(form["rating_id"]))
    assert rating.channel == "qr"
    assert rating.answers() == {"U1": 4, "U2": 3, "U3": 2, "U7": 4}
    assert (rating.unit_id, rating.counter_id) == (counter.unit_id, counter.id)
    assert (rating.gender, rating.age_band) == ("P", "30-39")
    assert rating.comment.kind == "praise"
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Terima kasih atas penilaian Anda" in thanks
    assert counter.unit.name in thanks


def test_a_double_submit_of_the_same_form_is_stored_once_with_a_friendly_message(
        client, token, db_session):
    form = answers()
    first = client.post(url(token), data=form)
    second = client.post(url(token), data=form)
    assert first.status_code == second.status_code == 303
    assert ratings(db_session) == 1
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "sudah kami terima" in page
    assert "tidak kami hitung dua kali" in page


def test_validation_errors_are_shown_next_to_their_field_with_422(client, token, db_session):
    response = client.post(url(token), data=answers(U3="7", comment_kind="complaint",
                                                    comment_text="Antrean lama sekali."))
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert "1 sampai 4" in page.text("U3-error")
    assert "has-error" in page.by_id["q-U3"]["attrs"]["class"]
    assert page.by_id["q-U3"]["attrs"]["aria-describedby"] == "U3-error"
    assert "kategori" in page.text("comment_category-error").lower()
    category = page.by_id["comment_category"]["attrs"]
    assert category["aria-invalid"] == "true"
    assert category["aria-describedby"] == "comment_category-error"
    # A summary at the top says what to fix and links to each field.
    summary = [e for e in page.elements if e["tag"] == "div" and e["attrs"].get("role") == "alert"]
    assert len(summary) == 1
    links = [e["attrs"]["href"] for e in page.elements if e["tag"] == "a"
             and e["attrs"].get("href", "").startswith("#") and e["attrs"]["href"] != "#main"]
    assert links == ["#q-U3", "#comment_category"]
    assert "Pertanyaan 3" in summary[0]["text"]
    # The citizen's other answers are still there.
    assert page.checked("U1") == "4" and page.checked("U7") == "4"
    assert "Antrean lama sekali." in page.text("comment_text")
    assert ratings(db_session) == 0


def test_a_form_with_no_answer_at_all_asks_for_one(client, token, db_session):
    response = client.post(url(token), data={"rating_id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "setidaknya satu" in response.get_data(as_text=True)
    assert ratings(db_session) == 0


def test_a_comment_with_markup_is_stored_verbatim_and_echoed_escaped(client, token, db_session):
    invalid = client.post(url(token), data=answers(comment_kind="complaint", comment_text=SCRIPT))
    assert invalid.status_code == 422
    html = invalid.get_data(as_text=True)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    form = answers(comment_kind="complaint", comment_category="perilaku", comment_text=SCRIPT)
    assert client.post(url(token), data=form).status_code == 303
    comment = db_session.scalars(select(Comment)).one()
    assert comment.text == SCRIPT
    assert comment.status == "baru" and comment.due_on is not None


# --- CSRF -----------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_keeps_the_answers(make_app, token,
                                                                         db_session):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post(url(token), data=answers(comment_kind="suggestion",
                                                    comment_text="Tambah kursi tunggu."))
    assert response.status_code == 400
    assert ratings(db_session) == 0
    page = Page(response.get_data(as_text=True))
    assert page.checked("U1") == "4" and page.checked("U3") == "2"
    assert page.checked("comment_kind") == "suggestion"
    assert "Tambah kursi tunggu." in page.text("comment_text")
    assert "tekan Kirim sekali lagi" in response.get_data(as_text=True)


def test_a_post_with_the_pages_csrf_token_is_accepted(make_app, token, db_session):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = Page(client.get(url(token)).get_data(as_text=True))
    form = answers(csrf_token=page.by_id["csrf_token"]["attrs"]["value"],
                   rating_id=page.by_id["rating_id"]["attrs"]["value"])
    assert client.post(url(token), data=form).status_code == 303
    assert ratings(db_session) == 1


# --- codes that cannot be used ----------------------------------------------------------------


def test_a_revoked_code_shows_a_clear_page_with_403(client, db_session, counter):
    code = current_code(db_session, counter=counter)
    revoke_code(db_session, code)
    db_session.flush()
    response = client.get(url(token_for(code, TEST_SECRET)))
    assert response.status_code == 403
    assert "sudah tidak berlaku" in response.get_data(as_text=True)
    assert client.post(url(token_for(code, TEST_SECRET)), data=answers()).status_code == 403
    assert ratings(db_session) == 0


def test_an_unknown_code_shows_a_clear_page_with_404(client):
    response = client.get(url(tokens.sign(TEST_SECRET, "NoSuchCode12")))
    assert response.status_code == 404
    assert "tidak kami kenal" in response.get_data(as_text=True)


def test_a_tampered_code_shows_a_clear_page_with_403(client, token):
    public_id, signature = token.split(".")
    # Change the signature's first character (the last one carries padding bits, so changing
    # it may decode to the same bytes).
    forged = f"{public_id}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    response = client.get(url(forged))
    assert response.status_code == 403
    assert "tidak sah" in response.get_data(as_text=True)


def test_error_pages_for_codes_are_in_english_when_asked(client):
    response = client.get(url(tokens.sign(TEST_SECRET, "NoSuchCode12")) + "?lang=en")
    assert response.status_code == 404
    assert '<html lang="en">' in response.get_data(as_text=True)
