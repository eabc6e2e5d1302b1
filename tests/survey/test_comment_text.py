"""The masking and tagging rules of survey/comment_text.py, one by one, with the innocent
look-alikes each must leave alone."""

from __future__ import annotations

import pytest

from survey import comment_text
from survey.comment_text import (
    OfficerName,
    find_pii,
    find_profanity,
    mask,
    parse_word_list,
    tag_text,
    word_list,
)


def tags(text, officers=(), kind=None):
    return {t.tag for t in tag_text(text, officers, kind)}


# --- personal data --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "number", "label"), [
    ("hubungi 0812-3456-7890 ya", "0812-3456-7890", "[nomor telepon]"),
    ("hubungi 0812 3456 7890 ya", "0812 3456 7890", "[nomor telepon]"),
    ("hubungi 081234567890 ya", "081234567890", "[nomor telepon]"),
    ("hubungi 0812.3456.7890 ya", "0812.3456.7890", "[nomor telepon]"),
    ("hubungi +62 812 3456 7890 ya", "+62 812 3456 7890", "[nomor telepon]"),
    ("hubungi +6281234567890 ya", "+6281234567890", "[nomor telepon]"),
    ("hubungi 62 812 1111 2222 ya", "62 812 1111 2222", "[nomor telepon]"),
    ("telepon (0274) 512345 ya", "(0274) 512345", "[nomor telepon]"),
    ("telepon 021-5551234 ya", "021-5551234", "[nomor telepon]"),
    ("NIK 3201012345670001 salah", "3201012345670001", "[NIK]"),
    ("NIK 3201 0123 4567 0001 salah", "3201 0123 4567 0001", "[NIK]"),
    ("NIK 3578-0101-9002-0003 salah", "3578-0101-9002-0003", "[NIK]"),
    ("NIP 198503142010011001 salah", "198503142010011001", "[NIP]"),
    ("NIP 19850314 201001 1 001 salah", "19850314 201001 1 001", "[NIP]"),
    ("kirim ke budi.santoso@gmail.com ya", "budi.santoso@gmail.com", "[surel]"),
    ("kirim ke siti_88@yahoo.co.id ya", "siti_88@yahoo.co.id", "[surel]"),
    ("kirim ke pak.rt05 @ gmail.com ya", "pak.rt05 @ gmail.com", "[surel]"),
    ("motor B 1234 XYZ ditilang", "B 1234 XYZ", "[nomor kendaraan]"),
    ("motor AB1234CD ditilang", "AB1234CD", "[nomor kendaraan]"),
    ("motor b 1234 xyz ditilang", "b 1234 xyz", "[nomor kendaraan]"),
    ("nopol L 1234 AB dibawa", "L 1234 AB", "[nomor kendaraan]"),
    ("plat DK 45 dibawa", "DK 45", "[nomor kendaraan]"),
    ("rek BCA 1234567890 belum", "1234567890", "[nomor rekening]"),
    ("rekening BRI 0123-01-012345-50-1 belum", "0123-01-012345-50-1", "[nomor rekening]"),
    ("norek 0987654321 a.n. saya", "0987654321", "[nomor rekening]"),
    ("BPJS 0001234567890 tidak aktif", "0001234567890", "[nomor]"),
    ("NPWP 09.254.294.3-407.000 hilang", "09.254.294.3-407.000", "[nomor]"),
])
def test_personal_data_is_masked_whatever_the_separators(text, number, label):
    assert mask(text) == text.replace(number, label)
    assert number not in mask(text, profanity=False)


@pytest.mark.parametrize("text", [
    "Biaya balik nama Rp 1.250.000.000 apakah benar?",
    "Retribusi Rp15.000 per bulan",
    "Harga obat 150.000,- mahal",
    "bayar 1.500.000 rupiah",
    "datang pukul 08.00 selesai 09.15",
    "tanggal 12-03-2026",
    "Tahun 2024 ke 2025",
    "RT 05 RW 03, Jl. Merdeka No. 12 B",
    "Loket B nomor 2 tutup, antrean A-012",
    "Unsur U7 dan U9",
    "Kode pos 55281",
    "Surat nomor 470/123/2026",
    "Nomor antrean 105 dari 300 orang",
    "Kelas B 2 A di lantai 3",
    "Nilai 0, antre 0 menit? Tidak mungkin",
    "0",
])
def test_numbers_that_are_not_personal_data_stay(text):
    assert find_pii(text) == []
    assert mask(text) == text


def test_masking_uses_the_labels_given():
    assert mask("WA 0812-3456-7890", labels={"phone": "[phone number]"}) == "WA [phone number]"


