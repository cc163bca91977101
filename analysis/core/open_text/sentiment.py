"""Sentiment of an answer and of each clause: negative / neutral / positive / mixed, score in [-1, 1].

English clauses are scored by VADER with the project's domain words added (late, broken, refund …).
Vietnamese clauses are scored with the project's lexicon: longest phrase first, on the written form
and, for text typed without diacritics, on the folded form; negators (không, chưa, chẳng, chả) flip
the next sentiment words of the clause, intensifiers (rất, quá, lắm, cực) scale them. Emojis count.
An answer's score is the weighted mean of its opinionated clauses, a clause after a contrast
("nhưng", "but") weighing double; strong positive and negative clauses together make it "mixed".
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from analysis.core.open_text.lexicon import (
    AMBIGUOUS_FOLDS,
    EMOJI_SCORES,
    ENGLISH_DOMAIN_LEXICON,
    INTENSIFIERS,
    NEGATION_STOPS,
    NEGATORS,
    POST_INTENSIFIERS,
    VIETNAMESE_LEXICON,
)
from analysis.core.open_text.normalization import fold_accents
from analysis.core.open_text.segmentation import Clause

NEGATIVE = "negative"
NEUTRAL = "neutral"
POSITIVE = "positive"
MIXED = "mixed"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE, MIXED)

CONTRAST_WEIGHT = 2.0  # a clause after "nhưng" / "but" counts double
POLARITY_THRESHOLD = 0.15  # |score| below this is neutral
MIXED_THRESHOLD = 0.25  # a clause at least this positive and another this negative: mixed
_NORMALISE_ALPHA = 4.0  # raw lexicon sum s → s / sqrt(s² + alpha), VADER's squashing
_NEGATED_POSITIVE = -0.8
_NEGATED_NEGATIVE = -0.4
_NEGATION_WINDOW = 3

# English phrases VADER reads word by word, folded into one scored token.
_EN_PHRASES = {
    r"\bon time\b": "ontime",
    r"\bnever (?:arrived|came|showed up|received)\b": "nevercame",
    r"\btook forever\b": "tookforever",
    r"\bwaste of (?:money|time)\b": "wasteofmoney",
    r"\bcharged (?:me )?twice\b": "chargedtwice",
    r"\bno (?:reply|response|answer)\b": "noreply",
    r"\bnever (?:replied|responded|answered)\b": "noreply",
    r"\bas described\b": "asdescribed",
    r"\bvalue for money\b": "valueformoney",
    r"\bfell apart\b": "fellapart",
    r"\bstopped working\b": "stoppedworking",
    r"\bdoes(?:n't| not) work\b": "stoppedworking",
    r"\bdid(?:n't| not) work\b": "stoppedworking",
    r"\bwent smoothly\b": "wentsmoothly",
    r"\bspot on\b": "spoton",
    r"\bstill (?:waiting|pending|processing|nothing|no)\b": "stillwaiting",
    r"\b(?:has|have|had|did|does)(?:n't| not) "
    r"(?:arrived|arrive|received|receive|come|shown up|replied|reply)\b": "nevercame",
    r"\bno one\b": "nobody",
    r"\bhad to\b": "hadto",
    r"\bgame ?changer\b": "gamechanger",
    r"\b(?:way |far )?too (?:much|many|heavy|far|long|big|huge|small|hard|complicated|slow|late|sweet|salty"
    r"|loud|thin|tight|loose|noisy|bright|dark)\b": "toomuch",
}
_EN_PHRASE_SCORES = {
    "ontime": 1.6,
    "nevercame": -2.4,
    "tookforever": -2.2,
    "wasteofmoney": -2.8,
    "chargedtwice": -2.2,
    "noreply": -2.0,
    "asdescribed": 1.4,
    "valueformoney": 1.8,
    "fellapart": -2.4,
    "stoppedworking": -2.2,
    "wentsmoothly": 1.8,
    "stillwaiting": -1.8,
    "hadto": -0.8,
}
_EN_PHRASE_RES = [(re.compile(pattern), token) for pattern, token in _EN_PHRASES.items()]


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # negative / neutral / positive / mixed
    score: float  # in [-1, 1]


@dataclass(frozen=True, slots=True)
class AnswerSentiment:
    overall: Sentiment
    clause_scores: tuple[float, ...]  # one per clause, in [-1, 1]


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(ENGLISH_DOMAIN_LEXICON)
    analyzer.lexicon.update(_EN_PHRASE_SCORES)
    return analyzer


def vader_lexicon() -> dict[str, float]:
    """VADER's word → valence table with the project's domain words added."""
    return _vader().lexicon


def _folded_lexicon() -> dict[str, float]:
    out: dict[str, float] = {}
    for phrase, score in VIETNAMESE_LEXICON.items():
        folded = fold_accents(phrase)
        if folded in AMBIGUOUS_FOLDS:
            continue
        out.setdefault(folded, score)
    return out


_FOLDED_LEXICON = _folded_lexicon()
_FOLDED_NEGATION_STOPS = frozenset(fold_accents(w) for w in NEGATION_STOPS)
_FOLDED_NEGATORS = frozenset(fold_accents(n) for n in NEGATORS)
_FOLDED_INTENSIFIERS = {fold_accents(k): v for k, v in INTENSIFIERS.items()}
_FOLDED_POST = frozenset(fold_accents(p) for p in POST_INTENSIFIERS)
_MAX_PHRASE = max(len(p.split()) for p in (*VIETNAMESE_LEXICON, *NEGATORS, *INTENSIFIERS))


def squash(raw: float) -> float:
    return raw / math.sqrt(raw * raw + _NORMALISE_ALPHA) if raw else 0.0


def _match(written: list[str], folded: list[str], i: int, table: dict, folded_table: dict) -> tuple[int, object]:
    """Longest phrase at ``i`` found in ``table`` (as written) or ``folded_table`` (typed bare).

    Compounds that hold a sentiment syllable without its meaning ("thắc mắc", "chất lượng") are
    in the lexicon with a zero score, so the longest match consumes them harmlessly.
    """
    for size in range(min(_MAX_PHRASE, len(written) - i), 0, -1):
        phrase = " ".join(written[i : i + size])
        if phrase in table:
            return size, table[phrase]
        bare = " ".join(folded[i : i + size])
        if bare == phrase and bare in folded_table:
            return size, folded_table[bare]
    return 0, None


_NEGATOR_TABLE = dict.fromkeys(NEGATORS, True)
_FOLDED_NEGATOR_TABLE = dict.fromkeys(_FOLDED_NEGATORS, True)


def score_vietnamese_clause(clause: Clause) -> float:
    """Raw lexicon sum of a Vietnamese clause (before squashing)."""
    written = [s for word in clause.words for s in word.split()]
    folded = [fold_accents(s) for s in written]
    total = 0.0
    negation_left = 0
    pending_boost = 1.0
    last_index: int | None = None
    scores: list[float] = []
    i = 0
    while i < len(written):
        size, value = _match(written, folded, i, VIETNAMESE_LEXICON, _FOLDED_LEXICON)
        neg_size, _ = _match(written, folded, i, _NEGATOR_TABLE, _FOLDED_NEGATOR_TABLE)
        if neg_size and neg_size >= size:  # "không" starts a negation unless a phrase holds it
            negation_left = _NEGATION_WINDOW
            i += neg_size
            continue
        if size:
            score = float(value) * pending_boost  # type: ignore[arg-type]
            if negation_left > 0:
                score *= _NEGATED_POSITIVE if score > 0 else _NEGATED_NEGATIVE
                negation_left = _NEGATION_WINDOW - 1
            scores.append(score)
            last_index = len(scores) - 1
            pending_boost = 1.0
            i += size
            continue
        isize, boost = _match(written, folded, i, INTENSIFIERS, _FOLDED_INTENSIFIERS)
        if isize:
            phrase = " ".join(folded[i : i + isize])
            if last_index is not None and phrase in _FOLDED_POST and pending_boost == 1.0:
                scores[last_index] *= float(boost)  # type: ignore[arg-type]
                last_index = None
            else:
                pending_boost = float(boost)  # type: ignore[arg-type]
            i += isize
            continue
        negation_left = 0 if folded[i] in _FOLDED_NEGATION_STOPS else max(0, negation_left - 1)
        i += 1
    total = sum(scores)
    return total


def _english_clause_compound(text: str) -> float:
    for pattern, token in _EN_PHRASE_RES:
        text = pattern.sub(token, text)
    return float(_vader().polarity_scores(text)["compound"])


def emoji_score(emojis: Sequence[str]) -> float:
    return sum(EMOJI_SCORES.get(e, 0.0) for e in emojis)


_SUGGESTION_STARTS = {
    "vi": tuple(
        fold_accents(w) + " "
        for w in (
            "nên",
            "mong",
            "hy vọng",
            "hi vọng",
            "ước gì",
            "shop nên",
            "shop cần",
            "cần thêm",
            "đề nghị",
            "giá mà",
        )
    ),
    "en": (
        "please ",
        "would ",
        "it would ",
        "i'd like ",
        "i would ",
        "should ",
        "hope ",
        "i hope ",
        "wish ",
        "i wish ",
        "maybe add ",
    ),
}
_QUESTION_ENDS = {"vi": (" nhi", " khong a", " a", " ha", " chua a", " the nao", " khong"), "en": ()}
SUGGESTION_DAMPING = 0.25  # "nên có thêm …", "please add …" and questions state no opinion


def _is_suggestion_or_question(clause: Clause, lang: str, is_question: bool) -> bool:
    text = fold_accents(clause.text) + " "
    if text.startswith(_SUGGESTION_STARTS[lang]):
        return True
    return is_question or (text.rstrip().endswith(_QUESTION_ENDS[lang]) and lang == "vi" and " co " in f" {text}")


def clause_scores(
    clauses: Sequence[Clause], lang: str, emojis: Sequence[str] = (), *, is_question: bool = False
) -> list[float]:
    """Score in [-1, 1] of every clause; the emojis count towards the last clause."""
    bonus = emoji_score(emojis)
    out: list[float] = []
    last = len(clauses) - 1
    answer_lang = lang
    for index, clause in enumerate(clauses):
        extra = bonus if index == last else 0.0
        lang = clause.lang or answer_lang  # a sentence in the other language is scored in its own
        if lang == "vi":
            score = squash(score_vietnamese_clause(clause) + extra)
        else:
            compound = _english_clause_compound(clause.text)
            score = max(-1.0, min(1.0, compound + squash(extra) * 0.6)) if extra else compound
        if _is_suggestion_or_question(clause, lang, is_question and index == last):
            score *= SUGGESTION_DAMPING
        out.append(score)
    if not clauses and bonus:
        out.append(squash(bonus))
    return out


def combine(clauses: Sequence[Clause], scores: Sequence[float]) -> Sentiment:
    """The answer's label and score from its clause scores (contrast clauses weigh double)."""
    weighted = total_weight = 0.0
    for index, score in enumerate(scores):
        if abs(score) < 0.05:
            continue
        follows_contrast = index < len(clauses) and clauses[index].follows_contrast
        weight = CONTRAST_WEIGHT if follows_contrast else 1.0
        weighted += weight * score
        total_weight += weight
    score = weighted / total_weight if total_weight else 0.0
    strongest_positive = max(scores, default=0.0)
    strongest_negative = min(scores, default=0.0)
    if strongest_positive >= MIXED_THRESHOLD and strongest_negative <= -MIXED_THRESHOLD:
        return Sentiment(MIXED, round(score, 4))
    if _contrasts_opinion(clauses, scores):
        return Sentiment(MIXED, round(score, 4))
    if score >= POLARITY_THRESHOLD:
        return Sentiment(POSITIVE, round(score, 4))
    if score <= -POLARITY_THRESHOLD:
        return Sentiment(NEGATIVE, round(score, 4))
    return Sentiment(NEUTRAL, round(score, 4))


