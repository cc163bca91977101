"""Open answers of a survey: analysis runs, the analyst's codebook, sentiment overrides and reads.

Decisions:

* **Who** — reading themes, answers and comparisons needs ``view``; running the analysis, editing
  the codebook and overriding sentiment need ``analyse`` (``get_open_question_for_user``).
* **Runs** — the first run of a question discovers themes (``discover``). Every later run applies the
  stored codebook to the answers that are new or changed since, and to the answers still in
  "Other", where it also looks for new themes (``incremental``). ``rediscover`` starts over.
* **Edits** — rename, merge, split, delete, add, pin/unpin and keyword rules change the stored
  codebook through ``analysis.core.open_text.codebook.apply_edit``; every answer is then assigned
  again by the new codebook (at once up to ``SYNC_REASSIGN_LIMIT`` answers, else as a queued run).
  Edits live in the codebook, so they survive re-runs and new answers.
* **Overrides** — the analyst's sentiment for an answer is stored apart and handed to every run.
* **Theme × segment** — per demographic question (single choice with a demographic role) and per
  NPS question (promoters / passives / detractors): one Benjamini–Hochberg family per variable,
  pairs below ``min_n`` answers on either side are shown but not tested.
"""

import contextlib
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analysis import jobs
from analysis.core.open_text import segments as core_segments
from analysis.core.open_text.codebook import (
    OTHER_LABEL,
    OTHER_THEME_ID,
    Codebook,
    CodebookError,
    apply_edit,
    codebook_from_dict,
)
from analysis.core.open_text.pipeline import TextAnalysis, analyze_answers
from analysis.models import AnswerAnalysis, OpenTextCodebook, OpenTextRun, SentimentOverride, ThemeAssignment
from analysis.results import get_result_questions
from responses.models import Response
from surveys import audit
from surveys import selectors as survey_selectors
from surveys.core.questionnaire import QuestionSpec, QuestionType, RoleKind
from surveys.core.roles import Capability
from surveys.errors import Conflict, InvalidInput, NotFound
from surveys.models import Survey

User = survey_selectors.User

OPEN_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
MAX_TEXT_LENGTH = 10_000  # longer answers are analysed on their first 10,000 characters
STALE_RUN = dt.timedelta(minutes=30)
SYNC_REASSIGN_LIMIT = 5_000
BATCH = 2_000
MIN_THEMES, MAX_THEMES = 2, 30
SENTIMENTS = ("negative", "neutral", "positive", "mixed")


# --- questions and permissions ---------------------------------------------------------------


def list_open_questions(*, survey: Survey) -> tuple[QuestionSpec, ...]:
    """The survey's open questions (short and long text) across its published versions."""
    _spec, questions = get_result_questions(survey=survey)
    return tuple(q for q in questions if q.type in OPEN_TYPES)


def get_open_question(*, survey: Survey, question_key: str) -> QuestionSpec:
    for question in list_open_questions(survey=survey):
        if question.key == question_key:
            return question
    raise NotFound(_("This survey has no open question “{key}”.").format(key=question_key[:64]))


def get_open_question_for_user(
    *, slug: str, question_key: str, user: User, capability: Capability = Capability.VIEW
) -> tuple[Survey, QuestionSpec]:
    """The survey and its open question, if the user may act on it with ``capability``."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=user, capability=capability)
    return survey, get_open_question(survey=survey, question_key=question_key)


def load_open_answers(*, survey: Survey, question_key: str) -> list[tuple[int, str]]:
    """``(response id, text)`` of every finished response with a non-empty answer to the question."""
    rows = (
        Response.objects.filter(survey=survey)
        .finished()
        .order_by("id")
        .values_list("id", "answers")
        .iterator(chunk_size=BATCH)
    )
    out = []
    for response_id, answers in rows:
        text = answers.get(question_key) if isinstance(answers, dict) else None
        if isinstance(text, str) and text.strip():
            out.append((response_id, text[:MAX_TEXT_LENGTH]))
    return out


def list_analysed_question_keys(*, survey: Survey) -> set[str]:
    """Keys of the survey's questions that have a codebook (were analysed at least once)."""
    return set(OpenTextCodebook.objects.filter(survey=survey).values_list("question_key", flat=True))


