"""What a comment's words say, before anyone reads them: personal data to mask (phone
numbers, NIK, NIP, e-mail addresses, vehicle plates, bank accounts), profanity to mask
(survey/kata_kasar.txt) and the tags a head filters and moderates by (spam, kasar,
mendesak, menyebut petugas, pujian).

Pure functions of text (and, for officer mentions, of the unit's officers' names): no Flask,
no database, so the complaint pages, the analytics pages, the exports and the benchmark all
use the same rules. Written for Bahasa Indonesia as citizens type it: no stemming library
(PySastrawi's dictionary knows neither slang nor the obfuscations below, and stemming
"pembodohan" to "bodoh" would be wrong here), whole-word rules instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TAGS = ("spam", "kasar", "mendesak", "petugas", "pujian")
# The tags a moderation queue puts first, most pressing first.
QUEUE_TAGS = ("mendesak", "kasar", "spam")

PII_KINDS = ("phone", "nik", "nip", "email", "plate", "account", "number")

# What a masked span reads as; the views pass translated labels.
DEFAULT_LABELS: Mapping[str, str] = {
    "phone": "[nomor telepon]",
    "nik": "[NIK]",
    "nip": "[NIP]",
    "email": "[surel]",
    "plate": "[nomor kendaraan]",
    "account": "[nomor rekening]",
    "number": "[nomor]",
}


@dataclass(frozen=True, order=True)
class Span:
    """Where something to mask sits in the text: ``text[start:end]``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Tag:
    tag: str
    reason: str
    officer_id: int | None = None


@dataclass(frozen=True)
class OfficerName:
    id: int
    name: str


# --- personal data ------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+\s?(?:@|\[at\]|\(at\))\s?[\w-]+(?:\.[\w-]+)+", re.I)
# Digit runs, allowing single spaces, dots, dashes or brackets between groups:
# 0812-3456-7890, +62 812 3456 7890, 3201 0123 4567 0001, 19850314 201001 1 001.
_DIGITS = re.compile(r"(?<![\w+])(?:\+\s?)?\(?\d[\d)]*(?:[ .\-]?\(?\d[\d)]*)*(?![\w/])")
_MONEY_BEFORE = re.compile(r"(?:rp\.?|idr|sebesar)\s*$", re.I)
_MONEY_AFTER = re.compile(r"^\s*(?:,-|rupiah|ribu|rb|juta|jt|perak)\b", re.I)
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_BANK_CONTEXT = re.compile(
    r"\b(?:rek(?:ening)?|no\.?\s?rek|norek|bca|bri|bni|btn|bsi|mandiri|cimb|danamon|"
    r"permata|transfer|tf|virtual\s+account|va)\b[^\d]{0,25}$", re.I)
_PLATE_CONTEXT = re.compile(
    r"\b(?:plat|pelat|nopol|no\.?\s?pol|nomor\s+polisi|kendaraan|motor|mobil|tnkb)\b", re.I)
# Region codes of Indonesian number plates (tanda nomor kendaraan bermotor).
_REGIONS = (
    "A B D E F G H K L M N P R S T W Z AA AB AD AE AG BA BB BD BE BG BH BK BL BM BN BP DA "
    "DB DC DD DE DG DH DK DL DM DN DP DR DS DT DW EA EB ED KB KH KT KU PA PB PG PT"
).split()
_PLATE = re.compile(
    r"(?<![\w])(" + "|".join(sorted(_REGIONS, key=len, reverse=True)) +
    r")[ \-]?(\d{1,4})(?:[ \-]?([A-Z]{1,3}))?(?![\w])", re.I)


def _digit_spans(text: str) -> list[Span]:
    spans = []
    for match in _DIGITS.finditer(text):
        raw = match.group(0).rstrip(" .-")
        start, end = match.start(), match.start() + len(raw)
        digits = re.sub(r"\D", "", raw)
        before = text[max(0, start - 30):start]
        if _MONEY_BEFORE.search(before) or _MONEY_AFTER.search(text[end:end + 8]) or \
                _THOUSANDS.match(raw):
            continue
        kind = _number_kind(raw, digits, before)
        if kind:
            spans.append(Span(start, end, kind))
    return spans


