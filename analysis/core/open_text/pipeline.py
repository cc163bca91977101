"""Open answers in, themes and sentiment out: the whole text analysis as one pure function.

``analyze_answers`` cleans each answer, flags non-answers and exact duplicates, detects its language,
segments it, cuts it into clauses, scores sentiment per clause and per answer, then either discovers
themes (no codebook yet) or assigns answers by the analyst's codebook. Identical texts are processed
once. Each theme comes back with keywords per language, three representative quotes and its
sentiment mix; each answer with its themes and the sentiment of each theme mention.
"""

import multiprocessing
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from analysis.core.open_text import sentiment as sent
from analysis.core.open_text.codebook import OTHER_LABEL, OTHER_THEME_ID, Codebook, Theme
from analysis.core.open_text.keywords import KEYWORDS_PER_LANGUAGE, KeywordCounter, learn_words
from analysis.core.open_text.language import detect_language, sentence_languages
from analysis.core.open_text.normalization import (
    clean_text,
    duplicate_key,
    fold_accents,
    is_non_answer,
    normalize_vietnamese,
)
from analysis.core.open_text.segmentation import (
    Clause,
    aspect_terms,
    segment_vietnamese,
    split_clauses,
    tokenize_english,
)
from analysis.core.open_text.themes import (
    DEFAULT_K_RANGE,
    assign_clauses,
    discover_themes,
    fit_term_space,
    relabel_theme,
)

QUOTES_PER_THEME = 3
QUOTE_MAX_OVERLAP = 0.6  # a quote sharing this share of its words (Jaccard) with a chosen one is skipped
KEYWORD_ROWS = 2_000  # clauses per theme read for its keywords
_OVERRIDE_SCORES = {sent.POSITIVE: 0.5, sent.NEGATIVE: -0.5, sent.NEUTRAL: 0.0, sent.MIXED: 0.0}


@dataclass(frozen=True, slots=True)
class ProcessedText:
    """Everything computed from one distinct answer text."""

    lang: str
    vi_share: float
    en_share: float
    is_non_answer: bool
    clauses: tuple[Clause, ...]
    clause_terms: tuple[tuple[str, ...], ...]
    clause_scores: tuple[float, ...]
    sentiment: sent.Sentiment


def _interned(processed: ProcessedText) -> ProcessedText:
    """The same result with its words and terms interned: 100,000 answers share one copy of each."""
    intern = sys.intern
    return ProcessedText(
        processed.lang,
        processed.vi_share,
        processed.en_share,
        processed.is_non_answer,
        tuple(Clause(tuple(intern(w) for w in c.words), c.follows_contrast, c.lang) for c in processed.clauses),
        tuple(tuple(intern(t) for t in terms) for terms in processed.clause_terms),
        processed.clause_scores,
        processed.sentiment,
    )


def _process_job(job: tuple[str, str | None]) -> ProcessedText:
    return process_text(*job)


PARALLEL_MIN_TEXTS = 4_000


def process_texts(texts: Sequence[str], lang_hint: str | None = None, *, workers: int = 1) -> list[ProcessedText]:
    """``process_text`` over many texts, in ``workers`` processes when there are enough of them.

    Falls back to one process where child processes are not allowed (e.g. inside a daemon).
    """
    jobs = [(t, lang_hint) for t in texts]
    if workers > 1 and len(texts) >= PARALLEL_MIN_TEXTS and not multiprocessing.current_process().daemon:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else methods[0])
        try:
            with context.Pool(workers) as pool:
                return [_interned(p) for p in pool.imap(_process_job, jobs, chunksize=250)]
        except OSError:
            pass
    return [_interned(process_text(t, lang_hint)) for t, lang_hint in jobs]


