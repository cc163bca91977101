"""Reads for the results dashboard: a survey's responses, filtered, summarised per question.

Who may read: any member with the ``view`` capability (``surveys.core.roles``: "see surveys,
their questions and results") — viewers included, since results are aggregates; the raw
responses stay behind ``analyse`` (``responses.selectors.list_responses_for_user``). Not a
member → not found.

Responses are read once, as ``(id, answers)`` pairs streamed with ``values_list().iterator()``,
and split into one column per question. Answers are keyed by stable question keys and option
codes, so every version lines up; labels come from the latest published version, with options
and questions that only older versions had appended (``analysis.core.results.merge_versions``).

Weights come from the survey's current weighting run (``analysis.selectors.get_active_weights``).
A response without a weight (it finished after the run, or it is partial) cannot be weighted: the
weighted results leave it out and say how many were left out, rather than guess its weight.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import DateTimeField, F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from analysis import selectors as analysis_selectors
from analysis.core import results as core
from responses.core.answers import answer_matches, other_key
from responses.models import Collector, Response
from surveys import selectors as survey_selectors
from surveys.core.questionnaire import QuestionSpec, QuestionType, SurveySpec
from surveys.core.roles import Capability
from surveys.errors import InvalidInput
from surveys.models import Survey

User = survey_selectors.User

FILTERABLE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ResultFilters:
    """Which responses to summarise, and how. The defaults: every finished response, unweighted."""

    date_from: dt.date | None = None  # submission date (start date for partial responses), inclusive
    date_to: dt.date | None = None
    collector_id: int | None = None
    segment_key: str = ""  # keep responses whose answer to this question …
    segment_values: tuple[str, ...] = ()  # … is (or includes) one of these codes
    include_partial: bool = False
    weighted: bool = False
    breakdown_key: str = ""  # a single-choice question to break every result down by


@dataclass(frozen=True)
class WeightingState:
    is_available: bool  # the survey has a successful weighting run
    is_applied: bool
    run_finished_at: dt.datetime | None = None
    unweighted_count: int = 0  # responses in the filtered set left out because they have no weight
    excluded_count: int = 0  # responses the weighting excluded (weight 0), left out as well
    is_discarded: bool = False  # an analyst discarded the latest weights: results are unweighted


@dataclass(frozen=True)
class AnswerColumns:
    """The filtered responses as one list of answers (None when unanswered) per question key."""

    ids: list[int]
    columns: dict[str, list[object]]
    others: dict[str, list[object]]


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    spec: SurveySpec | None  # the latest published version; None before the first publication
    version_number: int | None
    questions: tuple[QuestionSpec, ...]
    filters: ResultFilters
    response_count: int  # responses in the filtered set (before leaving out unweighted ones)
    summaries: tuple[core.QuestionSummary, ...]
    breakdowns: Mapping[str, core.SegmentBreakdown] = field(default_factory=dict)
    breakdown_question: QuestionSpec | None = None
    weighting: WeightingState = field(default_factory=lambda: WeightingState(False, False))


@dataclass(frozen=True)
class ResultOptions:
    """What the filters can offer for a survey."""

    spec: SurveySpec | None
    questions: tuple[QuestionSpec, ...]
    collectors: list[Collector]
    filter_questions: tuple[QuestionSpec, ...]  # segment filters: choice questions
    breakdown_questions: tuple[QuestionSpec, ...]  # breakdowns: single choice questions
    has_weights: bool


# --- reads ----------------------------------------------------------------------------------


def get_survey_for_results(*, slug: str, user: User) -> Survey:
    """Return a survey whose results the user may see (not a member → NotFound)."""
    return survey_selectors.get_survey_for_user(slug=slug, user=user, capability=Capability.VIEW)


def list_result_collectors(*, survey: Survey) -> list[Collector]:
    return list(Collector.objects.filter(survey=survey).order_by("created_at", "id"))


def get_result_questions(*, survey: Survey) -> tuple[SurveySpec | None, tuple[QuestionSpec, ...]]:
    """Return the latest published questionnaire and the questions across every version."""
    versions = [version.spec() for version in survey_selectors.list_versions(survey=survey).order_by("-number")]
    if not versions:
        return None, ()
    return versions[0], core.merge_versions(versions[0], versions[1:])


def get_result_options(*, survey: Survey) -> ResultOptions:
    spec, questions = get_result_questions(survey=survey)
    return ResultOptions(
        spec=spec,
        questions=questions,
        collectors=list_result_collectors(survey=survey),
        filter_questions=filterable_questions(questions),
        breakdown_questions=core.segment_questions(questions),
        has_weights=analysis_selectors.get_active_run(survey=survey) is not None,
    )


def filterable_questions(questions: Sequence[QuestionSpec]) -> tuple[QuestionSpec, ...]:
    """Return the questions a filter can test (choice questions, demographic ones first)."""
    choice = [question for question in questions if question.type in FILTERABLE_TYPES]
    demographic = [q for q in choice if q.role is not None and q.role.kind.value == "demographic"]
    return tuple(demographic + [q for q in choice if q not in demographic])


def check_filters(*, survey: Survey, questions: Sequence[QuestionSpec], filters: ResultFilters) -> None:
    """Raise InvalidInput, naming the field, when a filter cannot apply to this survey."""
    by_key = {question.key: question for question in questions}
    fields: dict[str, list[str]] = {}
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        fields["date_to"] = [_("The end date is before the start date.")]
    if (
        filters.collector_id is not None
        and not Collector.objects.filter(survey=survey, id=filters.collector_id).exists()
    ):
        fields["collector"] = [_("This survey has no such collector.")]
    if filters.segment_key:
        question = by_key.get(filters.segment_key)
        if question is None or question.type not in FILTERABLE_TYPES:
            fields["segment"] = [_("Choose a single or multiple choice question of this survey.")]
        elif not filters.segment_values:
            fields["segment_value"] = [_("Choose at least one answer to keep.")]
        else:
            unknown = [value for value in filters.segment_values if value not in question.choice_values()]
            if unknown:
                fields["segment_value"] = [
                    _("Question “%(key)s” has no option “%(value)s”.") % {"key": question.key, "value": unknown[0]}
                ]
    elif filters.segment_values:
        fields["segment"] = [_("Choose the question the answers belong to.")]
    if filters.breakdown_key:
        question = by_key.get(filters.breakdown_key)
        if question is None or question.type != QuestionType.SINGLE_CHOICE:
            fields["breakdown"] = [_("Choose a single choice question of this survey.")]
    if fields:
        raise InvalidInput(_("These filters cannot be applied."), fields=fields)


def _responses(survey: Survey, filters: ResultFilters):
    statuses = [Response.Status.COMPLETE, Response.Status.FLAGGED]
    if filters.include_partial:
        statuses.append(Response.Status.PARTIAL)
    responses = Response.objects.filter(survey=survey, status__in=statuses)
    if filters.collector_id is not None:
        responses = responses.filter(collector_id=filters.collector_id)
    if filters.date_from or filters.date_to:
        responses = responses.annotate(
            answered_at=Coalesce(F("submitted_at"), F("started_at"), output_field=DateTimeField())
        )
        if filters.date_from:
            responses = responses.filter(answered_at__date__gte=filters.date_from)
        if filters.date_to:
            responses = responses.filter(answered_at__date__lte=filters.date_to)
    return responses.order_by("id")


def load_answer_columns(*, survey: Survey, filters: ResultFilters, keys: Sequence[str]) -> AnswerColumns:
    """Stream the filtered responses into one column of answers per question key."""
    ids: list[int] = []
    columns: dict[str, list[object]] = {key: [] for key in keys}
    others: dict[str, list[object]] = {key: [] for key in keys}
    segment_key, segment_values = filters.segment_key, filters.segment_values
    rows = _responses(survey, filters).values_list("id", "answers").iterator(chunk_size=CHUNK_SIZE)
    pairs = [(columns[key].append, others[key].append, key, other_key(key)) for key in keys]
    for response_id, answers in rows:
        if not isinstance(answers, dict):
            answers = {}
        if segment_key and not answer_matches(answers.get(segment_key), segment_values):
            continue
        ids.append(response_id)
        get = answers.get
        for add, add_other, key, key_other in pairs:
            add(get(key))
            add_other(get(key_other))
    return AnswerColumns(ids, columns, others)


def get_results(*, survey: Survey, filters: ResultFilters) -> SurveyResults:
    """Return every question's summary (and its segment breakdown, when asked) for the filters."""
    spec, questions = get_result_questions(survey=survey)
    check_filters(survey=survey, questions=questions, filters=filters)
    run = analysis_selectors.get_active_run(survey=survey)
    weighting = WeightingState(
        is_available=run is not None,
        is_applied=False,
        is_discarded=run is None and analysis_selectors.get_discarded_run(survey=survey) is not None,
    )
    if filters.weighted and run is None:
        raise InvalidInput(
            _("This survey has no weights yet: run the weighting first."), fields={"weighted": [_("No weights.")]}
        )
    keys = [question.key for question in questions]
    data = load_answer_columns(survey=survey, filters=filters, keys=keys)
    response_count = len(data.ids)
    weights = None
    columns, others = data.columns, data.others
    weights_by_id = analysis_selectors.get_active_weights(survey=survey) if filters.weighted else None
    if weights_by_id is not None:
        mask, weights = core.weights_for(data.ids, weights_by_id)
        positive = weights > 0  # weight 0: the analyst excluded the respondent from weighting
        rows = np.flatnonzero(mask)[positive]
        weights = weights[positive]
        weighting = WeightingState(
            is_available=True,
            is_applied=True,
            run_finished_at=run.finished_at,
            unweighted_count=int((~mask).sum()),
            excluded_count=int((~positive).sum()),
        )
        if rows.size < response_count:
            rows_list = rows.tolist()
            columns = {key: [column[row] for row in rows_list] for key, column in columns.items()}
            others = {key: [column[row] for row in rows_list] for key, column in others.items()}
    summaries = tuple(
        core.summarize_question(question, columns[question.key], others=others[question.key], weights=weights)
        for question in questions
    )
    breakdowns: dict[str, core.SegmentBreakdown] = {}
    breakdown_question = None
    if filters.breakdown_key:
        breakdown_question = next(question for question in questions if question.key == filters.breakdown_key)
        for question in questions:
            if question.key == breakdown_question.key:
                continue
            breakdowns[question.key] = core.summarize_by_segment(
                question,
                columns[question.key],
                breakdown_question,
                columns[breakdown_question.key],
                others=others[question.key],
                weights=weights,
            )
    latest = survey_selectors.get_latest_version(survey=survey)
    return SurveyResults(
        survey=survey,
        spec=spec,
        version_number=latest.number if latest is not None else None,
        questions=questions,
        filters=filters,
        response_count=response_count,
        summaries=summaries,
        breakdowns=breakdowns,
        breakdown_question=breakdown_question,
        weighting=weighting,
    )