def test_nothing_is_masked_when_neither_is_asked():
    assert mask("anjing 0812-3456-7890", pii=False, profanity=False) == \
        "anjing 0812-3456-7890"


# --- profanity ------------------------------------------------------------------------------


def _entries():
    return [(entry, spelling) for entry in word_list() for spelling in entry.spellings]


@pytest.mark.parametrize(("entry", "spelling"), _entries(),
                         ids=[f"{e.word}:{s}" for e, s in _entries()])
def test_every_entry_of_the_word_list_is_masked(entry, spelling):
    text = f"pelayanan {spelling} sekali"
    found = find_profanity(text)
    assert [text[s.start:s.end] for s in found] == [spelling]
    assert spelling not in mask(text)
    assert "kasar" in tags(text)


@pytest.mark.parametrize("typed", [
    "anjiiiing", "ANJING", "a n j i n g", "a-n-j-i-n-g", "a.n.j.i.n.g", "4nj1ng", "anj*ng",
    "anjingnya", "anjinglah", "anjingg", "g0bl0k", "goblokmu", "gooobloook", "g o b l o k",
    "go blok", "b*ngsat", "bangs4t", "bang sat", "b4b1", "t0l0l", "k0nt0l", "jancuuuk",
    "bangsatnya", "b a b i", "t 4 i",
])
def test_the_spellings_people_type_are_recognised(typed):
    text = f"dasar {typed} semua"
    [span] = find_profanity(text)
    assert text[span.start:span.end] == typed
    assert mask(text, pii=False) == f"dasar {typed[0]}*** semua"


@pytest.mark.parametrize("text", [
    "Pemandangan pantai indah, ruang tunggu santai",
    "Kantor di Jalan Kasuari",
    "Saya dari Desa Tolo",
    "Jalan Cokroaminoto macet",
    "Ruang bangsal anak penuh",
    "Cocok untuk lansia",
    "Saya urus asuransi di loket 4",
    "Kontrol gula darah rutin",
    "Semua berkas sudah dikontrol",
    "Pembodohan publik kalau syarat terus berubah",
    "Ada anjing liar berkeliaran di halaman",
    "Tolong usir anjing yang tidur di depan pintu",
    "Banyak kotoran anjing di parkiran",
    "Menu daging babi tidak diberi tanda",
    "Tahi lalat di wajah saya",
    "Ekor asu? Bukan, kucing saya hilang",  # literal, Javanese for dog
    "Tas kulit asli dari Garut",
    "Monumen Tugu Tani",
    "Kasur di bangsal sudah tua",
    "Sate kambing di kantin enak",
    "Bapak saya sakit, mohon dibantu",
    "Ke Bantul lewat Jalan Parangtritis",
    "Tanya ke loket informasi",
    "Kebun teh di Puncak",
    "Mohon maaf saya terlambat",
])
def test_ordinary_words_and_place_names_are_not_masked(text):
    assert find_profanity(text) == [], text
    assert "kasar" not in tags(text)


def test_the_word_list_format_reads_variants_and_literal_context():
    [entry] = parse_word_list("# komentar\nanjing | anjg anj1ng ; harfiah: liar galak\n")
    assert entry.word == "anjing"
    assert entry.variants == ("anjg", "anj1ng")
    assert entry.literal_context == {"liar", "galak"}


def test_the_word_list_has_no_duplicate_spellings():
    spellings = [s.lower() for entry in word_list() for s in entry.spellings]
    assert len(spellings) == len(set(spellings))


def test_profanity_is_masked_to_its_first_letter():
    assert mask("dasar goblok!", pii=False) == "dasar g***!"


# --- tags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [
    ("Cek www.slot88.xyz", "tautan"),
    ("https://bit.ly/promo", "tautan"),
    ("Slot gacor maxwin hari ini", "promosi atau judi daring"),
    ("😂😂😂😂", "hanya emoji atau tanda baca"),
    ("........", "hanya emoji atau tanda baca"),
    ("aaaaaaaaaa", "karakter berulang"),
    ("wkwkwkwkwk", "karakter berulang"),
    ("tes tes tes tes", "kata berulang"),
    ("asdfghjkl", "teks acak"),
    ("qwertyuiop", "teks acak"),
])
def test_spam_is_gibberish_repeats_links_or_only_emoji(text, reason):
    [tag] = [t for t in tag_text(text) if t.tag == "spam"]
    assert tag.reason == reason