def process_text(raw: str, lang_hint: str | None = None) -> ProcessedText:
    """Clean, detect, segment and score one answer (no themes yet)."""
    cleaned = clean_text(raw)
    guess = detect_language(cleaned.text)
    lang = lang_hint or guess.lang
    if is_non_answer(raw):
        return ProcessedText(lang, guess.vi_share, guess.en_share, True, (), (), (), sent.Sentiment(sent.NEUTRAL, 0.0))
    # an answer that switches language is read sentence by sentence, each in its own language (only
    # an answer with recognised words of both languages can switch)
    mixed = not lang_hint and 0.0 < guess.vi_share < 1.0
    runs = sentence_languages(cleaned.text, lang) if mixed else [(cleaned.text, lang)]
    clauses = tuple(
        clause
        for text, run_lang in runs
        for clause in split_clauses(
            segment_vietnamese(normalize_vietnamese(text)) if run_lang == "vi" else tokenize_english(text), run_lang
        )
    )
    scored = sent.score_answer(clauses, lang, cleaned.emojis, is_question=raw.rstrip().endswith("?"))
    terms = tuple(tuple(aspect_terms(c, lang)) for c in clauses)
    return ProcessedText(
        lang, guess.vi_share, guess.en_share, False, clauses, terms, scored.clause_scores, scored.overall
    )


@dataclass(frozen=True, slots=True)
class ThemeMention:
    theme_id: str
    text: str  # the clause(s) that mention the theme
    sentiment: sent.Sentiment


@dataclass(frozen=True, slots=True)
class AnswerAnalysis:
    id: str
    text: str
    lang: str
    vi_share: float
    en_share: float
    is_non_answer: bool
    duplicate_of: str | None  # id of the first answer with the same text
    themes: tuple[str, ...]  # theme ids, the main one first; ("other",) when none fits
    sentiment: sent.Sentiment
    mentions: tuple[ThemeMention, ...]
    sentiment_source: str = "model"  # "analyst" when an override replaced the model's label


@dataclass(frozen=True, slots=True)
class ThemeSummary:
    id: str
    label: str
    keywords: Mapping[str, tuple[str, ...]]
    quotes: tuple[str, ...]
    n_answers: int
    sentiment_counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    answers: tuple[AnswerAnalysis, ...]
    themes: tuple[ThemeSummary, ...]  # active themes by size, then "Other"
    codebook: Codebook
    k: int | None  # number of clusters discovery chose (None when the codebook was applied)
    silhouette: float | None
    k_scores: Mapping[int, float] = field(default_factory=lambda: MappingProxyType({}))


def _answer_terms(processed: ProcessedText) -> list[str]:
    return [t for terms in processed.clause_terms for t in terms]


