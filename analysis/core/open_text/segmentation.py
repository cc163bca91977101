"""Words, clauses and aspect terms of one answer.

Vietnamese goes through underthesea's ``word_tokenize`` (an offline CRF model shipped in the wheel;
nothing is downloaded) with the project's domain phrases kept whole. Because answers typed without
diacritics segment poorly, theme features are built from accent-folded syllable uni- and bigrams
plus bilingual aspect concepts, so "giao hàng chậm" and "giao hang cham" share their features.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.core.open_text.aspects import (
    BARE_CONCEPT_TERMS,
    ENGLISH_CONCEPT_TERMS,
    ENGLISH_STOP_WORDS,
    FOLDED_CONCEPT_TERMS,
    MAX_CONCEPT_SYLLABLES,
    MAX_CONCEPT_WORDS,
    VIETNAMESE_BARE_PARTICLES,
    VIETNAMESE_DOMAIN_PHRASES,
    VIETNAMESE_STOP_SYLLABLES,
    VIETNAMESE_WEAK_SYLLABLES,
    WRITTEN_CONCEPT_TERMS,
    english_lemma,
)
from analysis.core.open_text.normalization import fold_accents, has_vietnamese_letters

_VI_CLAUSE_BREAKS = frozenset(
    {
        "nhưng",
        "nhưng mà",
        "tuy nhiên",
        "có điều",
        "mỗi tội",
        "chỉ tiếc",
        "tiếc là",
        "song",
        "và",
        "còn",
        "với lại",
        "mà",
    }
)
VI_CONTRAST = frozenset({"nhưng", "nhưng mà", "tuy nhiên", "có điều", "mỗi tội", "chỉ tiếc", "tiếc là", "song"})
_EN_CLAUSE_BREAKS = frozenset(
    {"but", "however", "although", "though", "and", "also", "plus", "yet", "except", "whereas"}
)
EN_CONTRAST = frozenset({"but", "however", "although", "though", "yet", "except", "whereas"})
# The same connectors typed without diacritics ("dep nhung giao cham"); "còn" and "song" stay out,
# their bare forms ("con", "song") are mostly other words.
_VI_CLAUSE_BREAKS_BARE = frozenset(fold_accents(w) for w in _VI_CLAUSE_BREAKS) - {"con", "song"}
_VI_CONTRAST_BARE = frozenset(fold_accents(w) for w in VI_CONTRAST) - {"song"}
_PUNCT_BREAK = frozenset(".,;:!?()[]\n…-–—/")
# Any letters, so a Vietnamese particle ending an English sentence ("… please nhé") stays one token.
_EN_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[.,;:!?()\[\]…/–—-]")
_WORD_CHAR_RE = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class Clause:
    """A stretch of an answer between punctuation or connectors ("nhưng", "but", "và", "and")."""

    words: tuple[str, ...]  # lower case; a Vietnamese word may hold several syllables ("giao hàng")
    follows_contrast: bool  # the clause comes after "nhưng" / "but": it weighs more in sentiment
    lang: str = ""  # "vi" / "en": the language of the sentence it comes from ("" = the answer's)

    @property
    def text(self) -> str:
        return " ".join(self.words)


# Domain phrases, folded, so "phi ship" typed bare is kept whole like "phí ship".
_DOMAIN_PHRASES = frozenset(fold_accents(p) for p in VIETNAMESE_DOMAIN_PHRASES)
_DOMAIN_FIRST_SYLLABLES = frozenset(p.split()[0] for p in _DOMAIN_PHRASES)
_MAX_DOMAIN_SYLLABLES = max(len(p.split()) for p in _DOMAIN_PHRASES)


@lru_cache(maxsize=1)
def _load_word_tokenize():
    from underthesea import word_tokenize

    return word_tokenize


def _domain_phrase_at(folded: list[str], i: int) -> int:
    """Length of the longest domain phrase starting at syllable ``i`` (0 when none)."""
    if folded[i] not in _DOMAIN_FIRST_SYLLABLES:
        return 0
    for size in range(min(_MAX_DOMAIN_SYLLABLES, len(folded) - i), 1, -1):
        if " ".join(folded[i : i + size]) in _DOMAIN_PHRASES:
            return size
    return 0


def merge_domain_phrases(words: list[str]) -> list[str]:
    """Re-cut segmented words so every domain phrase is one word ("phí", "ship" → "phí ship").

    Done here rather than with underthesea's ``fixed_words``, which rebuilds its tokenizer regex on
    every call (twice as slow) and leaves it changed for every later caller in the process.
    """
    syllables: list[str] = []
    starts: list[bool] = []
    for word in words:
        parts = word.split()
        syllables.extend(parts)
        starts.extend(j == 0 for j in range(len(parts)))
    folded = [fold_accents(s) for s in syllables]
    out: list[str] = []
    i, n = 0, len(syllables)
    while i < n:
        size = _domain_phrase_at(folded, i)
        if size:
            out.append(" ".join(syllables[i : i + size]))
            i += size
            continue
        end = i + 1
        while end < n and not starts[end] and not _domain_phrase_at(folded, end):
            end += 1
        out.append(" ".join(syllables[i:end]))
        i = end
    return out


_BARE_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def segment_vietnamese(text: str) -> list[str]:
    """Vietnamese words of ``text`` (underthesea, offline) with the domain phrases kept whole.

    Text typed without diacritics is read syllable by syllable instead: the segmenter's model was
    trained on accented text and glues bare syllables at random ("khong tot" as one word), which
    costs time and helps nothing. The domain phrases are merged either way.
    """
    if not text.strip():
        return []
    if not has_vietnamese_letters(text):
        return merge_domain_phrases(_BARE_TOKEN_RE.findall(text.lower()))
    return merge_domain_phrases([w.lower() for w in _load_word_tokenize()(text, use_token_normalize=False)])


def tokenize_english(text: str) -> list[str]:
    return _EN_TOKEN_RE.findall(text.lower().replace("’", "'"))


def split_clauses(words: list[str], lang: str) -> list[Clause]:
    """Cut a word list into clauses at punctuation and connectors, marking those after a contrast."""
    breaks = _VI_CLAUSE_BREAKS if lang == "vi" else _EN_CLAUSE_BREAKS
    contrast = VI_CONTRAST if lang == "vi" else EN_CONTRAST
    if lang == "vi":
        bare_breaks, bare_contrast = _VI_CLAUSE_BREAKS_BARE, _VI_CONTRAST_BARE
    else:
        bare_breaks, bare_contrast = frozenset(), frozenset()

    def is_break(word: str) -> bool:
        return word in breaks or (word.isascii() and word in bare_breaks)

    def is_contrast(word: str) -> bool:
        return word in contrast or (word.isascii() and word in bare_contrast)

    clauses: list[Clause] = []
    current: list[str] = []
    after_contrast = False
    joined: list[str] = []
    skip = False
    for index, word in enumerate(words):  # connectors the segmenter left in two pieces ("mỗi", "tội")
        if skip:
            skip = False
            continue
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else ""
        if is_break(pair):
            joined.append(pair)
            skip = True
        else:
            joined.append(word)
    for word in joined:
        if word in _PUNCT_BREAK or not _WORD_CHAR_RE.search(word) or is_break(word):
            if current:
                clauses.append(Clause(tuple(current), after_contrast, lang))
                current = []
                after_contrast = False
            if is_contrast(word):
                after_contrast = True
            continue
        current.append(word)
    if current:
        clauses.append(Clause(tuple(current), after_contrast, lang))
    return clauses


def _concepts(units: list[str], limit: int, table: dict[str, str], written: list[str] | None = None) -> list[str]:
    """Aspect concepts named in the words, longest phrase first, each word used once.

    With ``written`` (the Vietnamese syllables as typed), a phrase written with accents is looked
    up as written; only a phrase typed bare is looked up folded, in ``table``.
    """
    found: list[str] = []
    n = len(units)
    i = 0
    while i < n:
        for size in range(min(limit, n - i), 0, -1):
            key = " ".join(units[i : i + size])
            if written is None:
                concept = table.get(key)
            else:
                as_written = " ".join(written[i : i + size])
                concept = WRITTEN_CONCEPT_TERMS.get(as_written) or (table.get(key) if as_written == key else None)
            if concept is not None:
                found.append("@" + concept)
                i += size
                break
        else:
            i += 1
    return found


@lru_cache(maxsize=1)
def opinion_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words that carry sentiment, not an aspect: the sentiment lexicons minus the aspect concepts.

    English: every VADER / domain word with a clear valence; Vietnamese: the project lexicon
    (single syllables and phrases, folded).
    """
    from analysis.core.open_text.lexicon import ENGLISH_DOMAIN_LEXICON, VIETNAMESE_LEXICON
    from analysis.core.open_text.sentiment import vader_lexicon

    english = {w for w, v in {**vader_lexicon(), **ENGLISH_DOMAIN_LEXICON}.items() if abs(v) >= 0.5 and " " not in w}
    english -= set(ENGLISH_CONCEPT_TERMS)
    vietnamese = {fold_accents(p) for p, v in VIETNAMESE_LEXICON.items() if v}
    vietnamese -= set(FOLDED_CONCEPT_TERMS)
    return frozenset(english), frozenset(vietnamese)


