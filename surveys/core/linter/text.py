"""Text preparation shared by the rules: NFC with offsets back to the original, accent folding, language.

Rules match on a lower-cased NFC copy of the text whose characters line up one to one with the
normalised text, so every match offset maps back to the characters the researcher typed, even when
the input arrived decomposed (``e`` + U+0302 + U+0301 instead of ``ế``). Vietnamese typed without
diacritics is matched through a folded copy ("đánh giá" → "danh gia") against folded lexicons.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# Letters that occur in Vietnamese and not in English; one of them is enough to call a text Vietnamese.
_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ĂÂĐÊÔƠƯÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
)
# Function words of unaccented Vietnamese that English text practically never contains.
_VIETNAMESE_CUES = frozenset(
    [
        "ban",
        "anh",
        "chi",
        "cua",
        "khong",
        "nhung",
        "duoc",
        "nhu",
        "the",
        "nao",
        "bao",
        "nhieu",
        "gi",
        "tai",
        "sao",
        "vi",
        "sao",
        "hay",
        "hoac",
        "voi",
        "trong",
        "nay",
        "thi",
        "la",
        "cac",
        "mot",
        "cho",
        "nguoi",
        "chung",
        "toi",
        "minh",
        "co",
    ]
)
_ENGLISH_CUES = frozenset(
    [
        "the",
        "you",
        "your",
        "of",
        "to",
        "and",
        "is",
        "are",
        "do",
        "does",
        "did",
        "how",
        "what",
        "which",
        "would",
        "with",
        "for",
        "in",
        "on",
        "about",
        "have",
    ]
)
WORD_PATTERN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# Old-style ("hòa", "thúy") and new-style ("hoà", "thuý") tone placement are both in use; matching
# puts the mark on the first vowel of a word-final oa/oe/uy, so both spellings share one key.
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _fold_char(char: str) -> str:
    lowered = char.lower()[:1] or char
    if lowered == "đ":
        return "d"
    base = unicodedata.normalize("NFD", lowered)[:1]
    return base if base and not unicodedata.combining(base) else lowered


@lru_cache(maxsize=4096)
def _fold_table_char(char: str) -> str:
    return _fold_char(char)


def fold(text: str) -> str:
    """Return ``text`` lower-cased without diacritics, one character per character ("Đà" → "da")."""
    return "".join(_fold_table_char(char) for char in text)


def lower_one_to_one(text: str) -> str:
    """Return ``text`` lower-cased, keeping exactly one character per character."""
    return "".join(char.lower()[:1] or char for char in text)


def _retone(match: re.Match[str]) -> str:
    word = match.group(0)
    folded = fold(word)
    if len(word) < 2 or folded.startswith("qu") or folded[-2:] not in ("oa", "oe", "uy"):
        return word
    decomposed = unicodedata.normalize("NFD", word)
    marks = [c for c in decomposed if c in _TONE_MARKS]
    if len(marks) != 1:
        return word
    bare = unicodedata.normalize("NFC", decomposed.replace(marks[0], ""))
    if len(bare) != len(word):
        return word
    toned = unicodedata.normalize("NFC", bare[-2] + marks[0])
    return bare[:-2] + toned + bare[-1]


def canonical_tones(text: str) -> str:
    """Return lower-case NFC ``text`` with word-final oa/oe/uy tone marks in one place, same length."""
    return _LETTER_RUN.sub(_retone, text)


def has_vietnamese_letters(text: str) -> bool:
    return any(char in _VIETNAMESE_LETTERS for char in text)


def detect_language(text: str) -> str:
    """Return "vi" or "en": Vietnamese letters, else Vietnamese cue words, else English."""
    normalised = unicodedata.normalize("NFC", text)
    if has_vietnamese_letters(normalised):
        return "vi"
    words = [word.lower() for word in WORD_PATTERN.findall(normalised)]
    vietnamese = sum(word in _VIETNAMESE_CUES for word in words)
    english = sum(word in _ENGLISH_CUES for word in words)
    return "vi" if vietnamese >= 2 and vietnamese > english else "en"


@dataclass(frozen=True, slots=True)
class PreparedText:
    """A text in NFC, its matching copy and where each NFC character came from in the original."""

    original: str
    normalised: str
    match: str
    folded: str
    lang: str
    folded_matching: bool
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the characters of the original it came from."""
        if not self.normalised:
            return (0, 0)
        start = min(max(start, 0), len(self.normalised) - 1)
        end = min(max(end, start + 1), len(self.normalised))
        return (self.starts[start], self.ends[end - 1])