def _number_kind(raw: str, digits: str, before: str) -> str | None:
    n = len(digits)
    international = raw.startswith("+") or (digits.startswith("62") and n >= 11)
    if digits.startswith("628") and international and 11 <= n <= 15:
        return "phone"
    if _BANK_CONTEXT.search(before) and 8 <= n <= 18:
        return "account"
    if digits.startswith("08") and 10 <= n <= 13:
        return "phone"
    if raw.startswith("+62") or (raw.startswith("(0") and 8 <= n <= 12):
        return "phone"
    if 9 <= n <= 12 and digits.startswith("0") and digits[1] in "234567" and \
            re.match(r"^\(?0\d{2,3}\)?[ \-]", raw):
        return "phone"  # a landline with its area code: (0274) 512345, 021-5551234
    if n == 16:
        return "nik"
    if n == 18:
        return "nip"
    if n >= 10:
        return "number"  # NPWP, BPJS, KK, card numbers: no reader needs them either
    return None


def _plate_spans(text: str) -> list[Span]:
    spans = []
    for match in _PLATE.finditer(text):
        region, number, suffix = match.groups()
        context = _PLATE_CONTEXT.search(text[max(0, match.start() - 30):match.start()])
        looks_typed = region.isupper() and (suffix is None or suffix.isupper())
        if suffix and (len(number) >= 3 or context) and (looks_typed or len(number) >= 3):
            spans.append(Span(match.start(), match.end(), "plate"))
        elif context and len(number) >= 1 and looks_typed:
            spans.append(Span(match.start(), match.end(), "plate"))
    return spans


def find_pii(text: str) -> list[Span]:
    """Personal data in the text, in order, non-overlapping."""
    if not text:
        return []
    spans = [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    spans += _digit_spans(text)
    spans += _plate_spans(text)
    return _merge(spans)


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.start, span.end, last.kind)
            continue
        merged.append(span)
    return merged


# --- profanity ----------------------------------------------------------------------------

WORD_LIST = Path(__file__).with_name("kata_kasar.txt")
_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "|": "i", "0": "o",
                       "5": "s", "$": "s", "7": "t", "9": "g", "6": "g", "8": "b"})
_SUFFIXES = ("nya", "lah", "mu", "lu", "loe", "lo", "kau", "an", "in", "kah", "deh")
# A token: letters, digits standing for letters, the symbols people swap in, and * for a
# hidden letter.
_TOKEN = re.compile(r"(?:[@$]|[^\W_])[^\W_]*(?:[@$!|*]+[^\W_]+)*", re.U)


@dataclass(frozen=True)
class WordEntry:
    word: str
    variants: tuple[str, ...]
    literal_context: frozenset[str]

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.word, *self.variants)


