"""Display keywords of a theme, per language: whole words and phrases as people wrote them.

The clustering features are accent-folded syllable n-grams (so "giao hang" typed bare matches
"giao hàng"); they are good for matching and bad for reading: a bigram may straddle two words
("khách hàng thái độ" → "hang thai"). Keywords shown to the analyst are built apart from them:

- Vietnamese: the segmenter's words (underthesea plus the domain phrases). A clause typed without
  diacritics is cut by longest match against the words seen segmented in accented answers of the
  same run, the domain phrases and the concept words; other bare syllables are too ambiguous to
  show ("tim": tìm or tim?). A word is shown in its most frequent accented spelling; the folded
  form only when nobody wrote it with accents.
- English: single words and pairs of neighbouring words, as written (not lemmatised: "app crashes",
  not "app crashe"), counted by lemma.
- Neither stop words nor opinion words (sentiment lexicons) in either language: keywords name
  aspects. A word counts for the language of the sentence it was written in.
- Ranked by how often and how exclusively the theme's clauses use them (count × precision).
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from analysis.core.open_text.aspects import (
    ASPECT_CONCEPTS,
    ENGLISH_STOP_WORDS,
    VIETNAMESE_BARE_PARTICLES,
    VIETNAMESE_DOMAIN_PHRASES,
    VIETNAMESE_STOP_SYLLABLES,
    VIETNAMESE_STOP_WORDS,
    VIETNAMESE_WEAK_SYLLABLES,
    VIETNAMESE_WEAK_WORDS,
    english_lemma,
)
from analysis.core.open_text.normalization import TEEN_CODE, fold_accents, has_vietnamese_letters
from analysis.core.open_text.segmentation import Clause, opinion_words

KEYWORDS_PER_LANGUAGE = 5
# Words a bare clause may be cut into without any accented answer: the domain phrases, the concept
# phrases, and the concept words written without diacritics anyway (loan words: ship, app, size).
_DOMAIN_WORDS = frozenset(fold_accents(p) for p in VIETNAMESE_DOMAIN_PHRASES) | frozenset(
    fold_accents(w) for words in ASPECT_CONCEPTS.values() for w in words if " " in w or w.isascii()
)
_MAX_WORD_SYLLABLES = 4
_TEEN_CODE_WORDS = frozenset(TEEN_CODE.values())
ACCENTED_SHARE = 0.25  # a clause with at least this share of syllables written with diacritics is "accented"


def is_accented(clause: Clause) -> bool:
    """Whether the clause was typed with diacritics (a bare clause ending in "nhé" was not).

    Words the teen-code map wrote out ("sp" → "sản phẩm", "ko" → "không") say nothing either way.
    """
    syllables = [s for w in clause.words if w not in _TEEN_CODE_WORDS for s in w.split() if s.isalpha()]
    if not syllables:
        return False
    return sum(1 for s in syllables if has_vietnamese_letters(s)) >= ACCENTED_SHARE * len(syllables)


def learn_words(clauses: Iterable[Clause]) -> frozenset[str]:
    """Folded Vietnamese words written with diacritics in accented clauses, the domain phrases and concept words.

    A clause typed without diacritics is cut into these; a bare syllable no accented answer used as
    a word on its own ("gan", "tim": gần? gan? tìm? tim?) is too ambiguous to show.
    """
    found = set(_DOMAIN_WORDS)
    for clause in clauses:
        if clause.lang == "vi" and is_accented(clause):
            found.update(
                fold_accents(w)
                for w in clause.words
                if len(w.split()) <= _MAX_WORD_SYLLABLES and has_vietnamese_letters(w)
            )
    return frozenset(found)


def _bare_words(syllables: Sequence[str], known: frozenset[str]) -> list[str]:
    """Known words among syllables typed without diacritics, longest match first."""
    out: list[str] = []
    i, n = 0, len(syllables)
    while i < n:
        for size in range(min(_MAX_WORD_SYLLABLES, n - i), 0, -1):
            word = " ".join(syllables[i : i + size])
            if word in known:
                out.append(word)
                i += size
                break
        else:
            i += 1
    return out


def _vietnamese_word_ok(word: str, folded: str, accented: bool, vietnamese_opinion: frozenset[str]) -> bool:
    """An aspect word: not an opinion, not starting or ending with a function word, not only vague syllables.

    Accented words are checked as written ("mẫu mã" is no "mà"); bare ones folded.
    """
    if folded in vietnamese_opinion:
        return False
    syllables = word.split() if accented else folded.split()
    stop = VIETNAMESE_STOP_WORDS if accented else VIETNAMESE_STOP_SYLLABLES
    weak = VIETNAMESE_WEAK_WORDS if accented else VIETNAMESE_WEAK_SYLLABLES
    if not syllables or not all(s.isalpha() for s in syllables) or (len(syllables) == 1 and len(word) < 2):
        return False
    if syllables[0] in stop or syllables[-1] in stop:
        return False
    return any(s not in stop and s not in weak for s in syllables)


def display_candidates(clause: Clause, known: frozenset[str] = _DOMAIN_WORDS) -> list[tuple[str, str]]:
    """``(key, surface)`` pairs a clause offers as keywords: the key is what is counted, the surface shown."""
    english_opinion, vietnamese_opinion = opinion_words()
    if clause.lang == "vi":
        accented = is_accented(clause)
        syllables = [s for w in clause.words for s in w.split()]
        words = list(clause.words) if accented else _bare_words(syllables, known)
        out = []
        for word in words:
            folded = fold_accents(word)
            if _vietnamese_word_ok(word, folded, accented, vietnamese_opinion):
                out.append((folded, word))
        return out
    lemmas = [english_lemma(w) for w in clause.words]
    keep = [
        lemma not in ENGLISH_STOP_WORDS
        and word not in ENGLISH_STOP_WORDS
        and lemma not in english_opinion
        and word.isascii()
        and word.isalpha()
        and len(word) > 1
        and word not in VIETNAMESE_BARE_PARTICLES
        for word, lemma in zip(clause.words, lemmas, strict=True)
    ]
    out = [(lemma, word) for word, lemma, k in zip(clause.words, lemmas, keep, strict=True) if k]
    out.extend(
        (f"{lemmas[i]} {lemmas[i + 1]}", f"{clause.words[i]} {clause.words[i + 1]}")
        for i in range(len(lemmas) - 1)
        if keep[i] and keep[i + 1]
    )
    return out


class KeywordCounter:
    """Counts display candidates per theme and language, and overall (for precision)."""

    def __init__(self, known: frozenset[str] = _DOMAIN_WORDS) -> None:
        self.known = known
        self.theme_counts: dict[tuple[int, str], Counter] = {}
        self.total_counts: dict[str, Counter] = {"vi": Counter(), "en": Counter()}
        self.surfaces: dict[str, Counter] = {}
        self.clauses: Counter = Counter()  # (theme, lang) → clauses counted

    def add(self, theme: int, clause: Clause) -> None:
        lang = clause.lang if clause.lang in ("vi", "en") else "vi"
        pairs = display_candidates(clause, self.known)
        keys = {key for key, _ in pairs}
        self.theme_counts.setdefault((theme, lang), Counter()).update(keys)
        self.total_counts[lang].update(keys)
        self.clauses[(theme, lang)] += 1
        for key, surface in pairs:
            self.surfaces.setdefault(f"{lang}:{key}", Counter())[surface] += 1

    def display(self, lang: str, key: str) -> str:
        written = self.surfaces.get(f"{lang}:{key}")
        if not written:
            return key
        if lang == "vi":  # the accented spelling whenever somebody wrote one
            accented = [w for w, _ in written.most_common() if has_vietnamese_letters(w)]
            if accented:
                return accented[0]
        return written.most_common(1)[0][0]

    def keywords(self, theme: int, per_language: int = KEYWORDS_PER_LANGUAGE) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for lang in ("vi", "en"):
            counts = self.theme_counts.get((theme, lang))
            if not counts:
                continue
            minimum = 2 if self.clauses[(theme, lang)] >= 6 else 1
            total = self.total_counts[lang]

            def score(item: tuple[str, int], total: Counter = total) -> tuple[float, str]:
                key, count = item
                phrase = 1.3 if " " in key else 1.0
                return (-(count * phrase * (count / total[key])), key)

            chosen: list[str] = []
            shown: list[str] = []
            for key, count in sorted(counts.items(), key=score):
                if count < minimum:
                    continue
                words = set(key.split())
                if any(words <= set(c.split()) or set(c.split()) <= words for c in chosen):
                    continue
                surface = self.display(lang, key)
                if surface in shown:
                    continue
                chosen.append(key)
                shown.append(surface)
                if len(chosen) == per_language:
                    break
            if shown:
                out[lang] = shown
        return out


def theme_label(keywords: Mapping[str, Sequence[str]], fallback: str) -> str:
    """ "<vi keyword> / <en keyword>"; one part only when both say the same ("app", "app")."""
    parts: list[str] = []
    for lang in ("vi", "en"):
        words = keywords.get(lang)
        if words and all(fold_accents(words[0]).lower() != fold_accents(p).lower() for p in parts):
            parts.append(words[0])
    return " / ".join(parts) if parts else fallback