def get_codebook_row(*, survey: Survey, question_key: str) -> OpenTextCodebook | None:
    return OpenTextCodebook.objects.filter(survey=survey, question_key=question_key).first()


def _codebook(row: OpenTextCodebook | None) -> Codebook | None:
    return codebook_from_dict(row.data) if row is not None else None


# --- runs ------------------------------------------------------------------------------------


def list_runs(*, survey: Survey, question_key: str | None = None):
    runs = OpenTextRun.objects.filter(survey=survey)
    if question_key is not None:
        runs = runs.filter(question_key=question_key)
    return runs.order_by("-created_at", "-id")


def get_latest_run(*, survey: Survey, question_key: str) -> OpenTextRun | None:
    return list_runs(survey=survey, question_key=question_key).first()


def get_run_for_user(*, run_id: int, user: User) -> OpenTextRun:
    run = OpenTextRun.objects.select_related("survey").filter(id=run_id).first()
    if run is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=run.survey.slug, user=user)
    return run


def get_run_of_question(*, survey: Survey, question_key: str, run_id: int) -> OpenTextRun:
    run = OpenTextRun.objects.filter(survey=survey, question_key=question_key, id=run_id).first()
    if run is None:
        raise NotFound()
    return run


def _clean_themes(themes: object) -> int | None:
    if themes in (None, ""):
        return None
    try:
        number = int(str(themes))
    except ValueError:
        number = 0
    if not MIN_THEMES <= number <= MAX_THEMES:
        text = _("The number of themes must be a whole number from {low} to {high}.").format(
            low=MIN_THEMES, high=MAX_THEMES
        )
        raise InvalidInput(text, fields={"themes": [text]})
    return number


def _clean_lang(lang: object) -> str | None:
    if lang in (None, ""):
        return None
    if lang not in ("vi", "en"):
        text = _("The language must be “vi”, “en” or empty (detect per answer).")
        raise InvalidInput(text, fields={"lang": [text]})
    return str(lang)


@transaction.atomic
def start_open_text_run(
    *,
    survey: Survey,
    question_key: str,
    created_by: Any = None,
    themes: object = None,
    lang: object = None,
    rediscover: bool = False,
    mode: str | None = None,
) -> OpenTextRun:
    """Queue the analysis of an open question: discovery the first time, else incremental."""
    get_open_question(survey=survey, question_key=question_key)
    k, language = _clean_themes(themes), _clean_lang(lang)
    has_codebook = OpenTextCodebook.objects.filter(survey=survey, question_key=question_key).exists()
    if mode is None:
        mode = OpenTextRun.Mode.DISCOVER if rediscover or not has_codebook else OpenTextRun.Mode.INCREMENTAL
    if k is not None and mode != OpenTextRun.Mode.DISCOVER:
        text = _("The number of themes applies to a new discovery only: the codebook fixes the themes.")
        raise InvalidInput(text, fields={"themes": [text]})
    # lock the survey row so two requests cannot both pass the "busy" check
    Survey.objects.select_for_update().filter(id=survey.id).first()
    busy = OpenTextRun.objects.filter(
        survey=survey,
        question_key=question_key,
        status__in=[OpenTextRun.Status.QUEUED, OpenTextRun.Status.RUNNING],
        created_at__gte=timezone.now() - STALE_RUN,
    ).exists()
    if busy:
        raise Conflict(_("An analysis of this question is already in progress."), code="run_in_progress")
    run = OpenTextRun.objects.create(
        survey=survey,
        question_key=question_key,
        mode=mode,
        options={"themes": k, "lang": language},
        celery_task_id=str(uuid.uuid4()),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    jobs.enqueue_on_commit(run)  # Redis away: the run stays queued and is sent when it is back
    audit.record(created_by, survey.workspace, audit.Action.ANALYSIS_RUN, run, question=question_key, mode=mode)
    return run


class RunRefused(Exception):
    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template)
        self.template = template
        self.params = params


def _fail(run_id: int, template: str, params: Mapping[str, object]) -> None:
    OpenTextRun.objects.filter(id=run_id).update(
        status=OpenTextRun.Status.FAILED,
        progress=100,
        error_message=template,
        error_params={k: str(v) for k, v in params.items()},
        finished_at=timezone.now(),
    )