def analyze_answers(
    answers: Sequence[tuple[str, str]],
    *,
    codebook: Codebook | None = None,
    themes: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    lang: str | None = None,
    sentiment_overrides: Mapping[str, str] | None = None,
    discover_new: bool = False,
    workers: int = 1,
) -> TextAnalysis:
    """Analyse ``(id, text)`` pairs. Without a codebook, themes are discovered (``themes`` fixes k).

    With a codebook, answers are assigned by it (edits kept); ``discover_new`` also looks for new
    themes among the answers the codebook leaves in "Other".
    """
    if lang not in (None, "vi", "en"):
        raise ValueError("lang must be 'vi', 'en' or None (detect per answer)")
    if themes is not None and not 2 <= themes <= 50:
        raise ValueError("themes must be between 2 and 50")
    if not 2 <= k_range[0] <= k_range[1]:
        raise ValueError("k_range must be (low, high) with 2 <= low <= high")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    overrides = dict(sentiment_overrides or {})
    for answer_id, label in overrides.items():
        if label not in sent.LABELS:
            raise ValueError(f"sentiment override for {answer_id!r} must be one of {', '.join(sent.LABELS)}")
    # 1. process each distinct text once
    first_id: dict[str, str] = {}
    first_text: dict[str, str] = {}
    keys: list[str] = []
    duplicate_of: list[str | None] = []
    for answer_id, text in answers:
        key = duplicate_key(text)
        keys.append(key)
        duplicate_of.append(first_id.get(key) if key else None)
        first_id.setdefault(key, answer_id)
        first_text.setdefault(key, text)
    distinct = list(first_text)
    cache = dict(zip(distinct, process_texts([first_text[k] for k in distinct], lang, workers=workers), strict=True))
    distinct_text = first_text
    # 2. clause rows (distinct texts only) with aspect terms
    row_key: list[str] = []
    row_clause: list[int] = []
    row_terms: list[tuple[str, ...]] = []
    for key in distinct:
        processed = cache[key]
        for index, terms in enumerate(processed.clause_terms):
            if terms:
                row_key.append(key)
                row_clause.append(index)
                row_terms.append(terms)
    pinned_texts = [(t.id, p) for t in (codebook.themes if codebook else ()) for p in t.pinned]
    pinned_processed = [process_text(p, lang) for _, p in pinned_texts]
    space = fit_term_space(
        row_terms + [_answer_terms(p) for p in pinned_processed],
        extra_terms=[term for t in (codebook.themes if codebook else ()) for term in t.centroid],
    )
    matrix = space.transform(row_terms)
    k = silhouette = None
    k_scores: Mapping[int, float] = {}
    if codebook is None:
        discovery = discover_themes(space, matrix, k=themes, k_range=k_range)
        codebook, k, silhouette, k_scores = discovery.codebook, discovery.k, discovery.silhouette, discovery.k_scores
    # 3. assignment by the codebook
    theme_list = list(codebook.themes)
    folded_rows = [fold_accents(cache[key].clauses[c].text) for key, c in zip(row_key, row_clause, strict=True)]
    theme_pos = {t.id: i for i, t in enumerate(theme_list)}
    pinned_matrix = space.transform([_answer_terms(p) for p in pinned_processed]) if pinned_texts else None
    assignment = assign_clauses(
        theme_list,
        space,
        matrix,
        folded_rows,
        pinned_matrix=pinned_matrix,
        pinned_theme=[theme_pos[tid] for tid, _ in pinned_texts],
        deleted=[t.is_deleted for t in theme_list],
    )
    if discover_new:
        # answers near a deleted theme stay in "Other": rediscovering them would undo the deletion
        other_rows = np.flatnonzero((assignment.theme_index < 0) & ~assignment.suppressed)
        if other_rows.size:
            found = discover_themes(space, matrix[other_rows], k_range=k_range, codebook=codebook)
            if found.codebook is not codebook and len(found.codebook.themes) > len(theme_list):
                return analyze_answers(
                    answers,
                    codebook=found.codebook,
                    lang=lang,
                    sentiment_overrides=overrides,
                    discover_new=False,
                    workers=workers,
                )
    # 4. per distinct text: themes and mentions
    clause_theme: dict[tuple[str, int], tuple[int, float]] = {}
    for row, (key, c) in enumerate(zip(row_key, row_clause, strict=True)):
        clause_theme[(key, c)] = (int(assignment.theme_index[row]), float(assignment.similarity[row]))
    main_theme = _main_themes(cache, distinct, theme_list, space, pinned_matrix, pinned_texts, theme_pos)
    per_text: dict[str, tuple[tuple[str, ...], tuple[ThemeMention, ...]]] = {}
    for key in distinct:
        main = main_theme.get(key)
        per_text[key] = _themes_of(cache[key], key, clause_theme, theme_list, main[0] if main else None)
    # 5. answers
    results: list[AnswerAnalysis] = []
    for (answer_id, text), key, dup in zip(answers, keys, duplicate_of, strict=True):
        processed = cache[key]
        theme_ids, mentions = per_text[key]
        sentiment, source = processed.sentiment, "model"
        if answer_id in overrides:
            label = overrides[answer_id]
            score = processed.sentiment.score
            if sent.label_for_score(score) != label and label != sent.MIXED:
                score = _OVERRIDE_SCORES[label]
            sentiment, source = sent.Sentiment(label, score), "analyst"
        results.append(
            AnswerAnalysis(
                str(answer_id),
                text,
                processed.lang,
                round(processed.vi_share, 3),
                round(processed.en_share, 3),
                processed.is_non_answer,
                dup,
                theme_ids,
                sentiment,
                mentions,
                source,
            )
        )
    # 6. theme summaries
    codebook = Codebook(tuple(_label_themes(theme_list, assignment, row_key, row_clause, cache)), codebook.next_number)
    summaries = _summaries(codebook, results, assignment, row_key, main_theme, distinct_text, cache)
    return TextAnalysis(tuple(results), summaries, codebook, k, silhouette, MappingProxyType(dict(k_scores)))