def _contrasts_opinion(clauses: Sequence[Clause], scores: Sequence[float]) -> bool:
    """ "X but Y" with an opinion on one side and none on the other: the "but" carries the other.

    A contrast connector says the two sides disagree, so a clear opinion before "nhưng" / "but"
    and a plain statement after it ("đẹp nhưng size nhỏ hơn bảng size") reads as mixed.
    """
    for index, clause in enumerate(clauses):
        if not clause.follows_contrast or index == 0 or index >= len(scores):
            continue
        before = [s for s in scores[:index] if abs(s) >= 0.05]
        after = [s for s in scores[index:] if abs(s) >= 0.05]
        side_before = sum(before) / len(before) if before else 0.0
        side_after = sum(after) / len(after) if after else 0.0
        one_side_only = (abs(side_before) >= MIXED_THRESHOLD) != (abs(side_after) >= MIXED_THRESHOLD)
        if one_side_only and (not before or not after):
            return True
        if side_before * side_after < 0 and max(abs(side_before), abs(side_after)) >= MIXED_THRESHOLD:
            return True
    return False


def score_answer(
    clauses: Sequence[Clause], lang: str, emojis: Sequence[str] = (), *, is_question: bool = False
) -> AnswerSentiment:
    scores = clause_scores(clauses, lang, emojis, is_question=is_question)
    return AnswerSentiment(combine(clauses, scores), tuple(scores))


def label_for_score(score: float) -> str:
    if score >= POLARITY_THRESHOLD:
        return POSITIVE
    if score <= -POLARITY_THRESHOLD:
        return NEGATIVE
    return NEUTRAL