def aspect_terms(clause: Clause, lang: str) -> list[str]:
    """Theme features of a clause: folded aspect n-grams (no opinion words) and aspect concepts."""
    english_opinion, vietnamese_opinion = opinion_words()
    lang = clause.lang or lang
    if lang == "vi":
        syllables: list[str] = []
        written: list[str] = []
        in_compound: list[bool] = []  # the syllable is part of a word the segmenter joined
        for word in clause.words:
            parts = word.split()
            written.extend(parts)
            syllables.extend(fold_accents(p) for p in parts)
            in_compound.extend([len(parts) > 1] * len(parts))
        terms: list[str] = []
        keep = [
            s not in VIETNAMESE_STOP_SYLLABLES and s not in vietnamese_opinion and s.isalpha() and len(s) > 1
            for s in syllables
        ]
        strong = [k and s not in VIETNAMESE_WEAK_SYLLABLES for s, k in zip(syllables, keep, strict=True)]
        # single syllables only when they stand alone: "thanh toán" gives the bigram, not "toan"
        terms.extend(s for s, k, c in zip(syllables, strong, in_compound, strict=True) if k and not c)
        for i in range(len(syllables) - 1):
            pair = syllables[i] + " " + syllables[i + 1]
            if keep[i] and keep[i + 1] and (strong[i] or strong[i + 1]) and pair not in vietnamese_opinion:
                terms.append(pair)
        for word in clause.words:  # longer segmented words ("chăm sóc khách hàng")
            parts = word.split()
            if len(parts) > 2:
                terms.append(fold_accents(word))
        terms.extend(_concepts(syllables, MAX_CONCEPT_SYLLABLES, BARE_CONCEPT_TERMS, written))
        return terms
    words = [english_lemma(w) for w in clause.words]
    keep = [
        w not in ENGLISH_STOP_WORDS
        and w not in english_opinion
        and w.isascii()  # a Vietnamese particle closing an English sentence ("… please nhé") is no aspect
        and w not in VIETNAMESE_BARE_PARTICLES
        and w.isalpha()
        and len(w) > 1
        for w in words
    ]
    terms = [w for w, k in zip(words, keep, strict=True) if k]
    terms.extend(words[i] + " " + words[i + 1] for i in range(len(words) - 1) if keep[i] and keep[i + 1])
    terms.extend(_concepts(words, MAX_CONCEPT_WORDS, ENGLISH_CONCEPT_TERMS))
    return terms
