"""Cleaning of open answers before anything else looks at them.

The displayed quote is always the respondent's own text; what this module produces is the text the
analysis reads: NFC, lower case, URLs and e-mail addresses dropped, runs of a repeated letter
("quáaaa", "sooo") shortened, emojis and emoticons separated out and kept (they carry sentiment),
and for Vietnamese the project's teen-code map ("ko" → "không", "sp" → "sản phẩm") and underthesea's
``text_normalize`` (tone-mark placement, "hoà" → "hòa").
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# --- accent folding --------------------------------------------------------------------------


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0x00C0, 0x1EFF + 1):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[code] = base.lower()
    return table


_FOLD_TABLE = _build_fold_table()


def fold_accents(text: str) -> str:
    """Return ``text`` in lower case without diacritics ("Giao hàng ĐÚNG hẹn" → "giao hang dung hen")."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)


# Letters only Vietnamese uses among the Latin scripts we meet (tone marks on vowels, ă â đ ê ô ơ ư).
VIETNAMESE_LETTERS = frozenset("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
_VIETNAMESE_LETTER_RE = re.compile("[" + "".join(sorted(VIETNAMESE_LETTERS)) + "]")


def has_vietnamese_letters(text: str) -> bool:
    """True when ``text`` holds a letter that only Vietnamese writes (ư, ơ, đ, ạ, …)."""
    return _VIETNAMESE_LETTER_RE.search(text.lower()) is not None


# --- emojis and emoticons -------------------------------------------------------------------

_EMOJI_RE = re.compile(
    "["
    "\U0001f300-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # misc symbols and dingbats (☹ ❤ ✨ ✔)
    "\u2b50\u2b55"
    "]\ufe0f?"
)
# ASCII emoticons, longest first so ":((" is not read as ":(".
_EMOTICONS = (
    "=)))",
    "=))",
    ":)))",
    ":))",
    ":(((",
    ":((",
    ":-)",
    ":-(",
    ":)",
    ":(",
    ":d",
    ":v",
    ":p",
    "<3",
    "-_-",
    "=(",
    "=)",
    "^^",
    "^_^",
    ":'(",
)
_EMOTICON_RE = re.compile(r"(?<![\w:=])(" + "|".join(re.escape(e) for e in _EMOTICONS) + r")+(?!\w)", re.IGNORECASE)
_EMOTICON_SPLIT_RE = re.compile("|".join(re.escape(e) for e in _EMOTICONS), re.IGNORECASE)

_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|vn|net|org|io)(?:/\S*)?\b", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_REPEAT_RE = re.compile(r"(\w)(\1{2,})")
_WORD_RE = re.compile(r"\w+")
_SPACE_RE = re.compile(r"\s+")

# English words spelt with a double letter: "goooood" shortens to "good", not "god".
_ENGLISH_DOUBLE_LETTER_WORDS = frozenset(
    [
        "good",
        "too",
        "soon",
        "cool",
        "food",
        "need",
        "feel",
        "free",
        "see",
        "keep",
        "look",
        "loop",
        "poor",
        "book",
        "all",
        "well",
        "still",
        "call",
        "full",
        "sell",
        "will",
        "really",
        "small",
        "tell",
        "smell",
        "speed",
        "sweet",
        "wood",
        "wool",
        "boost",
        "smooth",
        "fee",
        "agree",
    ]
)


@lru_cache(maxsize=4096)
def _shorten_word(word: str) -> str:
    if not _REPEAT_RE.search(word):
        return word
    single = _REPEAT_RE.sub(r"\1", word)
    double = _REPEAT_RE.sub(r"\1\1", word)
    return double if double in _ENGLISH_DOUBLE_LETTER_WORDS else single


def _shorten_accented_runs(word: str) -> str:
    """Collapse a run of one vowel written with and without its accent ("quáaaa" → "quá")."""
    folded = word.translate(_FOLD_TABLE)
    out: list[str] = []
    i = 0
    while i < len(word):
        j = i
        while j + 1 < len(word) and folded[j + 1] == folded[i]:
            j += 1
        run = word[i : j + 1]
        if len(run) >= 3 or (len(run) == 2 and run[0] != run[1]):
            accented = [c for c in run if not c.isascii()]
            out.append(accented[0] if accented else run[0])
        else:
            out.append(run)
        i = j + 1
    return "".join(out)