def _main_themes(
    cache, distinct, theme_list, space, pinned_matrix, pinned_texts, theme_pos
) -> dict[str, tuple[int, float]]:
    """The main theme of each answer, scored on the whole answer (the pins are whole answers too)."""
    keys = [k for k in distinct if any(cache[k].clause_terms)]
    if not keys or not theme_list:
        return {}
    assignment = assign_clauses(
        theme_list,
        space,
        space.transform([_answer_terms(cache[k]) for k in keys]),
        [fold_accents(" ".join(c.text for c in cache[k].clauses)) for k in keys],
        pinned_matrix=pinned_matrix,
        pinned_theme=[theme_pos[tid] for tid, _ in pinned_texts],
        deleted=[t.is_deleted for t in theme_list],
    )
    return {
        k: (int(i), float(similarity))
        for k, i, similarity in zip(keys, assignment.theme_index, assignment.similarity, strict=True)
        if i >= 0
    }


def _themes_of(
    processed: ProcessedText, key: str, clause_theme: Mapping, theme_list: Sequence[Theme], main: int | None = None
) -> tuple[tuple[str, ...], tuple[ThemeMention, ...]]:
    if processed.is_non_answer:
        return (), ()
    weight: dict[int, float] = {}
    clauses_of: dict[int, list[int]] = {}
    previous: int | None = None
    for c in range(len(processed.clauses)):
        found = clause_theme.get((key, c))
        if found is None:  # an opinion-only clause ("rất tệ") belongs to the theme before it
            if previous is not None:
                clauses_of[previous].append(c)
            continue
        index, similarity = found
        if index < 0:
            previous = None
            continue
        # a clause that names an aspect outright ("đổi trả", "delivery") says more about the main theme
        concepts = sum(1 for t in processed.clause_terms[c] if t.startswith("@"))
        weight[index] = weight.get(index, 0.0) + similarity * (1 + concepts)
        clauses_of.setdefault(index, []).append(c)
        previous = index
    if main is not None and main not in weight:  # the whole answer fits a theme no single clause reached
        weight[main] = 0.0
        clauses_of[main] = list(range(len(processed.clauses)))
    if not weight:
        return (OTHER_THEME_ID,), ()
    order = sorted(weight, key=lambda j: (j != main, -weight[j]))  # the answer-level main theme first
    mentions = []
    for j in order:
        indices = clauses_of[j]
        scores = [processed.clause_scores[c] for c in indices if c < len(processed.clause_scores)]
        clauses = [processed.clauses[c] for c in indices]
        mentions.append(
            ThemeMention(theme_list[j].id, " … ".join(c.text for c in clauses), sent.combine(clauses, scores))
        )
    return tuple(theme_list[j].id for j in order), tuple(mentions)


def _label_themes(theme_list, assignment, row_key, row_clause, cache) -> list[Theme]:
    """Keywords per language (whole words, as written, no stop or opinion words) and labels of every theme."""
    sampled: list[tuple[int, Clause]] = []
    for j, theme in enumerate(theme_list):
        if theme.is_deleted:
            continue
        for row in np.flatnonzero(assignment.theme_index == j)[:KEYWORD_ROWS]:
            processed = cache[row_key[row]]
            clause = processed.clauses[row_clause[row]]
            sampled.append((j, clause if clause.lang else replace(clause, lang=processed.lang)))
    counter = KeywordCounter(learn_words(c for _, c in sampled))
    for j, clause in sampled:
        counter.add(j, clause)
    out = []
    for j, theme in enumerate(theme_list):
        keywords = {} if theme.is_deleted else counter.keywords(j, KEYWORDS_PER_LANGUAGE)
        out.append(theme if theme.is_deleted or (not keywords and theme.keywords) else relabel_theme(theme, keywords))
    return out