@pytest.mark.parametrize("text", [
    "Kirim ke budi@gmail.com ya",  # an e-mail address is not a link
    "Mantaaaap pelayanannya",
    "Ok",
    "Antrean lama sekali, hampir 3 jam",
    "Slot antrean online cepat habis",
])
def test_ordinary_comments_are_not_spam(text):
    assert "spam" not in tags(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("Saya dimintai uang 50 ribu padahal gratis", "pungli"),
    ("Ada pungli di loket 2", "pungli"),
    ("Petugas minta uang pelicin", "pungli"),
    ("Bayar 20 ribu tanpa kuitansi", "pungli"),
    ("Banyak calo di depan kantor", "calo"),
    ("Harus kasih amplop supaya cepat", "suap"),
    ("Ada yang mau menyuap petugas", "suap"),
    ("Saya diancam tidak dilayani", "ancaman"),
    ("Satpam memukul warga", "kekerasan"),
    ("Saya dilecehkan di lorong", "pelecehan"),
    ("Kabel terkelupas di dekat mesin antrean", "keselamatan"),
    ("Plafon retak besar dan hampir jatuh", "keselamatan"),
    ("Ada warga pingsan di ruang tunggu", "keselamatan"),
    ("Tercium bau gas di kantin", "keselamatan"),
])
def test_urgent_reports_are_tagged_with_their_reason(text, reason):
    [tag] = [t for t in tag_text(text) if t.tag == "mendesak"]
    assert reason in tag.reason


@pytest.mark.parametrize("text", [
    "Tidak ada pungli, semua sesuai tarif",
    "Bebas calo sekarang",
    "Kantor ini anti pungli",
    "Saya datang pukul 08.00",
    "Mati lampu tadi siang",
    "Jatuh tempo pajak bulan depan",
    "Cek darah cepat",
    "Mobil parkir menghalangi pintu darurat",
    "Bayar 50 ribu sesuai tarif, ada kuitansinya",
])
def test_look_alikes_of_urgent_reports_are_not_urgent(text):
    assert "mendesak" not in tags(text)


OFFICERS = [OfficerName(1, "Siti Rahmawati"), OfficerName(2, "Bagus Santoso"),
            OfficerName(3, "dr. Made Suardana, Sp.A."), OfficerName(4, "Rina Kartika")]


@pytest.mark.parametrize(("text", "officer_id"), [
    ("Terima kasih Bu Siti", 1),
    ("Mbak Siti ramah", 1),
    ("Siti Rahmawati sangat membantu", 1),
    ("pak bagus ramah", 2),
    ("Pelayanan Pak Santoso cepat", 2),
    ("Dokter Made teliti", 3),
    ("Dilayani oleh Rina, sabar sekali", 4),
])
def test_an_officer_named_by_first_name_title_or_full_name_is_mentioned(text, officer_id):
    [tag] = [t for t in tag_text(text, OFFICERS) if t.tag == "petugas"]
    assert tag.officer_id == officer_id


@pytest.mark.parametrize("text", [
    "Pelayanannya bagus sekali",  # "bagus" is a word before it is a name
    "Bagus, cepat",
    "Rina",  # opening a sentence, without a title: not enough
    "Petugas ramah",
])
def test_ordinary_words_that_are_first_names_are_not_mentions(text):
    assert "petugas" not in tags(text, OFFICERS)


@pytest.mark.parametrize("text", [
    "Pelayanan cepat dan ramah, terima kasih",
    "Mantap 👍",
    "Terima kasih atas pelayanannya",
    "Tidak ada pungli, mantap",
])
def test_appreciation_is_praise(text):
    assert "pujian" in tags(text)


@pytest.mark.parametrize("text", [
    "Petugas kurang ramah",
    "Tidak ramah dan lambat",
    "Tolong diperbaiki AC-nya, terima kasih",
    "Ramah sih, tapi lama sekali prosesnya",
    "Harap lebih cepat",
    "Petugas minta uang supaya cepat",
    "Mas Bagus lupa mengembalikan KTP",
])
def test_complaints_with_positive_words_are_not_praise(text):
    assert "pujian" not in tags(text, OFFICERS)


def test_a_praise_kind_tips_a_short_comment_into_praise():
    assert "pujian" not in tags("Sudah selesai")
    assert "pujian" in tags("Sudah selesai", kind="praise")


def test_tag_reasons_never_quote_personal_data_or_the_swear_word():
    found = tag_text("Goblok, hubungi 0812-3456-7890", OFFICERS)
    reasons = " ".join(t.reason for t in found)
    assert "0812" not in reasons and "oblok" not in reasons
    assert comment_text.TAGS == ("spam", "kasar", "mendesak", "petugas", "pujian")