def shorten_repeated_letters(text: str) -> str:
    """Shorten letters typed three or more times: "quáaaa" → "quá", "goooood" → "good"."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if not any(c.isalpha() for c in word):
            return word
        if word.isascii():
            return _shorten_word(word)
        return _shorten_accented_runs(word)

    return _WORD_RE.sub(fix, text)


# --- teen code --------------------------------------------------------------------------------

# Project-owned map of Vietnamese chat spelling and abbreviations to the standard words. Keys are
# whole tokens in lower case; only applied to text read as Vietnamese.
TEEN_CODE: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "kg": "không",
    "kh": "không",
    "khg": "không",
    "khum": "không",
    "hok": "không",
    "hong": "không",
    "hông": "không",
    "hem": "không",
    "dc": "được",
    "đc": "được",
    "dk": "được",
    "đk": "được",
    "dcj": "được",
    "sp": "sản phẩm",
    "nv": "nhân viên",
    "cskh": "chăm sóc khách hàng",
    "kh hàng": "khách hàng",
    "shiper": "shipper",
    "sip": "ship",
    "sheep": "ship",
    "đh": "đơn hàng",
    "dh": "đơn hàng",
    "gh": "giao hàng",
    "j": "gì",
    "gi": "gì",
    "vs": "với",
    "mn": "mọi người",
    "mng": "mọi người",
    "oke": "ok",
    "okie": "ok",
    "oki": "ok",
    "okela": "ok",
    "okla": "ok",
    "oce": "ok",
    "bt": "bình thường",
    "bth": "bình thường",
    "bthg": "bình thường",
    "r": "rồi",
    "ntn": "như thế nào",
    "trc": "trước",
    "nhg": "nhưng",
    "nhưg": "nhưng",
    "nma": "nhưng mà",
    "nhma": "nhưng mà",
    "cx": "cũng",
    "cg": "cũng",
    "wa": "quá",
    "wá": "quá",
    "qá": "quá",
    "qa": "quá",
    "sd": "sử dụng",
    "đt": "điện thoại",
    "dt": "điện thoại",
    "ng": "người",
    "bn": "bao nhiêu",
    "hàg": "hàng",
    "lun": "luôn",
    "iu": "yêu",
    "thik": "thích",
    "thix": "thích",
    "mik": "mình",
    "mk": "mình",
    "mh": "mình",
    "bik": "biết",
    "bít": "biết",
    "tg": "thời gian",
    "tgian": "thời gian",
    "ak": "à",
    "vl": "vãi",
    "vcl": "vãi",
    "vkl": "vãi",
    "z": "vậy",
    "zậy": "vậy",
    "v": "vậy",
    "ms": "mới",
    "đag": "đang",
    "dag": "đang",
    "ntin": "nhắn tin",
    "inbox": "nhắn tin",
    "ib": "nhắn tin",
    "rep": "trả lời",
    "hqua": "hôm qua",
    "nch": "nói chung",
    "kb": "không biết",
    "hnay": "hôm nay",
    "lm": "làm",
    "ncl": "nói chung là",
    "thg": "thường",
    "tl": "trả lời",
    "nhìu": "nhiều",
    "nhiu": "nhiều",
    "bâyh": "bây giờ",
    "bjo": "bây giờ",
    "h": "giờ",
    "tks": "cảm ơn",
    "thks": "cảm ơn",
    "ty": "cảm ơn",
    "hix": "buồn",
    "huhu": "buồn",
    "hic": "buồn",
    "haizz": "buồn",
    "haiz": "buồn",
}
_TEEN_CODE_RE = re.compile(
    r"(?<![\w%])(" + "|".join(sorted(map(re.escape, TEEN_CODE), key=len, reverse=True)) + r")(?![\w%])"
)


# Bare "hong" is "không" before a word ("hong biết") but "hỏng" (broken) when it ends a clause.
_HONG_AT_END_RE = re.compile(r"(?<![\w%])hong(?=\s*(?:[,.!?;:…)]|$))")


def expand_teen_code(text: str) -> str:
    """Replace teen-code tokens of a lower-cased Vietnamese text by the standard words."""
    return _TEEN_CODE_RE.sub(lambda m: TEEN_CODE[m.group(1)], _HONG_AT_END_RE.sub("hỏng", text))


# --- the normalised answer ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CleanText:
    """Text prepared for analysis, with the emojis / emoticons pulled out of it."""

    text: str  # lower case, NFC, no URLs, repeated letters shortened, emojis removed
    emojis: tuple[str, ...]


def clean_text(raw: str) -> CleanText:
    """Language-independent cleaning: NFC, URLs out, emojis out (kept aside), lower case."""
    text = unicodedata.normalize("NFC", raw)
    text = _URL_RE.sub(" ", _EMAIL_RE.sub(" ", text))
    emojis: list[str] = [m.group(0).replace("\ufe0f", "") for m in _EMOJI_RE.finditer(text)]
    text = _EMOJI_RE.sub(" ", text)
    text = text.lower()
    for match in _EMOTICON_RE.finditer(text):
        emojis.extend(_EMOTICON_SPLIT_RE.findall(match.group(0)))
    text = _EMOTICON_RE.sub(" ", text)
    text = shorten_repeated_letters(text)
    text = _SPACE_RE.sub(" ", text).strip()
    return CleanText(text, tuple(e.lower() for e in emojis))


def normalize_vietnamese(text: str) -> str:
    """Teen code expanded and underthesea's ``text_normalize`` (offline) applied to cleaned text."""
    from underthesea import text_normalize  # imported late: loading underthesea takes ~0.3 s

    expanded = expand_teen_code(text)
    return _SPACE_RE.sub(" ", text_normalize(expanded)).strip() if expanded else expanded