def _summaries(codebook, results, assignment, row_key, main_theme, distinct_text, cache) -> tuple[ThemeSummary, ...]:
    members: dict[str, list[AnswerAnalysis]] = {}
    for answer in results:
        for theme_id in answer.themes:
            members.setdefault(theme_id, []).append(answer)
    # representative quotes: distinct answers mainly about the theme, closest to it first; answers
    # that only mention it in a clause come after
    best_rows: dict[int, list[tuple[float, str]]] = {}
    concept_of = {j: _dominant_concept(t) for j, t in enumerate(codebook.themes)}
    for key, (index, similarity) in main_theme.items():
        names_it = concept_of[index] is not None and concept_of[index] in _answer_terms(cache[key])
        best_rows.setdefault(index, []).append((1.0 + similarity + (0.5 if names_it else 0.0), key))
    for row, index in enumerate(assignment.theme_index):
        if index >= 0:
            best_rows.setdefault(int(index), []).append((float(assignment.similarity[row]), row_key[row]))
    summaries = []
    for j, theme in enumerate(codebook.themes):
        if theme.is_deleted:
            continue
        quotes: list[str] = []
        seen: list[frozenset[str]] = []
        for _, key in sorted(best_rows.get(j, []), key=lambda sk: (-sk[0], abs(len(sk[1]) - 80))):
            text = distinct_text[key]
            if not 8 <= len(text) <= 400:
                continue
            tokens = quote_tokens(text)
            if any(_jaccard(tokens, other) >= QUOTE_MAX_OVERLAP for other in seen):
                continue  # the same answer again with "nhé" or an emoji added: one is enough
            quotes.append(text)
            seen.append(tokens)
            if len(quotes) == QUOTES_PER_THEME:
                break
        group = members.get(theme.id, [])
        summaries.append(
            ThemeSummary(
                theme.id,
                theme.label,
                MappingProxyType(dict(theme.keywords)),
                tuple(quotes),
                len(group),
                MappingProxyType(_mention_counts(group, theme.id)),
            )
        )
    summaries.sort(key=lambda s: -s.n_answers)
    other = members.get(OTHER_THEME_ID, [])
    other_quotes: list[str] = []
    other_seen: list[frozenset[str]] = []
    for text in dict.fromkeys(a.text for a in other if a.duplicate_of is None):
        tokens = quote_tokens(text)
        if not any(_jaccard(tokens, seen) >= QUOTE_MAX_OVERLAP for seen in other_seen):
            other_quotes.append(text)
            other_seen.append(tokens)
            if len(other_quotes) == QUOTES_PER_THEME:
                break
    summaries.append(
        ThemeSummary(
            OTHER_THEME_ID,
            OTHER_LABEL,
            MappingProxyType({}),
            tuple(other_quotes),
            len(other),
            MappingProxyType(Counter(a.sentiment.label for a in other)),
        )
    )
    return tuple(summaries)


_QUOTE_TOKEN_RE = re.compile(r"\w+")


def quote_tokens(text: str) -> frozenset[str]:
    """The folded words of a quote, to tell near-duplicate quotes apart."""
    return frozenset(_QUOTE_TOKEN_RE.findall(fold_accents(text.lower())))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _dominant_concept(theme: Theme) -> str | None:
    """The aspect concept ("@delivery") weighing most in a theme's centroid, if any."""
    concepts = [(w, t) for t, w in theme.centroid.items() if t.startswith("@")]
    return max(concepts)[1] if concepts else None


def _mention_counts(group: Sequence[AnswerAnalysis], theme_id: str) -> dict[str, int]:
    counts: Counter = Counter()
    for answer in group:
        for mention in answer.mentions:
            if mention.theme_id == theme_id:
                counts[answer.sentiment.label if answer.sentiment_source == "analyst" else mention.sentiment.label] += 1
    return dict(counts)
