"""The English catalogue: every message in the source has an English translation that keeps
its placeholders, and the pages visitors see really switch to English with ``?lang=en``."""

from __future__ import annotations

import json
import os
import re
import tempfile
from html import unescape

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.settings import ROOT
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET

TRANSLATIONS = ROOT / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
# The same keywords as the extraction command in docs/translations.md.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "ngettext:1,2"])}
UPDATE_COMMAND = (
    ".venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 "
    "-o translations/messages.pot . && .venv/bin/pybabel update -i translations/messages.pot "
    "-d translations --no-fuzzy-matching"
)
# %(name)s-style and %% placeholders, {name} fields and HTML tags must survive translation.
PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%|\{[^{}]*\}|</?[a-zA-Z][^>]*>"
)


def english_catalogue():
    with ENGLISH_PO.open("rb") as fh:
        return read_po(fh, locale="en")


def source_messages() -> dict[str, str]:
    """msgid → first location, extracted from the source now, as ``pybabel extract`` does."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def is_translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings) and not message.fuzzy


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_message_in_the_source_has_an_english_translation():
    catalogue = english_catalogue()
    untranslated = {
        msgid: where
        for msgid, where in source_messages().items()
        if catalogue.get(msgid) is None or not is_translated(catalogue.get(msgid))
    }
    assert not untranslated, (
        f"{len(untranslated)} message(s) have no English translation:\n"
        + "\n".join(f"  {where}: {msgid!r}" for msgid, where in sorted(untranslated.items()))
        + f"\nRun\n  {UPDATE_COMMAND}\nthen fill in their msgstr in {ENGLISH_PO.relative_to(ROOT)}"
        " (see docs/translations.md)."
    )


def test_no_english_translation_is_fuzzy_or_empty():
    catalogue = english_catalogue()
    unfinished = [m.id for m in catalogue if m.id and not is_translated(m)]
    assert not unfinished


def test_every_english_translation_keeps_the_placeholders_of_its_indonesian_message():
    mismatched = []
    for message in english_catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if placeholders(ids[0]) != placeholders(string) and (
                len(ids) == 1 or placeholders(ids[-1]) != placeholders(string)
            ):
                mismatched.append((message.id, string))
    assert not mismatched, "\n".join(f"{i!r} → {s!r}" for i, s in mismatched)


def test_the_placeholder_check_notices_a_dropped_or_renamed_placeholder():
    assert placeholders("Kontak paling panjang %(max)d karakter.") != placeholders(
        "Contacts can be at most 60 characters long."
    )
    assert placeholders("Petugas %(name)s ditambahkan.") != placeholders("Officer %(nama)s added.")
    assert placeholders("Interval 95%%") == placeholders("95%% interval")


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_english():
    """The .mo is a build product that may be older than the .po: compile it afresh (replacing
    it atomically, as other test processes may be reading it)."""
    target = ENGLISH_PO.with_suffix(".mo")
    catalogue = english_catalogue()
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".mo.tmp")
    with os.fdopen(fd, "wb") as fh:
        write_mo(fh, catalogue)
    os.replace(temporary, target)
    return target


@pytest.fixture
def fresh_client(compiled_english, make_app):
    """A client of a new app, so no translations cached from before the compile are served."""
    return make_app().test_client


def page_html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def page_text(client, path: str) -> str:
    return unescape(page_html(client, path))


@pytest.fixture
def survey_path(db_session, factory):
    return f"/s/{token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)}"


def test_the_survey_page_is_in_indonesian_by_default_and_in_english_on_request(
    fresh_client, survey_path
):
    indonesian = page_text(fresh_client(), survey_path)
    assert '<html lang="id">' in indonesian
    assert "Bagaimana layanan kami hari ini?" in indonesian
    assert "Kirim penilaian" in indonesian
    assert "Send rating" not in indonesian

    english = page_text(fresh_client(), survey_path + "?lang=en")
    assert '<html lang="en">' in english
    assert "How was our service today?" in english
    assert "Send rating" in english
    assert "Skip to content" in english
    assert "Kirim penilaian" not in english


def test_the_login_page_is_in_indonesian_by_default_and_in_english_on_request(fresh_client):
    indonesian = page_text(fresh_client(), "/login")
    assert "Kata sandi" in indonesian and "Nama pengguna" in indonesian
    assert "Password" not in indonesian

    english = page_text(fresh_client(), "/login?lang=en")
    assert "Password" in english and "Username" in english and "Sign in" in english
    assert "Forgot your password?" in english
    assert "Kata sandi" not in english


def test_the_public_results_page_is_in_indonesian_by_default_and_in_english_on_request(
    fresh_client, factory
):
    factory.unit(name="Puskesmas Contoh", published=True)

    indonesian = page_text(fresh_client(), "/hasil/")
    assert "Hasil Survei Kepuasan Masyarakat" in indonesian
    assert "Belum ada penilaian" in indonesian

    english = page_text(fresh_client(), "/hasil/?lang=en")
    assert "Public Satisfaction Survey Results" in english
    assert "No ratings yet" in english
    assert "Puskesmas Contoh" in english  # names stay as the office wrote them
    assert "Hasil Survei Kepuasan Masyarakat" not in english


def kiosk_strings(html: str) -> dict[str, dict[str, str]]:
    found = re.search(r'data-strings="([^"]*)"', html)
    assert found, "the kiosk page carries its string table"
    return json.loads(unescape(found.group(1)))


def test_the_kiosk_page_starts_in_indonesian_and_carries_the_english_for_its_language_toggle(
    fresh_client,
):
    # The tablet switches language in the browser (one tap, no reload, works offline), so the
    # page always ships both tables; ?lang=en only changes the server-rendered chrome.
    html = page_html(fresh_client(), "/kiosk/")
    strings = kiosk_strings(html)
    assert 'data-t="pairTitle">Pasangkan tablet ini dengan loket</h1>' in html
    assert strings["id"]["pairTitle"] == "Pasangkan tablet ini dengan loket"
    assert strings["en"]["pairTitle"] == "Pair this tablet with a counter"
    assert strings["en"]["send"] == "Send rating"
    assert strings["en"]["servedBy"] == "You were served by"
    untranslated = [key for key in strings["en"]
                    if key != "language" and strings["en"][key] == strings["id"][key]
                    and strings["id"][key] not in ("NIP", "PIN")]
    assert not untranslated

    english = page_text(fresh_client(), "/kiosk/?lang=en")
    assert '<html lang="en">' in english
    assert "Skip to content" in english