def _fold(text: str) -> str:
    """Lower case without accents (é → e): what the rules compare."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _collapse(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


def parse_word_list(source: str) -> list[WordEntry]:
    entries = []
    for line in source.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words, _sep, context = line.partition(";")
        head, _bar, variants = words.partition("|")
        literal = context.split(":", 1)[1].split() if ":" in context else []
        entries.append(WordEntry(head.strip(), tuple(variants.split()),
                                 frozenset(_fold(w) for w in literal)))
    return entries


@lru_cache(maxsize=1)
def word_list() -> tuple[WordEntry, ...]:
    return tuple(parse_word_list(WORD_LIST.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, WordEntry], list[tuple[tuple[str, ...], WordEntry]]]:
    single: dict[str, WordEntry] = {}
    phrases = []
    for entry in word_list():
        for spelling in entry.spellings:
            parts = tuple(_fold(spelling).split())
            if len(parts) > 1:
                phrases.append((parts, entry))
            else:
                single.setdefault(parts[0], entry)
                single.setdefault(_collapse(parts[0]), entry)
    return single, phrases


@lru_cache(maxsize=8192)
def _normal(token: str) -> str:
    return _fold(token).translate(_LEET)


@lru_cache(maxsize=8192)
def _lookup(token: str) -> WordEntry | None:
    """The entry a typed token spells, if any (suffixes, repeats and * allowed)."""
    single, _phrases = _lexicon()
    if not re.search(r"[^\W\d_]", token) and "*" not in token:
        return None  # a plain number is never a word
    word = _normal(token)
    candidates = [word, _collapse(word)]
    for base in list(candidates):
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= 3:
                candidates.append(base[: -len(suffix)])
    for candidate in candidates:
        if "*" in candidate:
            pattern = re.compile("^" + re.escape(candidate).replace(r"\*", "[a-z]") + "$")
            if candidate.strip("*") and candidate.count("*") < len(candidate) / 2:
                for known, entry in single.items():
                    if pattern.match(known) and len(known) >= 4:
                        return entry
            continue
        if candidate in single:
            return single[candidate]
    return None


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _is_literal(entry: WordEntry, tokens: Sequence[_Token], first: int, last: int) -> bool:
    if not entry.literal_context:
        return False
    near = tokens[max(0, first - 2):first] + tokens[last + 1:last + 3]
    return any(_normal(t.text) in entry.literal_context for t in near)


def find_profanity(text: str) -> list[Span]:
    """Profanity in the text (each span one word or phrase as it was typed)."""
    if not text:
        return []
    tokens = _tokens(text)
    spans: list[Span] = []
    used: set[int] = set()
    _single, phrases = _lexicon()
    folded = [_normal(t.text) for t in tokens]
    for parts, _entry in phrases:
        size = len(parts)
        for i in range(len(tokens) - size + 1):
            if tuple(folded[i:i + size]) == parts:
                spans.append(Span(tokens[i].start, tokens[i + size - 1].end, "profanity"))
                used.update(range(i, i + size))
    i = 0
    while i < len(tokens):
        if i in used:
            i += 1
            continue
        # Letters spelled apart: a n j i n g, b-a-b-i, k.o.n.t.o.l (three or more).
        j = i
        while j + 1 < len(tokens) and len(tokens[j + 1].text) == 1 and len(tokens[j].text) == 1 \
                and _gap_is_separator(text, tokens[j], tokens[j + 1]):
            j += 1
        if j - i >= 2:
            joined = "".join(t.text for t in tokens[i:j + 1])
            entry = _lookup(joined)
            if entry and not _is_literal(entry, tokens, i, j):
                spans.append(Span(tokens[i].start, tokens[j].end, "profanity"))
                i = j + 1
                continue
        token = tokens[i]
        entry = _lookup(token.text)
        if entry and not _is_literal(entry, tokens, i, i):
            spans.append(Span(token.start, token.end, "profanity"))
            i += 1
            continue
        # A word split in two: "bang sat", "go blok" (long words only: short ones would
        # join innocent neighbours).
        if i + 1 < len(tokens) and (i + 1) not in used and \
                _gap_is_separator(text, token, tokens[i + 1]):
            pair = token.text + tokens[i + 1].text
            entry = _lookup(pair)
            if entry and len(_collapse(_normal(pair))) >= 5 and \
                    _lookup(tokens[i + 1].text) is None and \
                    _normal(token.text) not in _COMMON_PREFIX_WORDS and \
                    not _is_literal(entry, tokens, i, i + 1):
                spans.append(Span(token.start, tokens[i + 1].end, "profanity"))
                i += 2
                continue
        i += 1
    return _merge(spans)


# Words that, followed by another word, must never be read as half of a split swear word.
_COMMON_PREFIX_WORDS = frozenset("ke di se yang dan ada ini itu".split())


def _gap_is_separator(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end:right.start]
    return 0 < len(gap) <= 2 and all(c in " .-_*" for c in gap)


def mask_profanity_word(word: str) -> str:
    letters = [c for c in word if c.isalnum()]
    return (letters[0] if letters else "") + "***"


# --- masking ------------------------------------------------------------------------------


def mask(text: str, *, pii: bool = True, profanity: bool = True,
         labels: Mapping[str, str] | None = None) -> str:
    """The text as a reader without need for personal data (``pii``) or swearing
    (``profanity``) sees it."""
    if not text or not (pii or profanity):
        return text or ""
    labels = {**DEFAULT_LABELS, **(labels or {})}
    spans = (find_pii(text) if pii else []) + (find_profanity(text) if profanity else [])
    out, position = [], 0
    for span in _merge(spans):
        out.append(text[position:span.start])
        piece = text[span.start:span.end]
        out.append(mask_profanity_word(piece) if span.kind == "profanity"
                   else labels.get(span.kind, "[…]"))
        position = span.end
    out.append(text[position:])
    return "".join(out)


def mask_personal_data(text: str) -> str:
    """Only the personal data masked, with the Indonesian labels: what stays of a comment's
    original once the retention period for personal data has passed."""
    return mask(text, pii=True, profanity=False)


# --- tags ---------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.|\b[\w-]+\.(?:com|net|org|xyz|site|online|link|id|ly|me|"
                  r"io|co)(?:/\S*)?\b|\bbit\.ly/|\bwa\.me/|\bt\.me/)", re.I)
_SPAM_WORDS = re.compile(
    r"\b(?:gacor|maxwin|togel|judol|judi\s+online|slot\s+(?:online|gacor)|situs\s+slot|"
    r"deposit\s+pulsa|pinjol|pinjaman\s+online|link\s+alternatif|rtp\s+live|scatter|"
    r"dijamin\s+cair|cair\s+cepat|hubungi\s+wa|promo\s+(?:murah|spesial)|jual\s+followers)\b",
    re.I)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = set("aiueo")
_NEGATIONS = frozenset("tidak tak tdk ga gak gk nggak ngga enggak engga tanpa bebas anti "
                       "bukan belum zero nol stop".split())


def _words(text: str) -> list[str]:
    return [_fold(w) for w in re.findall(r"[^\W\d_]+", text)]


def _is_gibberish_word(word: str) -> bool:
    if len(word) >= 5 and not (_VOWELS & set(word)):
        return True
    if len(word) >= 4 and any(word[:4] in row or word[:4] in row[::-1]
                              for row in _KEYBOARD_ROWS):
        return True
    return len(word) >= 6 and len(set(word)) <= 2


def spam_reason(text: str) -> str | None:
    stripped = text.strip()
    if not stripped:
        return None
    if _URL.search(_EMAIL.sub(" ", stripped)):
        return "tautan"
    if _SPAM_WORDS.search(stripped):
        return "promosi atau judi daring"
    letters = re.sub(r"[^\w]", "", stripped)
    if not re.search(r"[^\W\d_]", stripped) and not re.search(r"\d", stripped):
        return "hanya emoji atau tanda baca"
    words = _words(stripped)
    if not words:
        return None
    joined = "".join(words)
    if len(words) >= 3 and len(set(words)) == 1:
        return "kata berulang"
    if len(joined) >= 6 and re.fullmatch(r"(.{1,4}?)\1{2,}.{0,3}", joined):
        return "karakter berulang"
    if re.search(r"(.)\1{7,}", letters) and len(words) <= 3:
        return "karakter berulang"
    gibberish = [w for w in words if _is_gibberish_word(w)]
    if gibberish and len(gibberish) * 2 >= len(words):
        return "teks acak"
    return None


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern
    reason: str


def _cues(items: Sequence[tuple[str, str]]) -> tuple[_Cue, ...]:
    return tuple(_Cue(re.compile(p, re.I), r) for p, r in items)


# Urgent: unofficial fees (pungli), bribes, threats, violence, safety. Each pattern names its
# reason; a negation just before ("tidak ada pungli", "bebas calo") cancels it.
_URGENT = _cues([
    (r"\bpungli\w*|\bpungutan\s+liar\b", "pungli"),
    (r"\b(?:uang|duit)\s+(?:pelicin|rokok|kopi|damai|lelah|jalan|tambahan|terima\s*kasih)\b",
     "pungli"),
    (r"\bpelicin\b", "pungli"),
    (r"\b(?:dimintai|diminta|minta|meminta|memintai|disuruh)\s+(?:uang|duit|imbalan|"
     r"bayaran|biaya\s+tambahan|bayar\s+lebih)\b", "pungli"),
    (r"\b(?:padahal|katanya|seharusnya|harusnya)\s+gratis\b", "pungli"),
    (r"\b(?:tanpa|tidak\s+ada|tidak\s+diberi|tdk\s+ada|ga\s+ada|gak\s+ada)\s+(?:kuitansi|"
     r"kwitansi|bukti\s+bayar)\b", "pungli"),
    (r"\bcalo\b", "calo"),
    (r"\b(?:suap|menyuap|disuap|suapan|sogok|sogokan|nyogok|disogok|gratifikasi|amplop)\b",
     "suap"),
    (r"\b(?:pemerasan|diperas|memeras)\b", "pemerasan"),
    (r"\b(?:ancam|mengancam|diancam|ancaman|mengancamku|intimidasi|diintimidasi)\b",
     "ancaman"),
    (r"\b(?:dipukul|memukul|pukulan|ditampar|menampar|ditendang|menendang|dibacok|"
     r"kekerasan|dianiaya|penganiayaan|berkelahi|perkelahian|dikeroyok)\b", "kekerasan"),
    (r"\b(?:pelecehan|dilecehkan|melecehkan|dicolek|diraba)\b", "pelecehan"),
    (r"\b(?:bunuh|membunuh|dibunuh|senjata\s+tajam|sajam|pisau|golok|pistol|bom)\b",
     "ancaman"),
    (r"\b(?:kebakaran|terbakar|percikan\s+api|korsleting|konslet|kesetrum|tersetrum|"
     r"nyetrum|tersengat\s+listrik|kabel\s+terkelupas|kabel\s+terbuka|gas\s+bocor|"
     r"bocor\s+gas|bau\s+gas)\b", "keselamatan"),
    (r"\b(?:plafon|atap|langit-langit|dinding|tembok|tangga)\s+(?:\w+\s+)?(?:runtuh|ambruk|"
     r"roboh|jebol|retak\s+besar|hampir\s+jatuh|mau\s+jatuh)\b", "keselamatan"),
    (r"\b(?:hampir|mau|nyaris|akan)\s+(?:jatuh|runtuh|ambruk|roboh)\b|\bretak\s+besar\b",
     "keselamatan"),
    (r"\b(?:pingsan|kejang|sesak\s+napas|tidak\s+sadarkan\s+diri|terpeleset|tergelincir|"
     r"terjatuh|kecelakaan|berdarah|luka\s+parah|membahayakan|berbahaya)\b",
     "keselamatan"),
    # "pintu darurat" names a door, not an emergency.
    (r"(?<!pintu )(?<!tangga )(?<!jalur )(?<!lampu )(?<!nomor )\bdarurat\b",
     "keselamatan"),
])

_POSITIVE = re.compile(
    r"\b(?:ramah|sopan|cepat|sigap|tanggap|membantu|mantap|mantul|mantab|keren|top|bagus|"
    r"baik|puas|memuaskan|luar\s+biasa|hebat|salut|apresiasi|sukses|profesional|sabar|"
    r"senyum|murah\s+senyum|jempol|rekomendasi|recommended|terbaik|prima|nyaman|bersih|"
    r"rapi|jelas|informatif|teliti|helpful|good|nice|excellent|mudah|lancar|gercep|indah|"
    r"santai|cocok|adem|apik)\b",
    re.I)
_POSITIVE_EMOJI = re.compile("[\U0001F44D\U0001F44F\U0001F64F\u2764\U0001F60A\U0001F970"
                             "\U0001F600-\U0001F606\U0001F929\u2B50\U0001F31F]")
_THANKS = re.compile(r"\b(?:terima\s*kasih|terimakasih|makasih|trims|thanks|thank\s+you|"
                     r"matur\s+nuwun|hatur\s+nuhun|tengkyu|thx|makasi)\b", re.I)
_NEGATIVE = re.compile(
    r"\b(?:lama|lambat|lelet|kecewa|mengecewakan|buruk|jelek|parah|ribet|susah|sulit|"
    r"kotor|bau|panas|rusak|judes|jutek|cuek|ketus|marah|membentak|dibentak|antre\s+panjang|"
    r"berbelit|bingung|tidak\s+jelas|menunggu|nunggu|mati|mogok|error|eror|gagal|hilang|"
    r"telat|terlambat|mahal|penuh|sempit|bocor|tolong|mohon|harap|sebaiknya|seharusnya|"
    r"harusnya|kapan|kenapa|mengapa)\b", re.I)
_REQUEST = re.compile(r"\b(?:tolong|mohon|harap|sebaiknya|seharusnya|harusnya)\b", re.I)


def _negated(text: str, start: int) -> bool:
    before = _words(text[max(0, start - 24):start])[-2:]
    return any(w in _NEGATIONS for w in before)


def urgent_reasons(text: str) -> list[str]:
    reasons: list[str] = []
    for cue in _URGENT:
        for match in cue.pattern.finditer(text):
            if _negated(text, match.start()):
                continue
            if cue.reason not in reasons:
                reasons.append(cue.reason)
            break
    return reasons


_CONTRAST = re.compile(r"\b(?:tapi|tetapi|namun|sayangnya|sayang|cuma|hanya\s+saja)\b", re.I)
_WISH = re.compile(r"(?:kurang|agar|supaya|biar|harap|mohon|tolong|minta|harusnya|"
                   r"seharusnya|sebaiknya|semestinya|perlu|yang)", re.I)


def _counts_as_praise(text: str, match: re.Match) -> bool:
    if _negated(text, match.start()):
        return False
    before = _words(text[max(0, match.start() - 30):match.start()])[-3:]
    if any(_WISH.fullmatch(w) for w in before):
        return False  # a wish or a lack: "supaya berkas cepat", "kurang ramah"
    if before and before[-1] in _TITLES:
        return False  # a name: Mas Bagus
    return not re.match(r"\s*(?:lagi|dong|donk)\b", text[match.end():])


def praise_reason(text: str, kind: str | None = None) -> str | None:
    """Appreciation in the text: positive words that are not negated, wished for or
    followed by a "but", outweighing the complaints."""
    offset = 0
    for contrast in _CONTRAST.finditer(text):
        offset = contrast.end()
    positives = [m for m in _POSITIVE.finditer(text) if m.start() >= offset
                 and _counts_as_praise(text, m)]
    negatives = [m for m in _NEGATIVE.finditer(text) if m.start() >= offset]
    negatives += [m for m in _POSITIVE.finditer(text) if _negated(text, m.start())]
    thanks = _THANKS.search(text)
    score = len(positives) + len(_POSITIVE_EMOJI.findall(text[offset:])) + (kind == "praise")
    if thanks and not _REQUEST.search(text):
        score += 1
    if score == 0 or score < len(negatives):
        return None
    if positives:
        return "apresiasi: " + _fold(positives[0].group(0))
    return "ucapan terima kasih" if thanks else "apresiasi"


_TITLES = frozenset("pak bapak bpk bu ibu bunda mas mbak mba kak kakak bang abang teh teteh "
                    "akang kang dik adik dek uda uni om tante dokter dr dok bidan suster "
                    "perawat ners".split())
# First names that are also ordinary words: only with a title (or the full name) do they
# name someone. "Pelayanannya bagus" is not about Bagus Santoso.
_COMMON_WORD_NAMES = frozenset(
    "bagus indah budi rahmat sari ayu putri mulia setia murni bintang adil jaya sehat "
    "dewi bunga intan mawar melati permata fajar cahaya harapan wati lestari cantik "
    "santoso agung utama sejahtera damai kasih tenang rizki rezeki berkah slamet selamat "
    "sinta ratna wahyu".split())


@lru_cache(maxsize=4096)
def _name_parts(name: str) -> tuple[str, ...]:
    cleaned = re.sub(r"\b(?:s\.?\w{1,4}\.|dr\.|drg\.|ir\.|h\.|hj\.)", " ", name, flags=re.I)
    cleaned = cleaned.split(",")[0]
    return tuple(p for p in _words(cleaned) if len(p) >= 3)


def officer_mentions(text: str, officers: Sequence[OfficerName]) -> list[tuple[int, str]]:
    """(officer id, how they were named) for each officer the text names."""
    if not officers or not text:
        return []
    words = re.findall(r"[^\W\d_]+", text)
    folded = [_fold(w) for w in words]
    present = set(folded)
    found: list[tuple[int, str]] = []
    for officer in officers:
        parts = _name_parts(officer.name)
        if not parts or present.isdisjoint(parts):
            continue
        hit = None
        # The full name (first and second parts) in order.
        if len(parts) >= 2:
            for i in range(len(folded) - 1):
                if folded[i] == parts[0] and folded[i + 1] == parts[1]:
                    hit = f"{words[i]} {words[i + 1]}"
                    break
        # A title and any part of the name: Pak Budi, Bu Siti, Mbak Rina, Pak Santoso.
        if hit is None:
            for i in range(1, len(folded)):
                if folded[i] in parts and folded[i - 1] in _TITLES:
                    hit = f"{words[i - 1]} {words[i]}"
                    break
        # The first name alone, written as a name (capitalised, not opening a sentence),
        # unless it is also an ordinary word.
        if hit is None and parts[0] not in _COMMON_WORD_NAMES and len(parts[0]) >= 4:
            for match in re.finditer(r"[^\W\d_]+", text):
                word = match.group(0)
                if _fold(word) != parts[0] or not word[0].isupper():
                    continue
                before = text[:match.start()].rstrip()
                if before and before[-1] not in ".!?":
                    hit = word
                    break
        if hit:
            found.append((officer.id, hit))
    return found


def tag_text(text: str, officers: Sequence[OfficerName] = (), kind: str | None = None
             ) -> list[Tag]:
    """Every tag the rules give this comment, each with its reason (in Indonesian, for the
    moderation queue; it never quotes personal data)."""
    text = text or ""
    tags: list[Tag] = []
    spam = spam_reason(text)
    if spam:
        tags.append(Tag("spam", spam))
    swearing = find_profanity(text)
    if swearing:
        shown = ", ".join(dict.fromkeys(mask_profanity_word(text[s.start:s.end])
                                        for s in swearing))
        tags.append(Tag("kasar", f"kata kasar: {shown}"))
    urgent = urgent_reasons(text)
    if urgent:
        tags.append(Tag("mendesak", ", ".join(urgent)))
    for officer_id, named in officer_mentions(text, officers)[:1]:
        tags.append(Tag("petugas", f"menyebut: {named}", officer_id))
    if not (spam or swearing or urgent):
        praise = praise_reason(text, kind)
        if praise:
            tags.append(Tag("pujian", praise))
    return tags


__all__ = [
    "DEFAULT_LABELS", "OfficerName", "PII_KINDS", "QUEUE_TAGS", "Span", "TAGS", "Tag",
    "WORD_LIST", "WordEntry", "find_pii", "find_profanity", "mask", "mask_personal_data",
    "officer_mentions",
    "parse_word_list", "praise_reason", "spam_reason", "tag_text", "urgent_reasons",
    "word_list",
]