# --- non-answers and duplicates --------------------------------------------------------------

_NON_ANSWERS = frozenset(
    fold_accents(x)
    for x in (
        "không có",
        "không",
        "ko",
        "k",
        "ko có",
        "không có gì",
        "ko có gì",
        "không biết",
        "chưa có",
        "chưa",
        "không ý kiến",
        "ko ý kiến",
        "hết",
        "không có ý kiến",
        "n/a",
        "na",
        "none",
        "no",
        "nothing",
        "nope",
        "nil",
        "null",
        "no comment",
        "no comments",
        "nothing to add",
        "nothing else",
        "idk",
        "i don't know",
        "dont know",
        "don't know",
        "not sure",
        "nothing really",
        "asdf",
        "test",
        "abc",
        "xxx",
        "-",
        ".",
        "..",
        "...",
        "?",
    )
)
_PUNCT_ONLY_RE = re.compile(r"^[\W_]*$")
_NON_ANSWER_STRIP_RE = re.compile(r"[\s.!?,;:…]+$")


def is_non_answer(raw: str) -> bool:
    """True for answers that say nothing: empty, punctuation, "không có", "n/a", "nothing", …"""
    text = fold_accents(raw).strip()
    if _PUNCT_ONLY_RE.match(text):
        return not clean_text(raw).emojis  # "👍" or ":(" alone still says something
    text = _NON_ANSWER_STRIP_RE.sub("", text)
    return text in _NON_ANSWERS or _SPACE_RE.sub(" ", text) in _NON_ANSWERS


def duplicate_key(raw: str) -> str:
    """The key under which two answers count as the same text (case, spacing and NFC ignored)."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", raw).strip().lower())


def find_duplicates(texts: Sequence[str]) -> list[int | None]:
    """For each text, the index of its first earlier exact duplicate, or None."""
    first: dict[str, int] = {}
    out: list[int | None] = []
    for i, text in enumerate(texts):
        key = duplicate_key(text)
        out.append(first.get(key) if key else None)
        first.setdefault(key, i)
    return out


def iter_words(text: str) -> Iterable[str]:
    """Yield the word tokens of ``text`` (letters and digits)."""
    return _WORD_RE.findall(text)