def run_open_text_analysis(*, run_id: int) -> OpenTextRun | None:
    """Carry out a queued run; safe to repeat (a retry redoes it from the stored state)."""
    run = OpenTextRun.objects.select_related("survey").filter(id=run_id).first()
    if run is None or run.is_finished:
        return run
    OpenTextRun.objects.filter(id=run_id).update(
        status=OpenTextRun.Status.RUNNING, started_at=timezone.now(), progress=5
    )

    def progress(percent: int) -> None:
        OpenTextRun.objects.filter(id=run_id).update(progress=percent)

    try:
        counts = analyse_question(
            survey=run.survey,
            question_key=run.question_key,
            mode=run.mode,
            themes=run.options.get("themes"),
            lang=run.options.get("lang"),
            progress=progress,
        )
    except RunRefused as refused:
        _fail(run_id, refused.template, refused.params)
        run.refresh_from_db()
        return run
    OpenTextRun.objects.filter(id=run_id).update(
        status=OpenTextRun.Status.SUCCEEDED, progress=100, counts=counts, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def mark_run_failed(*, run_id: int) -> None:
    OpenTextRun.objects.filter(id=run_id).exclude(
        status__in=[OpenTextRun.Status.SUCCEEDED, OpenTextRun.Status.FAILED]
    ).update(
        status=OpenTextRun.Status.FAILED,
        progress=100,
        error_message=gettext_noop("The analysis task failed unexpectedly; run it again."),
        error_params={},
        finished_at=timezone.now(),
    )


def render_run_error(run: OpenTextRun) -> str:
    if not run.error_message:
        return ""
    try:
        return _(run.error_message).format(**run.error_params)
    except (KeyError, IndexError, ValueError):
        return _(run.error_message)


def _overrides(survey: Survey, question_key: str) -> dict[str, str]:
    rows = SentimentOverride.objects.filter(survey=survey, question_key=question_key)
    return {str(rid): label for rid, label in rows.values_list("response_id", "label")}


def analyse_question(
    *,
    survey: Survey,
    question_key: str,
    mode: str,
    themes: int | None = None,
    lang: str | None = None,
    progress: Callable[[int], None] = lambda percent: None,
) -> dict[str, int]:
    """Analyse the question's answers by ``mode`` and store the result; return what was done."""
    answers = load_open_answers(survey=survey, question_key=question_key)
    if not answers:
        raise RunRefused(gettext_noop("No finished response has answered this question yet."))
    progress(15)
    stored_row = get_codebook_row(survey=survey, question_key=question_key)
    try:
        stored = _codebook(stored_row)
    except CodebookError as error:
        raise RunRefused(error.message.template, **error.message.params) from None
    if stored is None:
        mode = OpenTextRun.Mode.DISCOVER
    subset = answers
    if mode == OpenTextRun.Mode.INCREMENTAL:
        known = {
            rid: (text, themes_)
            for rid, text, themes_ in AnswerAnalysis.objects.filter(survey=survey, question_key=question_key)
            .values_list("response_id", "text", "themes")
            .iterator(chunk_size=BATCH)
        }
        subset = [
            (rid, text)
            for rid, text in answers
            if rid not in known or known[rid][0] != text or list(known[rid][1]) == [OTHER_THEME_ID]
        ]
    present = {rid for rid, _text in answers}
    if not subset:
        _remove_gone(survey, question_key, present)
        progress(95)
        return {"answers": len(answers), "processed": 0, "themes": len(stored.active_themes) if stored else 0}
    try:
        analysis = analyze_answers(
            [(str(rid), text) for rid, text in subset],
            codebook=None if mode == OpenTextRun.Mode.DISCOVER else stored,
            themes=themes if mode == OpenTextRun.Mode.DISCOVER else None,
            lang=lang,
            sentiment_overrides=_overrides(survey, question_key),
            discover_new=mode == OpenTextRun.Mode.INCREMENTAL,
        )
    except ValueError as error:  # the core refuses K larger than the answers allow, and the like
        raise RunRefused(gettext_noop("The analysis could not run: {reason}"), reason=str(error)) from None
    progress(75)
    with transaction.atomic():
        codebook, summaries = _next_codebook(mode, stored, stored_row, analysis)
        _store(survey, question_key, analysis, replace_all=mode != OpenTextRun.Mode.INCREMENTAL)
        _remove_gone(survey, question_key, present)
        row, _created = OpenTextCodebook.objects.select_for_update().get_or_create(
            survey=survey, question_key=question_key, defaults={"data": {}, "version": 0}
        )
        if stored_row is not None and row.version != stored_row.version:
            # an analyst edited the codebook while this run worked: storing would undo the edit
            raise RunRefused(gettext_noop("The codebook was edited during the run; run the analysis again."))
        row.data = codebook.to_dict()
        row.summaries = summaries
        row.version += 1
        row.save()
    return {
        "answers": len(answers),
        "processed": len(subset),
        "themes": len(codebook.active_themes),
        "k": analysis.k or 0,
    }


def _summary(theme) -> dict[str, Any]:
    return {"keywords": {lang: list(words) for lang, words in theme.keywords.items()}, "quotes": list(theme.quotes)}


def _next_codebook(
    mode: str, stored: Codebook | None, stored_row: OpenTextCodebook | None, analysis: TextAnalysis
) -> tuple[Codebook, dict[str, Any]]:
    """The codebook and theme summaries to store after a run.

    An incremental run saw only part of the answers: the stored themes keep their labels and
    keywords (relabelling from a handful of new answers would be noise); only themes it found anew
    are added, and quotes are topped up to three.
    """
    fresh = {t.id: _summary(t) for t in analysis.themes}
    if mode != OpenTextRun.Mode.INCREMENTAL or stored is None:
        return analysis.codebook, fresh
    known = {t.id for t in stored.themes}
    added = tuple(t for t in analysis.codebook.themes if t.id not in known)
    codebook = Codebook((*stored.themes, *added), max(stored.next_number, analysis.codebook.next_number))
    summaries = dict(stored_row.summaries if stored_row else {})
    for theme_id, summary in fresh.items():
        old = summaries.get(theme_id)
        if old is None:
            summaries[theme_id] = summary
            continue
        quotes = list(old.get("quotes", []))
        for quote in summary["quotes"]:
            if len(quotes) >= 3:
                break
            if quote not in quotes:
                quotes.append(quote)
        summaries[theme_id] = {**old, "quotes": quotes}
    return codebook, summaries


def _store(survey: Survey, question_key: str, analysis: TextAnalysis, *, replace_all: bool) -> None:
    ids = [int(a.id) for a in analysis.answers]
    scope = {"survey": survey, "question_key": question_key}
    if replace_all:
        AnswerAnalysis.objects.filter(**scope).delete()
        ThemeAssignment.objects.filter(**scope).delete()
    else:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            AnswerAnalysis.objects.filter(**scope, response_id__in=chunk).delete()
            ThemeAssignment.objects.filter(**scope, response_id__in=chunk).delete()
    analyses, assignments = [], []
    for answer in analysis.answers:
        rid = int(answer.id)
        analyses.append(
            AnswerAnalysis(
                **scope,
                response_id=rid,
                text=answer.text,
                lang=answer.lang,
                vi_share=answer.vi_share,
                en_share=answer.en_share,
                sentiment=answer.sentiment.label,
                score=max(-1.0, min(1.0, float(answer.sentiment.score))),
                sentiment_source=answer.sentiment_source,
                is_non_answer=answer.is_non_answer,
                is_duplicate=answer.duplicate_of is not None,
                themes=list(answer.themes),
            )
        )
        mentions = {m.theme_id: m for m in answer.mentions}
        for position, theme_id in enumerate(answer.themes):
            mention = mentions.get(theme_id)
            overridden = answer.sentiment_source == "analyst" or mention is None
            sentiment = answer.sentiment if overridden else mention.sentiment
            assignments.append(
                ThemeAssignment(
                    **scope,
                    response_id=rid,
                    theme_id=theme_id,
                    position=position,
                    sentiment=sentiment.label,
                    score=max(-1.0, min(1.0, float(sentiment.score))),
                    mention=mention.text if mention else "",
                )
            )
    AnswerAnalysis.objects.bulk_create(analyses, batch_size=BATCH)
    ThemeAssignment.objects.bulk_create(assignments, batch_size=BATCH)


def _remove_gone(survey: Survey, question_key: str, present: set[int]) -> None:
    """Forget answers that were emptied or whose response no longer counts as finished."""
    scope = {"survey": survey, "question_key": question_key}
    stored = set(AnswerAnalysis.objects.filter(**scope).values_list("response_id", flat=True))
    gone = list(stored - present)
    for start in range(0, len(gone), BATCH):
        chunk = gone[start : start + BATCH]
        AnswerAnalysis.objects.filter(**scope, response_id__in=chunk).delete()
        ThemeAssignment.objects.filter(**scope, response_id__in=chunk).delete()


# --- the analyst's edits ---------------------------------------------------------------------


@dataclass(frozen=True)
class EditOutcome:
    codebook: OpenTextCodebook
    run: OpenTextRun | None  # a queued re-assignment when there were too many answers to do it at once


def edit_codebook(*, survey: Survey, question_key: str, edit: Mapping[str, Any], edited_by: Any = None) -> EditOutcome:
    """Apply one codebook edit (``apply_edit``'s plain form) and assign every answer again."""
    get_open_question(survey=survey, question_key=question_key)
    with transaction.atomic():
        row = OpenTextCodebook.objects.select_for_update().filter(survey=survey, question_key=question_key).first()
        if row is None:
            raise Conflict(_("Run the analysis of this question first: there are no themes to edit yet."))
        try:
            codebook = apply_edit(codebook_from_dict(row.data), edit)
        except CodebookError as error:
            text = error.message.render(_)
            raise InvalidInput(text, fields={"edit": [text]}) from None
        row.data = codebook.to_dict()
        row.version += 1
        row.updated_by = edited_by if getattr(edited_by, "is_authenticated", False) else None
        row.save()
    n = AnswerAnalysis.objects.filter(survey=survey, question_key=question_key).count()
    if n > SYNC_REASSIGN_LIMIT:
        try:
            run = start_open_text_run(
                survey=survey, question_key=question_key, created_by=edited_by, mode=OpenTextRun.Mode.REASSIGN
            )
        except Conflict:
            run = None  # the run in progress will refuse to store (the codebook changed): run again
        return EditOutcome(row, run)
    with contextlib.suppress(RunRefused):  # no answers left, or a run stored meanwhile: the edit stands
        analyse_question(survey=survey, question_key=question_key, mode=OpenTextRun.Mode.REASSIGN)
    row.refresh_from_db()
    return EditOutcome(row, None)


def _answer_of(survey: Survey, question_key: str, response_id: int) -> AnswerAnalysis:
    answer = AnswerAnalysis.objects.filter(survey=survey, question_key=question_key, response_id=response_id).first()
    if answer is None:
        raise NotFound(_("This answer has not been analysed."))
    return answer


@transaction.atomic
def set_sentiment_override(
    *, survey: Survey, question_key: str, response_id: int, label: str, by: Any = None
) -> AnswerAnalysis:
    """Store the analyst's sentiment for one answer and apply it at once (and in every later run)."""
    if label not in SENTIMENTS:
        text = _("Choose negative, neutral, positive or mixed.")
        raise InvalidInput(text, fields={"label": [text]})
    answer = _answer_of(survey, question_key, response_id)
    SentimentOverride.objects.update_or_create(
        survey=survey,
        question_key=question_key,
        response_id=response_id,
        defaults={
            "label": label,
            "created_by": by if getattr(by, "is_authenticated", False) else None,
            "created_at": timezone.now(),
        },
    )
    return _rescore(answer, {str(response_id): label})


@transaction.atomic
def clear_sentiment_override(*, survey: Survey, question_key: str, response_id: int) -> AnswerAnalysis:
    answer = _answer_of(survey, question_key, response_id)
    SentimentOverride.objects.filter(survey=survey, question_key=question_key, response_id=response_id).delete()
    return _rescore(answer, {})


def _rescore(answer: AnswerAnalysis, overrides: Mapping[str, str]) -> AnswerAnalysis:
    """The answer's sentiment by the core (with the override, if any); its themes stay as assigned."""
    result = analyze_answers(
        [(str(answer.response_id), answer.text)], codebook=Codebook(), sentiment_overrides=overrides
    )
    found = result.answers[0]
    answer.sentiment = found.sentiment.label
    answer.score = max(-1.0, min(1.0, float(found.sentiment.score)))
    answer.sentiment_source = found.sentiment_source
    answer.save(update_fields=["sentiment", "score", "sentiment_source"])
    if found.sentiment_source == "analyst":
        ThemeAssignment.objects.filter(
            survey_id=answer.survey_id, question_key=answer.question_key, response_id=answer.response_id
        ).update(sentiment=answer.sentiment, score=answer.score)
    return answer


# --- reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeView:
    id: str
    label: str
    keywords: Mapping[str, list[str]]
    quotes: list[str]
    n_answers: int
    share: float  # of the analysed answers that are not non-answers
    sentiment: Mapping[str, int]  # mentions per sentiment label
    rules: list[str] = field(default_factory=list)
    pinned: list[str] = field(default_factory=list)
    is_edited: bool = False
    is_other: bool = False


@dataclass(frozen=True)
class ThemeOverview:
    question: QuestionSpec
    codebook: OpenTextCodebook | None
    themes: tuple[ThemeView, ...]  # by volume, "Other" last
    n_answers: int  # analysed answers
    n_non_answers: int
    n_duplicates: int
    n_pending: int  # answers not analysed yet (new since the last run)
    sentiment: Mapping[str, int]  # answers per sentiment label
    languages: Mapping[str, int]


def get_theme_overview(*, survey: Survey, question: QuestionSpec) -> ThemeOverview:
    key = question.key
    row = get_codebook_row(survey=survey, question_key=key)
    analyses = AnswerAnalysis.objects.filter(survey=survey, question_key=key)
    n_answers = analyses.count()
    n_non = analyses.filter(is_non_answer=True).count()
    volume: Counter = Counter()
    mix: dict[str, Counter] = {}
    for theme_id, sentiment, n in (
        ThemeAssignment.objects.filter(survey=survey, question_key=key)
        .values_list("theme_id", "sentiment")
        .annotate(n=Count("id"))
    ):
        volume[theme_id] += n
        mix.setdefault(theme_id, Counter())[sentiment] += n
    themes: list[ThemeView] = []
    base = max(n_answers - n_non, 1)
    if row is not None:
        codebook = codebook_from_dict(row.data)
        for theme in codebook.active_themes:
            summary = row.summaries.get(theme.id, {})
            themes.append(
                ThemeView(
                    id=theme.id,
                    label=theme.label,
                    keywords={lang: list(words) for lang, words in theme.keywords.items()}
                    or summary.get("keywords", {}),
                    quotes=list(theme.pinned[:3])
                    + [q for q in summary.get("quotes", []) if q not in theme.pinned][: max(0, 3 - len(theme.pinned))],
                    n_answers=volume.get(theme.id, 0),
                    share=volume.get(theme.id, 0) / base,
                    sentiment=dict(mix.get(theme.id, {})),
                    rules=list(theme.rules),
                    pinned=list(theme.pinned),
                    is_edited=theme.is_edited,
                )
            )
        themes.sort(key=lambda t: -t.n_answers)
        other = row.summaries.get(OTHER_THEME_ID, {})
        themes.append(
            ThemeView(
                id=OTHER_THEME_ID,
                label=_(OTHER_LABEL),
                keywords={},
                quotes=list(other.get("quotes", [])),
                n_answers=volume.get(OTHER_THEME_ID, 0),
                share=volume.get(OTHER_THEME_ID, 0) / base,
                sentiment=dict(mix.get(OTHER_THEME_ID, {})),
                is_other=True,
            )
        )
    # answers given so far (an answer of spaces only counts here, though no run analyses it)
    present = (
        Response.objects.filter(survey=survey, answers__has_key=key)
        .finished()
        .exclude(**{f"answers__{key}": ""})
        .count()
    )
    return ThemeOverview(
        question=question,
        codebook=row,
        themes=tuple(themes),
        n_answers=n_answers,
        n_non_answers=n_non,
        n_duplicates=analyses.filter(is_duplicate=True).count(),
        n_pending=max(0, present - n_answers),
        sentiment=dict(analyses.values_list("sentiment").annotate(n=Count("id")).values_list("sentiment", "n")),
        languages=dict(analyses.values_list("lang").annotate(n=Count("id")).values_list("lang", "n")),
    )


def get_theme(*, overview: ThemeOverview, theme_id: str) -> ThemeView:
    for theme in overview.themes:
        if theme.id == theme_id:
            return theme
    raise NotFound(_("There is no theme “{theme}” for this question.").format(theme=theme_id[:16]))


def list_answers(*, survey: Survey, question_key: str, theme_id: str = "", sentiment: str = ""):
    """The analysed answers, optionally of one theme and one sentiment, with their theme mentions."""
    answers = AnswerAnalysis.objects.filter(survey=survey, question_key=question_key)
    if theme_id:
        answers = answers.filter(
            response_id__in=ThemeAssignment.objects.filter(
                survey=survey, question_key=question_key, theme_id=theme_id
            ).values("response_id")
        )
    if sentiment:
        if sentiment not in SENTIMENTS:
            text = _("Choose negative, neutral, positive or mixed.")
            raise InvalidInput(text, fields={"sentiment": [text]})
        answers = answers.filter(sentiment=sentiment)
    return answers.order_by("response_id")


# --- theme × segment -------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentVariable:
    key: str
    label: str
    kind: str  # "demographic" or "nps"
    groups: Mapping[str, str]  # group code → label


@dataclass(frozen=True)
class SegmentComparison:
    variable: SegmentVariable
    table: core_segments.ThemeSegmentTable | None
    n_answers: int  # answers with a theme and a group in this variable


def list_segment_variables(*, survey: Survey, language: str = "vi") -> tuple[SegmentVariable, ...]:
    _spec, questions = get_result_questions(survey=survey)
    out = []
    for q in questions:
        if q.type == QuestionType.SINGLE_CHOICE and q.role is not None and q.role.kind == RoleKind.DEMOGRAPHIC:
            groups = {c.value: c.label.get(language) or c.value for c in q.choices}
            out.append(SegmentVariable(q.key, q.text.get(language) or q.key, "demographic", groups))
        elif q.type == QuestionType.NPS:
            groups = {
                core_segments.PROMOTER: _("Promoters (9–10)"),
                core_segments.PASSIVE: _("Passives (7–8)"),
                core_segments.DETRACTOR: _("Detractors (0–6)"),
            }
            out.append(SegmentVariable(q.key, q.text.get(language) or q.key, "nps", groups))
    return tuple(out)


def _group_of(variable: SegmentVariable, value: object) -> str | None:
    if variable.kind == "nps":
        if isinstance(value, bool) or not isinstance(value, int | float) or float(value) != int(value):
            return None
        try:
            return core_segments.nps_segment(int(value))
        except ValueError:
            return None
    return value if isinstance(value, str) and value in variable.groups else None


def compare_segments(
    *, survey: Survey, question_key: str, min_n: int = core_segments.MIN_N, language: str = "vi"
) -> tuple[SegmentComparison, ...]:
    """Theme shares per segment against the rest, one BH family per segment variable."""
    if not 5 <= min_n <= 1000:
        text = _("The minimum group size must be from 5 to 1000.")
        raise InvalidInput(text, fields={"min_n": [text]})
    themes: dict[str, list[str]] = {}
    for rid, theme_id in (
        ThemeAssignment.objects.filter(survey=survey, question_key=question_key)
        .values_list("response_id", "theme_id")
        .iterator(chunk_size=BATCH)
    ):
        themes.setdefault(str(rid), []).append(theme_id)
    variables = list_segment_variables(survey=survey, language=language)
    answers_of: dict[str, dict] = {}
    if themes and variables:
        ids = [int(r) for r in themes]
        for start in range(0, len(ids), BATCH):
            for rid, answers in Response.objects.filter(id__in=ids[start : start + BATCH]).values_list("id", "answers"):
                answers_of[str(rid)] = answers if isinstance(answers, dict) else {}
    out = []
    for variable in variables:
        segment = {
            rid: group
            for rid in themes
            if (group := _group_of(variable, answers_of.get(rid, {}).get(variable.key))) is not None
        }
        table = None
        if segment:
            table = core_segments.compare_themes_across_segments(
                themes, segment, min_n=min_n, exclude_themes=(OTHER_THEME_ID,)
            )
        out.append(SegmentComparison(variable, table, len(segment)))
    return tuple(out)