def prepare(text: str, *, lang: str | None = None) -> PreparedText:
    """Normalise ``text`` to NFC cluster by cluster, keeping offsets back to the original.

    Vietnamese typed without diacritics is matched in folded form; everything else in lower case
    with diacritics, so an English word never collides with a folded Vietnamese one ("no" / "nợ").
    """
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cluster_start = 0
    length = len(text)
    while cluster_start < length:
        cluster_end = cluster_start + 1
        while cluster_end < length and unicodedata.combining(text[cluster_end]):
            cluster_end += 1
        composed = unicodedata.normalize("NFC", text[cluster_start:cluster_end])
        pieces.append(composed)
        starts.extend([cluster_start] * len(composed))
        ends.extend([cluster_end] * len(composed))
        cluster_start = cluster_end
    normalised = "".join(pieces)
    has_diacritics = has_vietnamese_letters(normalised)
    language = lang or detect_language(normalised)
    folded = fold(normalised)
    folded_matching = language == "vi" and not has_diacritics
    lowered = canonical_tones(lower_one_to_one(normalised)) if has_diacritics else lower_one_to_one(normalised)
    return PreparedText(
        original=text,
        normalised=normalised,
        match=folded if folded_matching else lowered,
        folded=folded,
        lang=language,
        folded_matching=folded_matching,
        starts=tuple(starts),
        ends=tuple(ends),
    )


def _phrase_pattern(phrase: str) -> str:
    words = phrase.split()
    return r"\s+".join(re.escape(word) for word in words)


class Lexicon:
    """A set of phrases matched on word boundaries, with and without Vietnamese diacritics."""

    def __init__(self, phrases: Iterable[str]) -> None:
        unique = sorted({" ".join(p.split()) for p in phrases if p.strip()}, key=len, reverse=True)
        self.phrases = tuple(unique)
        accented = sorted({canonical_tones(lower_one_to_one(unicodedata.normalize("NFC", p))) for p in unique}, key=len)
        folded = sorted({fold(unicodedata.normalize("NFC", p)) for p in unique}, key=len)
        self._accented = self._compile(reversed(accented))
        self._folded = self._compile(reversed(folded))

    @staticmethod
    def _compile(phrases: Iterable[str]) -> re.Pattern[str]:
        body = "|".join(_phrase_pattern(p) for p in phrases) or r"(?!x)x"
        return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])")

    def pattern_for(self, prepared: PreparedText) -> re.Pattern[str]:
        return self._folded if prepared.folded_matching else self._accented

    def finditer(self, prepared: PreparedText, start: int = 0, end: int | None = None) -> Iterable[re.Match[str]]:
        """Yield the matches in ``prepared``'s matching text between ``start`` and ``end``."""
        pattern = self.pattern_for(prepared)
        return pattern.finditer(prepared.match, start, len(prepared.match) if end is None else end)

    def search(self, prepared: PreparedText, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        pattern = self.pattern_for(prepared)
        return pattern.search(prepared.match, start, len(prepared.match) if end is None else end)

    def fullmatch_span(self, prepared: PreparedText, span: tuple[int, int]) -> bool:
        """Return whether the text in ``span`` is exactly one phrase of the lexicon."""
        return self.pattern_for(prepared).fullmatch(prepared.match, span[0], span[1]) is not None

    def fullmatch(self, prepared: PreparedText) -> bool:
        """Return whether the whole text (ignoring edge punctuation and spaces) is one phrase."""
        stripped = prepared.match.strip(" \t\n.,;:!?()[]\"'“”‘’-–—")
        return bool(stripped) and self.pattern_for(prepared).fullmatch(stripped) is not None


def fold_regex(source: str) -> str:
    """Return a regex source with its letters folded, leaving escapes such as ``\\b`` untouched."""
    out: list[str] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            out.append(source[index : index + 2])
            index += 2
            continue
        out.append(_fold_table_char(char))
        index += 1
    return "".join(out)


class Pattern:
    """A regex written with Vietnamese diacritics, also compiled folded for text typed without them."""

    def __init__(self, source: str, flags: int = 0, *, folded_source: str | None = None) -> None:
        self.accented = re.compile(canonical_tones(source), flags)
        # Without diacritics some words collide ("đừng"/"dùng"); ``folded_source`` leaves those out.
        self.folded = re.compile(fold_regex(folded_source if folded_source is not None else source), flags)

    def on(self, prepared: PreparedText) -> re.Pattern[str]:
        return self.folded if prepared.folded_matching else self.accented

    def search(self, prepared: PreparedText, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        return self.on(prepared).search(prepared.match, start, len(prepared.match) if end is None else end)

    def finditer(self, prepared: PreparedText, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        return self.on(prepared).finditer(prepared.match, start, len(prepared.match) if end is None else end)

    def match(self, prepared: PreparedText, start: int = 0) -> re.Match[str] | None:
        return self.on(prepared).match(prepared.match, start)
