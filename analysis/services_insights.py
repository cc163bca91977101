"""Candidate insights of a survey: the analysis run, the candidates it stores, and the analyst's workflow.

**The run** (``start_analysis`` queues it as a Celery task; ``analyze_survey`` runs it at once, for
the command line): the survey's finished responses (complete or flagged, ``analysis.results``) are
coded into plain arrays — every closed question (single and multiple choice, ratings, NPS, matrix
rows) as a question variable, every single-choice question with a demographic role and the NPS
promoters / passives / detractors as segment variables — and handed to the pure cores
(``analysis.core.crosstabs`` and ``analysis.core.insights``). Weights apply when a target set is
attached and a weighting run succeeded; responses without a weight (finished after the run) or with
weight 0 are left out and counted in a warning. A variable whose sample mix the representativeness
report flags carries a caveat (weighted: only when the weights could not correct it). Theme
concentrations come from the open-answer layer's codebooks and theme assignments
(``theme_inputs``), one multiple-testing family per coded open question; without them the run
says so in its warnings. Quotes are the theme's answers in the group (up to 3).

**Storing candidates**: each candidate has a stable fingerprint (its id in the core: kind,
question, answer level, segment variable and group). A re-run refreshes the evidence of the
insight with the same fingerprint and keeps the analyst's status, reason, plan and tracking
record; an insight it no longer finds stays, marked ``is_current = False``.

**Workflow**: candidate → accepted or rejected (a reason is required) → validating (with a
validation plan sized by the sample-size core: two proportions or two means, from the evidence) →
confirmed or refuted. A rejected insight can be reopened as a candidate. Every change is an
``InsightEvent``; an invalid transition raises ``InvalidInput`` and changes nothing.
"""

import datetime as dt
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analysis import jobs, representativeness, selectors
from analysis import services as weighting_services
from analysis.core import crosstabs as ct
from analysis.core import insights as core
from analysis.models import (
    AnalysisRun,
    AnswerAnalysis,
    Benchmark,
    Insight,
    InsightEvent,
    OpenTextCodebook,
    PreviousWave,
    ThemeAssignment,
    ValidationPlan,
)
from analysis.representativeness import get_representativeness_report
from analysis.results import ResultFilters, get_result_questions, load_answer_columns
from surveys import audit
from surveys.core import sample_size as ss
from surveys.core.messages import Message
from surveys.core.questionnaire import QuestionSpec, QuestionType, RoleKind, Text
from surveys.core.sample_size import DEFAULT_MINIMUM_SEGMENT_COUNT
from surveys.errors import Conflict, InvalidInput, NotFound
from surveys.models import Survey

NOT_APPLICABLE = "not_applicable"
STALE_RUN = dt.timedelta(minutes=30)  # an unfinished run older than this no longer blocks a new one
NPS_GROUP_SUFFIX = "__nps_group"
NPS_GROUP_LABELS = (
    Text(vi="Người ủng hộ (9–10)", en="Promoters (9–10)"),
    Text(vi="Người trung lập (7–8)", en="Passives (7–8)"),
    Text(vi="Người phản đối (0–6)", en="Detractors (0–6)"),
)
NOT_CHOSEN = Text(vi="không chọn", en="not chosen")
MAX_TEXT = 5000
# Short names for statements ("Respondents with age “18–24” rate …") instead of the question's wording.
ROLE_LABELS: Mapping[str, Text] = {
    "gender": Text(vi="giới tính", en="gender"),
    "age": Text(vi="độ tuổi", en="age"),
    "income": Text(vi="thu nhập", en="income"),
    "region": Text(vi="vùng", en="region"),
    "area": Text(vi="khu vực", en="area"),
    "education": Text(vi="học vấn", en="education"),
    "occupation": Text(vi="nghề nghiệp", en="occupation"),
    "satisfaction": Text(vi="mức độ hài lòng chung", en="overall satisfaction"),
    "nps": Text(vi="khả năng giới thiệu (NPS)", en="likelihood to recommend (NPS)"),
    "intent": Text(vi="ý định mua lại", en="intent to buy again"),
}
MAX_METRIC = 300

# Which status may follow which; "rejected → candidate" reopens a rejection made in error.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    Insight.Status.CANDIDATE: frozenset({Insight.Status.ACCEPTED, Insight.Status.REJECTED}),
    Insight.Status.ACCEPTED: frozenset({Insight.Status.VALIDATING, Insight.Status.REJECTED}),
    Insight.Status.REJECTED: frozenset({Insight.Status.CANDIDATE}),
    Insight.Status.VALIDATING: frozenset({Insight.Status.CONFIRMED, Insight.Status.REFUTED}),
    Insight.Status.CONFIRMED: frozenset(),
    Insight.Status.REFUTED: frozenset(),
}


def _json_safe(value: Any) -> Any:
    return weighting_services.json_safe(value)


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    alpha: float = 0.05
    min_group_n: int = DEFAULT_MINIMUM_SEGMENT_COUNT
    min_effect_size: float = 0.2
    min_driver_correlation: float = 0.2
    weighted: bool = True  # use the weights when the survey has them

    def thresholds(self) -> core.InsightThresholds:
        return core.InsightThresholds(
            alpha=self.alpha,
            min_group_n=self.min_group_n,
            min_effect_size=self.min_effect_size,
            min_driver_correlation=self.min_driver_correlation,
        )


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def clean_settings(raw: Mapping[str, Any] | None) -> AnalysisSettings:
    """Return the settings from user input, raising InvalidInput naming each bad field."""
    raw = dict(raw or {})
    default = AnalysisSettings()
    fields: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    unknown = set(raw) - {"alpha", "min_group_n", "min_effect_size", "min_driver_correlation", "weighted"}
    for name in sorted(unknown):
        fields[name] = [_("Unknown setting.")]
    rules = {
        "alpha": (lambda x: 0 < x < 0.5, _("Give a false-discovery rate above 0 and below 0.5.")),
        "min_group_n": (lambda x: x.is_integer() and 2 <= x <= 100_000, _("Give a whole number from 2 to 100000.")),
        "min_effect_size": (lambda x: 0 <= x <= 5, _("Give an effect size from 0 to 5.")),
        "min_driver_correlation": (lambda x: 0 <= x < 1, _("Give a correlation from 0 up to (not including) 1.")),
    }
    for name, (check, text) in rules.items():
        if raw.get(name) in (None, ""):
            values[name] = getattr(default, name)
            continue
        number = _number(raw[name])
        if number is None or not check(number):
            fields[name] = [text]
        else:
            values[name] = int(number) if name == "min_group_n" else number
    weighted = raw.get("weighted", default.weighted)
    if isinstance(weighted, str) and weighted.lower() in ("true", "false", "1", "0", "on", "off", ""):
        weighted = weighted.lower() in ("true", "1", "on")
    if not isinstance(weighted, bool):
        fields["weighted"] = [_("Give true or false.")]
    values["weighted"] = weighted
    if fields:
        raise InvalidInput(_("These analysis settings are not valid."), fields=fields)
    return AnalysisSettings(**values)


# --- coding the answers ----------------------------------------------------------------------


@dataclass
class CodedSurvey:
    """The answers as the cores take them."""

    questions: list[ct.CodedVariable] = field(default_factory=list)
    segments: list[ct.CodedVariable] = field(default_factory=list)
    question_info: dict[str, core.QuestionInfo] = field(default_factory=dict)
    segment_info: dict[str, core.SegmentInfo] = field(default_factory=dict)
    derived_pairs: list[tuple[str, str]] = field(default_factory=list)
    numeric: dict[str, np.ndarray] = field(default_factory=dict)  # ordinal variables as numbers (NaN missing)
    kpis: list[str] = field(default_factory=list)  # ordinal KPI variables
    source: dict[str, str] = field(default_factory=dict)  # variable key → question key


def _scale_points(choices: Sequence[Any]) -> np.ndarray | None:
    try:
        return np.array([float(choice.value) for choice in choices])
    except ValueError:
        return None


def _code_nominal(column: Sequence[object], codes: Sequence[str]) -> np.ndarray:
    index = {code: i for i, code in enumerate(codes)}
    return np.fromiter(
        (index.get(v, -1) if isinstance(v, str) else -1 for v in column), dtype=np.int64, count=len(column)
    )


def _code_scale(column: Sequence[object], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (index of the scale point, -1 missing) and values of answers given as numbers or strings."""
    values = np.full(len(column), np.nan)
    for row, answer in enumerate(column):
        number = _number(answer) if not isinstance(answer, bool) else None
        if number is not None:
            values[row] = number
    lookup = {float(p): i for i, p in enumerate(points)}
    codes = np.fromiter((lookup.get(v, -1) if v == v else -1 for v in values.tolist()), np.int64, len(column))
    values[codes < 0] = np.nan
    return codes, values


def _order(points: np.ndarray) -> tuple[np.ndarray, tuple[float, ...]]:
    order = np.argsort(points, kind="stable")
    return order, tuple(float(points[i]) for i in order)


def _scale_max(values: Sequence[float]) -> float | None:
    return max(values) if values and min(values) >= 0 else None


def code_answers(questions: Sequence[QuestionSpec], columns: Mapping[str, Sequence[object]]) -> CodedSurvey:
    """Code every closed question and segment variable of the survey (pure: no database)."""
    coded = CodedSurvey()
    for question in questions:
        column = columns.get(question.key, ())
        label = question.text
        if question.role is not None and question.role.variable in ROLE_LABELS:
            label = ROLE_LABELS[question.role.variable]
        is_kpi = question.role is not None and question.role.kind == RoleKind.KPI
        is_demographic = question.role is not None and question.role.kind == RoleKind.DEMOGRAPHIC
        if question.type == QuestionType.SINGLE_CHOICE and question.choices:
            codes = _code_nominal(column, question.choice_values())
            labels = tuple(choice.label for choice in question.choices)
            if is_demographic:
                coded.segments.append(ct.CodedVariable(question.key, codes, len(labels)))
                coded.segment_info[question.key] = core.SegmentInfo(question.key, label, labels)
            else:
                coded.questions.append(ct.CodedVariable(question.key, codes, len(labels)))
                coded.question_info[question.key] = core.QuestionInfo(question.key, label, labels, is_kpi)
                coded.source[question.key] = question.key
        elif question.type == QuestionType.MULTIPLE_CHOICE and question.choices:
            chosen = [set(v) if isinstance(v, list) else None for v in column]
            for choice in question.choices:
                if choice.is_exclusive:
                    continue
                key = f"{question.key}.{choice.value}"
                codes = np.fromiter(
                    (-1 if s is None else (0 if choice.value in s else 1) for s in chosen), np.int64, len(chosen)
                )
                coded.questions.append(ct.CodedVariable(key, codes, 2))
                coded.question_info[key] = core.QuestionInfo(key, label, (choice.label, NOT_CHOSEN), is_kpi)
                coded.source[key] = question.key
        elif question.type in (QuestionType.RATING, QuestionType.NPS):
            if question.type == QuestionType.NPS:
                points = np.arange(11, dtype=float)
                labels = tuple(Text(vi=str(p), en=str(p)) for p in range(11))
            else:
                points = _scale_points(question.choices)
                if points is None or not points.size:
                    continue
                labels = tuple(choice.label for choice in question.choices)
            order, values = _order(points)
            raw_codes, numbers = _code_scale(column, points)
            rank = np.empty(order.size, dtype=np.int64)
            rank[order] = np.arange(order.size)
            codes = np.where(raw_codes >= 0, rank[np.maximum(raw_codes, 0)], -1)
            coded.questions.append(ct.CodedVariable(question.key, codes, len(values), ct.Measurement.ORDINAL, values))
            coded.question_info[question.key] = core.QuestionInfo(
                question.key, label, tuple(labels[i] for i in order), is_kpi, _scale_max(values)
            )
            coded.numeric[question.key] = numbers
            coded.source[question.key] = question.key
            if is_kpi:
                coded.kpis.append(question.key)
            if question.type == QuestionType.NPS or (is_kpi and question.role.variable == "nps"):
                group_key = question.key + NPS_GROUP_SUFFIX
                coded.segments.append(ct.CodedVariable(group_key, ct.code_nps_groups(numbers), 3))
                coded.segment_info[group_key] = core.SegmentInfo(
                    group_key,
                    Text(vi="nhóm NPS", en="NPS group"),
                    NPS_GROUP_LABELS,
                    is_kpi_grouping=True,
                    derived_from=question.key,
                )
                coded.derived_pairs.append((question.key, group_key))
        elif question.type == QuestionType.MATRIX and question.rows and question.choices:
            points = _scale_points(question.choices)
            if points is None:
                points = np.arange(1, len(question.choices) + 1, dtype=float)
                index = {choice.value: float(i + 1) for i, choice in enumerate(question.choices)}
            else:
                index = {choice.value: float(p) for choice, p in zip(question.choices, points, strict=True)}
            order, values = _order(points)
            labels = tuple(question.choices[i].label for i in order)
            for row in question.rows:
                key = f"{question.key}.{row.value}"
                cells = [v.get(row.value) if isinstance(v, dict) else None for v in column]
                numbers = np.array(
                    [index.get(c, np.nan) if isinstance(c, str) and c != NOT_APPLICABLE else np.nan for c in cells],
                    dtype=float,
                )
                codes, _numbers = _code_scale(numbers.tolist(), np.asarray(values))
                coded.questions.append(ct.CodedVariable(key, codes, len(values), ct.Measurement.ORDINAL, values))
                coded.question_info[key] = core.QuestionInfo(key, row.label, labels, is_kpi, _scale_max(values))
                coded.numeric[key] = numbers
                coded.source[key] = question.key
    # KPIs move together (satisfied customers recommend): a KPI compared across the groups of
    # another KPI is known in advance, not an insight. Those pairs are left out of the family.
    groupings = [s.key for s in coded.segments if coded.segment_info[s.key].is_kpi_grouping]
    kpi_keys = {key for key, info in coded.question_info.items() if info.is_kpi}
    for key in sorted(kpi_keys):
        for grouping in groupings:
            if (key, grouping) not in coded.derived_pairs:
                coded.derived_pairs.append((key, grouping))
    nps_groupings = [key for key in groupings if key.endswith(NPS_GROUP_SUFFIX)]
    if len(nps_groupings) > 1:  # name the question when there are several NPS questions
        for key in nps_groupings:
            info = coded.segment_info[key]
            source = key.removesuffix(NPS_GROUP_SUFFIX)
            coded.segment_info[key] = replace(info, label=Text(vi=f"nhóm NPS ({source})", en=f"NPS group ({source})"))
    return coded


def driver_inputs(coded: CodedSurvey) -> list[core.DriverInput]:
    """One driver analysis per ordinal KPI: every other non-KPI rating against it."""
    drivers = []
    ratings = {key: values for key, values in coded.numeric.items() if key not in coded.kpis}
    if not ratings:
        return drivers
    for kpi in coded.kpis:
        kpi_ratings = {k: v for k, v in ratings.items() if coded.source.get(k) != kpi}
        if kpi_ratings:
            drivers.append(core.DriverInput(coded.question_info[kpi], coded.numeric[kpi], kpi_ratings))
    return drivers


# --- the analysis run ------------------------------------------------------------------------


def _warning(template: str, **params: object) -> dict[str, Any]:
    return {"msgid": template, "params": _json_safe(params)}


def render_warning(warning: Mapping[str, Any]) -> str:
    try:
        return _(warning.get("msgid", "")).format(**warning.get("params", {}))
    except (KeyError, IndexError, ValueError):
        return _(warning.get("msgid", ""))


def render_run_error(run: AnalysisRun) -> str:
    if not run.error_message:
        return ""
    return render_warning({"msgid": run.error_message, "params": run.error_params})


@transaction.atomic
def create_analysis_run(
    *, survey: Survey, created_by: Any = None, options: Mapping[str, Any] | None = None
) -> AnalysisRun:
    """Create a queued run (no task): refused while another run of the survey is in progress."""
    settings = clean_settings(options)
    Survey.objects.select_for_update().filter(id=survey.id).first()
    if get_result_questions(survey=survey)[0] is None:
        raise InvalidInput(_("Publish the survey before analysing its answers."), code="not_published")
    recent = timezone.now() - STALE_RUN
    busy = AnalysisRun.objects.filter(
        survey=survey, status__in=[AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING], created_at__gte=recent
    ).exists()
    if busy:
        raise Conflict(_("An analysis of this survey is already in progress."), code="run_in_progress")
    run = AnalysisRun.objects.create(
        survey=survey,
        options=asdict(settings),
        celery_task_id=str(uuid.uuid4()),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    audit.record(created_by, survey.workspace, audit.Action.ANALYSIS_RUN, run)
    return run


def start_analysis(*, survey: Survey, created_by: Any = None, options: Mapping[str, Any] | None = None) -> AnalysisRun:
    """Queue the full analysis of a survey as a Celery task; return the run to poll."""
    with transaction.atomic():
        run = create_analysis_run(survey=survey, created_by=created_by, options=options)
        jobs.enqueue_on_commit(run)  # Redis away: the run stays queued and is sent when it is back
    return run


def analyze_survey(*, survey: Survey, created_by: Any = None, options: Mapping[str, Any] | None = None) -> AnalysisRun:
    """Run the full analysis now (the command line); return the finished run."""
    run = create_analysis_run(survey=survey, created_by=created_by, options=options)
    return run_analysis(run_id=run.id)


def _set_progress(run_id: int, percent: int) -> None:
    AnalysisRun.objects.filter(id=run_id).update(progress=percent)


def _skew(survey: Survey, is_weighted: bool) -> dict[str, core.SkewInfo]:
    """Skew per question key from the representativeness report, as the analysis sees the sample.

    Unweighted, a variable is skewed when the report flags one of its categories. Weighted, the
    raking has moved each mapped variable towards its targets: it is skewed only when a weighted
    share is still flagged against its target (the weights could not reach it).
    """
    report = get_representativeness_report(survey=survey)
    skew = {}
    for variable in report.variables:
        if not variable.rows or not variable.question_key:
            continue
        if is_weighted and all(row.weighted_share is not None for row in variable.rows):
            gaps = [(row.weighted_share - row.target_share, row) for row in variable.rows]
            flagged = any(
                representativeness.flag_of(
                    row.weighted_share,
                    row.target_share,
                    (row.weighted_share - row.target_share) / math.sqrt(row.target_share * (1 - row.target_share))
                    if 0 < row.target_share < 1
                    else None,
                )
                for _gap, row in gaps
            )
            worst = max(abs(gap) for gap, _row in gaps) * 100
        else:
            flagged = bool(variable.flagged)
            worst = max(abs(row.difference) for row in variable.rows) * 100
        skew[variable.question_key] = core.SkewInfo(worst, is_weighted, is_skewed=flagged)
    return skew


THEME_KEY_SEPARATOR = "/"


def theme_inputs(survey: Survey, response_ids: Sequence[int]) -> tuple[list[tuple[str, core.ThemeInput]], str]:
    """The open-answer themes of these respondents, one input per coded open question.

    Read from the open-text layer's tables: the question's codebook (``OpenTextCodebook``: its
    active themes and their names), which answers were analysed (``AnswerAnalysis``; a non-answer
    does not count as answered) and which themes each answer carries (``ThemeAssignment``). A
    theme's key is ``question_key/theme_id``. Returns the inputs and, when there are none, why.
    """
    codebooks = list(OpenTextCodebook.objects.filter(survey=survey).order_by("question_key"))
    if not codebooks:
        return [], gettext_noop(
            "No open question of this survey has been coded into themes yet: theme concentrations were skipped."
        )
    position = {response_id: row for row, response_id in enumerate(response_ids)}
    inputs = []
    for codebook in codebooks:
        question_key = codebook.question_key
        themes = [
            t for t in (codebook.data or {}).get("themes", []) if not t.get("is_deleted") and t.get("id") != "other"
        ]
        if not themes:
            continue
        column = {str(t["id"]): i for i, t in enumerate(themes)}
        answered = np.zeros(len(response_ids), dtype=bool)
        texts = [""] * len(response_ids)
        analysed = AnswerAnalysis.objects.filter(survey=survey, question_key=question_key, is_non_answer=False)
        for response_id, text in analysed.values_list("response_id", "text").iterator(chunk_size=5000):
            row = position.get(response_id)
            if row is not None:
                answered[row] = True
                texts[row] = text
        membership = np.zeros((len(response_ids), len(themes)), dtype=np.int64)
        assignments = ThemeAssignment.objects.filter(survey=survey, question_key=question_key)
        for response_id, theme_id in assignments.values_list("response_id", "theme_id").iterator(chunk_size=5000):
            row = position.get(response_id)
            if row is not None and theme_id in column and answered[row]:
                membership[row, column[theme_id]] = 1
        if not answered.any():
            continue
        infos = tuple(
            core.QuestionInfo(
                f"{question_key}{THEME_KEY_SEPARATOR}{t['id']}",
                Text(vi=str(t.get("label") or t["id"]), en=str(t.get("label") or t["id"])),
            )
            for t in themes
        )
        inputs.append((question_key, core.ThemeInput(membership, infos, answered, tuple(texts))))
    if not inputs:
        return [], gettext_noop("The coded open questions have no themes yet: theme concentrations were skipped.")
    return inputs, ""


@dataclass(frozen=True)
class AnalysisResult:
    report: core.InsightReport
    warnings: list[dict[str, Any]]
    response_count: int
    is_weighted: bool
    weighting_run_id: int | None
    segment_labels: dict[str, tuple[Text, ...]]


def compute_analysis(
    *, survey: Survey, settings: AnalysisSettings, progress: Callable[[int], None] = lambda _p: None
) -> AnalysisResult:
    """Load, code and analyse the survey's finished responses (reads only)."""
    warnings: list[dict[str, Any]] = []
    _spec, questions = get_result_questions(survey=survey)
    data = load_answer_columns(survey=survey, filters=ResultFilters(), keys=[q.key for q in questions])
    ids, columns = data.ids, data.columns
    progress(20)
    weights = None
    weighting_run = None
    if settings.weighted and selectors.get_target_mapping(survey=survey) is not None:
        weighting_run = selectors.get_active_run(survey=survey)
        by_id = selectors.get_active_weights(survey=survey) if weighting_run else None
        if by_id is None:
            warnings.append(
                _warning("A target set is attached but no weighting run has succeeded: the analysis is unweighted.")
            )
        else:
            w = np.array([by_id.get(i, -1.0) for i in ids], dtype=float)
            keep = w > 0
            missing, excluded = int((w < 0).sum()), int((w == 0).sum())
            if missing:
                warnings.append(
                    _warning(
                        "{n} responses finished after the weighting run and have no weight: they are left out. "
                        "Run the weighting again to include them.",
                        n=missing,
                    )
                )
            if excluded:
                warnings.append(_warning("{n} responses excluded from weighting (weight 0) are left out.", n=excluded))
            rows = np.flatnonzero(keep).tolist()
            if len(rows) < len(ids):
                ids = [ids[r] for r in rows]
                columns = {key: [column[r] for r in rows] for key, column in columns.items()}
            weights = w[keep]
    is_weighted = weights is not None and weights.size > 0
    if not is_weighted:
        weights = None
    n = len(ids)
    coded = code_answers(questions, columns)
    progress(40)
    thresholds = settings.thresholds()
    if n < 2 * thresholds.min_group_n:
        warnings.append(
            _warning(
                "Only {n} finished responses: at least {minimum} are needed to compare two groups of {group} answers. "
                "Segment insights are not reported; collect more answers.",
                n=n,
                minimum=2 * thresholds.min_group_n,
                group=thresholds.min_group_n,
            )
        )
    if not coded.segments:
        warnings.append(
            _warning(
                "No segment variable: give a single-choice question a demographic role (age, gender …) "
                "or add an NPS question to compare groups."
            )
        )
    if not coded.questions:
        warnings.append(_warning("No closed question to analyse."))
    family = ct.compute_crosstabs(coded.questions, coded.segments, weights=weights, derived_pairs=coded.derived_pairs)
    progress(65)
    segment_variables = coded.segments
    themes, why_not = ([], "") if n == 0 else theme_inputs(survey, ids)
    if why_not:
        warnings.append(_warning(why_not))
    drivers = driver_inputs(coded)
    if not drivers:
        warnings.append(
            _warning(
                "No KPI drivers: give a rating or NPS question the KPI role and ask other ratings to see what moves it."
            )
        )
    skew = _skew(survey, is_weighted)
    benchmarks, previous, reference_warnings = reference_inputs(
        survey=survey, questions=questions, weighted=settings.weighted
    )
    warnings += reference_warnings
    references = core.compare_with_references(
        coded.questions,
        coded.segments,
        weights=weights,
        benchmarks=benchmarks,
        previous=previous,
        drivers=drivers,
    )
    report = core.generate_insights(
        family,
        coded.question_info,
        coded.segment_info,
        segment_variables=segment_variables,
        drivers=drivers,
        weights=weights,
        thresholds=thresholds,
        skew=skew,
        references=references,
    )
    # One family per coded open question (each has its own answered respondents).
    theme_candidates: list[core.CandidateInsight] = []
    family_sizes = dict(report.family_sizes)
    for question_key, theme_input in themes if segment_variables else []:
        found, size = core.find_theme_concentrations(
            theme_input.membership,
            theme_input.themes,
            segment_variables,
            coded.segment_info,
            answered=theme_input.answered,
            texts=theme_input.texts,
            weights=weights,
            thresholds=thresholds,
            skew=skew,
        )
        theme_candidates += core.apply_references(found, references, thresholds)
        family_sizes[f"themes × segment groups ({question_key})"] = size
    if theme_candidates:
        report = core.InsightReport(
            candidates=core.rank_candidates([*report.candidates, *theme_candidates]),
            warnings=report.warnings,
            thresholds=report.thresholds,
            family_sizes=family_sizes,
        )
    else:
        report = core.InsightReport(report.candidates, report.warnings, report.thresholds, family_sizes)
    if n < 2 * thresholds.min_group_n:  # never invent segment insights from too few answers
        report = core.InsightReport(
            candidates=core.rank_candidates([c for c in report.candidates if c.kind is core.CandidateKind.KPI_DRIVER]),
            warnings=report.warnings,
            thresholds=report.thresholds,
            family_sizes=report.family_sizes,
        )
    for text in report.warnings:
        warnings.append(_warning(text.template, **dict(text.params)))
    if n and not report.candidates:
        warnings.append(
            _warning(
                "No candidate insight passed the thresholds (false-discovery rate {alpha}, at least {minimum} answers "
                "per group, effect size at least {effect}).",
                alpha=thresholds.alpha,
                minimum=thresholds.min_group_n,
                effect=thresholds.min_effect_size,
            )
        )
    progress(80)
    return AnalysisResult(
        report=report,
        warnings=warnings,
        response_count=n,
        is_weighted=is_weighted,
        weighting_run_id=weighting_run.id if is_weighted and weighting_run else None,
        segment_labels={key: info.level_labels for key, info in coded.segment_info.items()},
    )


def _criteria_json(criteria: core.Criteria) -> dict[str, Any]:
    return {
        name: {
            "value": getattr(criteria, name).value,
            "reason": getattr(criteria, name).reason.template,
            "params": _json_safe(dict(getattr(criteria, name).reason.params)),
        }
        for name in ("validated", "surprising", "specific", "actionable", "clear")
    }


def impact_of(candidate: core.CandidateInsight) -> str:
    """The first impact estimate (``analysis.core.insights.estimate_impact_effort``); the analyst can change it."""
    return core.estimate_impact_effort(candidate).impact


def estimates_of(candidate: core.CandidateInsight) -> dict[str, Any]:
    """Impact and effort with what they were computed from, stored so the card can show the reasoning."""
    estimate = core.estimate_impact_effort(candidate)
    return _json_safe(
        {
            "impact": estimate.impact,
            "impact_score": round(estimate.impact_score, 4),
            "reach": round(estimate.reach, 4),
            "effect": round(estimate.effect, 4),
            "kpi_factor": estimate.kpi_factor,
            "impact_high_from": core.IMPACT_HIGH,
            "impact_medium_from": core.IMPACT_MEDIUM,
            "effort": estimate.effort,
            "effort_rule": estimate.effort_rule,
            "effort_narrow_reach": core.EFFORT_NARROW_REACH,
        }
    )


def _fields(candidate: core.CandidateInsight, labels: Mapping[str, tuple[Text, ...]]) -> dict[str, Any]:
    segment_text = Text()
    if candidate.segment_variable is not None and candidate.segment is not None:
        level_labels = labels.get(candidate.segment_variable, ())
        if 0 <= candidate.segment < len(level_labels):
            segment_text = level_labels[candidate.segment]
    evidence = _json_safe(asdict(candidate.evidence))
    return {
        "kind": str(candidate.kind),
        "question_key": candidate.question,
        "segment_variable": candidate.segment_variable or "",
        "segment": candidate.segment,
        "segment_label_vi": segment_text.get("vi")[:500],
        "segment_label_en": segment_text.get("en")[:500],
        "answer_level": candidate.answer_level,
        "kpi_key": candidate.kpi or "",
        "direction": str(candidate.direction),
        "statement_vi": candidate.statement_vi,
        "statement_en": candidate.statement_en,
        "evidence": evidence,
        "criteria": _criteria_json(candidate.criteria),
        "caveats": [asdict(caveat) for caveat in candidate.caveats],
        "quotes": list(candidate.quotes),
        "rank": candidate.rank,
        "score": float(candidate.score),
    }


def _store(run: AnalysisRun, result: AnalysisResult) -> int:
    """Merge the candidates into the survey's insights by fingerprint; return how many are current."""
    existing = {i.fingerprint: i for i in Insight.objects.select_for_update().filter(survey=run.survey)}
    found = set()
    events = []
    for candidate in result.report.candidates:
        data = _fields(candidate, result.segment_labels)
        found.add(candidate.id)
        insight = existing.get(candidate.id)
        estimate = estimates_of(candidate)
        data["estimates"] = estimate
        if insight is None:
            insight = Insight.objects.create(
                survey=run.survey,
                run=run,
                fingerprint=candidate.id,
                impact=estimate["impact"],
                effort=estimate["effort"],
                **data,
            )
            events.append(InsightEvent(insight=insight, event=InsightEvent.Event.CREATED, run=run))
            continue
        was_current = insight.is_current
        for name, value in data.items():
            setattr(insight, name, value)
        insight.run = run
        insight.is_current = True
        if not insight.impact_set_by_analyst:
            insight.impact = estimate["impact"]
        if not insight.effort_set_by_analyst:
            insight.effort = estimate["effort"]
        insight.save()
        if not was_current:
            events.append(InsightEvent(insight=insight, event=InsightEvent.Event.REFRESHED, run=run))
    for fingerprint, insight in existing.items():
        if fingerprint not in found and insight.is_current:
            insight.is_current = False
            insight.save(update_fields=["is_current", "updated_at"])
            events.append(InsightEvent(insight=insight, event=InsightEvent.Event.DROPPED, run=run))
    InsightEvent.objects.bulk_create(events)
    return len(found)


def _fail(run_id: int, text: Message) -> None:
    AnalysisRun.objects.filter(id=run_id).update(
        status=AnalysisRun.Status.FAILED,
        progress=100,
        error_message=text.template,
        error_params=_json_safe(dict(text.params)),
        finished_at=timezone.now(),
    )


def run_analysis(*, run_id: int) -> AnalysisRun | None:
    """Run a queued analysis and store its candidates; safe to run again (a retry redoes it)."""
    run = AnalysisRun.objects.select_related("survey").filter(id=run_id).first()
    if run is None or run.is_finished:
        return run
    AnalysisRun.objects.filter(id=run_id).update(
        status=AnalysisRun.Status.RUNNING, started_at=timezone.now(), progress=5
    )
    settings = AnalysisSettings(**run.options)
    try:
        result = compute_analysis(survey=run.survey, settings=settings, progress=lambda p: _set_progress(run_id, p))
    except (ct.CrosstabInputError, core.InsightInputError) as error:
        _fail(run_id, error.message)
        run.refresh_from_db()
        return run
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().select_related("survey").get(id=run_id)
        if run.is_finished:
            return run
        count = _store(run, result)
        run.status = AnalysisRun.Status.SUCCEEDED
        run.progress = 100
        run.is_weighted = result.is_weighted
        run.weighting_run_id = result.weighting_run_id
        run.response_count = result.response_count
        run.candidate_count = count
        run.family_sizes = _json_safe(dict(result.report.family_sizes))
        run.warnings = result.warnings
        run.error_message, run.error_params = "", {}
        run.finished_at = timezone.now()
        run.save()
    return run


def mark_analysis_failed(*, run_id: int) -> None:
    """Record that a run's task gave up after its retries."""
    AnalysisRun.objects.filter(id=run_id).exclude(
        status__in=[AnalysisRun.Status.SUCCEEDED, AnalysisRun.Status.FAILED]
    ).update(
        status=AnalysisRun.Status.FAILED,
        progress=100,
        error_message=gettext_noop("The analysis task failed unexpectedly; run it again."),
        error_params={},
        finished_at=timezone.now(),
    )


# --- workflow --------------------------------------------------------------------------------


def _text(value: object, field_name: str, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("Give text."), fields={field_name: [_("Give text.")]})
    value = value.strip()
    if len(value) > limit:
        text = _("Use at most %(limit)s characters.") % {"limit": limit}
        raise InvalidInput(text, fields={field_name: [text]})
    return value


def planned_sizes(insight: Insight, parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Size a validation of the insight with the sample-size core; return the parameters and n per group.

    From the evidence by default: two proportions (the other groups' share as p1, the group's as p2)
    for a share, two means (Cohen's d) for a rating, and for a driver two means with
    d = 2ρ / √(1 − ρ²). ``parameters`` may override ``alpha``, ``power``, ``p1``, ``p2`` and
    ``effect_size``. Raises InvalidInput naming the parameter the planner refuses.
    """
    given = dict(parameters or {})
    known = {"alpha", "power", "p1", "p2", "effect_size"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidInput(
            _("Unknown plan parameter."), fields={name: [_("Unknown plan parameter.")] for name in unknown}
        )
    numbers: dict[str, float] = {}
    for name in known & set(given):
        if given[name] in (None, ""):
            continue
        number = _number(given[name])
        if number is None:
            raise InvalidInput(_("Give a number."), fields={name: [_("Give a number.")]})
        numbers[name] = number
    evidence = insight.evidence or {}
    alpha, power = numbers.get("alpha", 0.05), numbers.get("power", 0.8)
    try:
        if evidence.get("estimate") == "proportion" and "effect_size" not in numbers:
            p1 = numbers.get("p1", evidence.get("estimate_rest"))
            p2 = numbers.get("p2", evidence.get("estimate_group"))
            if p1 is None or p2 is None:
                raise InvalidInput(_("Give both expected shares."), fields={"p1": [_("Give a number.")]})
            result = ss.estimate_two_proportions_sample_size(p1=p1, p2=p2, alpha=alpha, power=power)
            return {
                "parameters": {"test": "two_proportions", "p1": p1, "p2": p2, "alpha": alpha, "power": power},
                "n_per_group": result.n_group1,
                "achieved_power": result.achieved_power,
            }
        effect = numbers.get("effect_size")
        if effect is None:
            effect = float(evidence.get("effect_size") or 0.0)
            if evidence.get("effect_size_name") == "spearman_rho":
                rho = min(abs(effect), 0.999)
                effect = 2 * rho / math.sqrt(1 - rho * rho)
        result = ss.estimate_two_means_sample_size(effect_size=abs(effect), alpha=alpha, power=power)
    except ss.SampleSizeInputError as error:
        text = error.message.render(_)
        raise InvalidInput(text, fields={error.parameter: [text]}) from error
    return {
        "parameters": {"test": "two_means", "effect_size": abs(effect), "alpha": alpha, "power": power},
        "n_per_group": result.n_group1,
        "achieved_power": result.achieved_power,
    }


@transaction.atomic
def transition_insight(
    *,
    insight: Insight,
    to_status: str,
    actor: Any = None,
    reason: object = "",
    plan_kind: object = None,
    plan_parameters: Mapping[str, Any] | None = None,
    plan_notes: object = "",
) -> Insight:
    """Move an insight along the workflow, keeping the history; an invalid move changes nothing."""
    insight = Insight.objects.select_for_update().filter(id=insight.id).first()
    if insight is None:
        raise NotFound()
    reason_text = _text(reason, "reason")
    if to_status not in Insight.Status.values:
        raise InvalidInput(_("Unknown status."), fields={"status": [_("Unknown status.")]})
    if to_status not in TRANSITIONS[insight.status]:
        text = _("An insight that is “%(current)s” cannot become “%(next)s”.") % {
            "current": Insight.Status(insight.status).label,
            "next": Insight.Status(to_status).label,
        }
        raise InvalidInput(text, fields={"status": [text]}, code="invalid_transition")
    if to_status == Insight.Status.REJECTED and not reason_text:
        text = _("Say why the insight is rejected.")
        raise InvalidInput(text, fields={"reason": [text]})
    plan = None
    if to_status == Insight.Status.VALIDATING:
        if plan_kind not in ValidationPlan.Kind.values:
            text = _("Choose an A/B test or a follow-up survey.")
            raise InvalidInput(text, fields={"plan_kind": [text]})
        sized = planned_sizes(insight, plan_parameters)
        plan = ValidationPlan.objects.create(
            insight=insight,
            kind=plan_kind,
            parameters=_json_safe({**sized["parameters"], "achieved_power": sized["achieved_power"]}),
            n_per_group=sized["n_per_group"],
            notes=_text(plan_notes, "plan_notes"),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    previous = insight.status
    insight.status = to_status
    if to_status in (Insight.Status.REJECTED, Insight.Status.CONFIRMED, Insight.Status.REFUTED) or reason_text:
        insight.reason = reason_text
    if to_status == Insight.Status.CANDIDATE:
        insight.reason = ""
    insight.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    insight.decided_at = timezone.now()
    insight.save()
    note = reason_text
    if plan is not None:
        note = (note + "\n" if note else "") + f"{plan.get_kind_display()}: n = {plan.n_per_group}"
    InsightEvent.objects.create(
        insight=insight,
        event=InsightEvent.Event.TRANSITION,
        from_status=previous,
        to_status=to_status,
        note=note,
        actor=insight.decided_by,
    )
    audit.record(
        actor, insight.survey.workspace, audit.Action.STATUS_CHANGED, insight, **{"from": previous, "to": to_status}
    )
    return insight


TRACKING_FIELDS = ("metric", "action", "expected_result", "actual_result", "impact", "effort")


@transaction.atomic
def update_tracking(*, insight: Insight, actor: Any = None, **values: object) -> Insight:
    """Record the Insight → Metric → Action → Expected result → Actual result record and impact / effort."""
    unknown = sorted(set(values) - set(TRACKING_FIELDS))
    if unknown:
        raise InvalidInput(_("Unknown field."), fields={name: [_("Unknown field.")] for name in unknown})
    insight = Insight.objects.select_for_update().get(id=insight.id)
    cleaned: dict[str, str] = {}
    fields: dict[str, list[str]] = {}
    for name, value in values.items():
        if name in ("impact", "effort"):
            if value in (None, ""):
                cleaned[name] = ""
            elif value in Insight.Level.values:
                cleaned[name] = str(value)
            else:
                fields[name] = [_("Choose low, medium or high.")]
            continue
        try:
            cleaned[name] = _text(value, name, MAX_METRIC if name == "metric" else MAX_TEXT)
        except InvalidInput as error:
            fields.update(error.fields)
    if fields:
        raise InvalidInput(_("The tracking record is not valid."), fields=fields)
    if cleaned.get("actual_result") and insight.status not in (
        Insight.Status.VALIDATING,
        Insight.Status.CONFIRMED,
        Insight.Status.REFUTED,
        Insight.Status.ACCEPTED,
    ):
        text = _("Accept the insight before recording an actual result.")
        raise InvalidInput(text, fields={"actual_result": [text]})
    for name in ("impact", "effort"):  # empty: back to the rule's estimate
        if name in cleaned and cleaned[name] == "":
            cleaned[name] = str((insight.estimates or {}).get(name) or "")
    changed = [name for name, value in cleaned.items() if getattr(insight, name) != value]
    for name in changed:
        setattr(insight, name, cleaned[name])
    for name in ("impact", "effort"):
        if name in cleaned:
            setattr(insight, f"{name}_set_by_analyst", cleaned[name] != (insight.estimates or {}).get(name, ""))
    if changed:
        insight.save()
        InsightEvent.objects.create(
            insight=insight,
            event=InsightEvent.Event.TRACKING,
            from_status=insight.status,
            to_status=insight.status,
            note=", ".join(changed),
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
    return insight


# --- previous wave and benchmarks ------------------------------------------------------------

NPS_GROUP_CODES = ("promoter", "passive", "detractor")


@dataclass(frozen=True)
class BenchmarkTarget:
    """What a benchmark can be entered for: an option's share or a rating's mean."""

    variable: str
    option: str
    estimate: str  # Benchmark.Estimate
    label: Text
    question_key: str
    low: float  # the values a benchmark may take (shares in percent)
    high: float

    @property
    def value(self) -> str:
        return f"{self.variable}|{self.option}"


@dataclass(frozen=True)
class BenchmarkSegment:
    variable: str
    option: str
    label: Text

    @property
    def value(self) -> str:
        return f"{self.variable}|{self.option}"


def _joined(first: Text, second: Text) -> Text:
    return Text(vi=f"{first.get('vi')} — {second.get('vi')}", en=f"{first.get('en')} — {second.get('en')}")


def benchmark_targets(questions: Sequence[QuestionSpec]) -> list[BenchmarkTarget]:
    """Every option share and rating mean of the survey a benchmark can be entered for."""
    targets = []
    for question in questions:
        is_demographic = question.role is not None and question.role.kind == RoleKind.DEMOGRAPHIC
        if question.type == QuestionType.SINGLE_CHOICE and question.choices and not is_demographic:
            for choice in question.choices:
                label = _joined(question.text, choice.label)
                targets.append(BenchmarkTarget(question.key, choice.value, "share", label, question.key, 0, 100))
        elif question.type == QuestionType.MULTIPLE_CHOICE and question.choices:
            for choice in question.choices:
                if not choice.is_exclusive:
                    label = _joined(question.text, choice.label)
                    variable = f"{question.key}.{choice.value}"
                    targets.append(BenchmarkTarget(variable, "", "share", label, question.key, 0, 100))
        elif question.type == QuestionType.NPS:
            targets.append(BenchmarkTarget(question.key, "", "mean", question.text, question.key, 0, 10))
        elif question.type == QuestionType.RATING:
            points = _scale_points(question.choices)
            if points is not None and points.size:
                low, high = float(points.min()), float(points.max())
                targets.append(BenchmarkTarget(question.key, "", "mean", question.text, question.key, low, high))
        elif question.type == QuestionType.MATRIX and question.rows and question.choices:
            points = _scale_points(question.choices)
            if points is None:
                points = np.arange(1, len(question.choices) + 1, dtype=float)
            for row in question.rows:
                variable = f"{question.key}.{row.value}"
                label = _joined(question.text, row.label)
                low, high = float(points.min()), float(points.max())
                targets.append(BenchmarkTarget(variable, "", "mean", label, question.key, low, high))
    return targets


def benchmark_segments(questions: Sequence[QuestionSpec]) -> list[BenchmarkSegment]:
    """The segment groups a benchmark can be narrowed to (as the analysis codes them)."""
    groups = []
    for question in questions:
        is_demographic = question.role is not None and question.role.kind == RoleKind.DEMOGRAPHIC
        if question.type == QuestionType.SINGLE_CHOICE and question.choices and is_demographic:
            name = ROLE_LABELS.get(question.role.variable, question.text)
            for choice in question.choices:
                groups.append(BenchmarkSegment(question.key, choice.value, _joined(name, choice.label)))
        is_nps_kpi = (
            question.role is not None and question.role.kind == RoleKind.KPI and question.role.variable == "nps"
        )
        if question.type == QuestionType.NPS or (question.type == QuestionType.RATING and is_nps_kpi):
            for code, label in zip(NPS_GROUP_CODES, NPS_GROUP_LABELS, strict=True):
                groups.append(BenchmarkSegment(question.key + NPS_GROUP_SUFFIX, code, _joined(question.text, label)))
    return groups


def _benchmark_level(target: BenchmarkTarget, questions: Sequence[QuestionSpec]) -> int | None:
    if target.estimate == "mean":
        return None
    question = next(q for q in questions if q.key == target.question_key)
    if question.type == QuestionType.MULTIPLE_CHOICE:
        return 0  # level 0 = chosen
    return list(question.choice_values()).index(target.option)


def _segment_level(segment: BenchmarkSegment, questions: Sequence[QuestionSpec]) -> int:
    if segment.variable.endswith(NPS_GROUP_SUFFIX):
        return NPS_GROUP_CODES.index(segment.option)
    question = next(q for q in questions if q.key == segment.variable)
    return list(question.choice_values()).index(segment.option)


@transaction.atomic
def create_benchmark(
    *,
    survey: Survey,
    actor: Any = None,
    target: str,
    value: object,
    segment: str = "",
    source: str = "",
) -> Benchmark:
    """Enter (or replace) an expected value: ``target`` and ``segment`` are ``variable|option`` values
    from ``benchmark_targets`` / ``benchmark_segments``; a share is given in percent (0–100)."""
    _spec, questions = get_result_questions(survey=survey)
    targets = {t.value: t for t in benchmark_targets(questions)}
    segments = {g.value: g for g in benchmark_segments(questions)}
    fields: dict[str, list[str]] = {}
    chosen = targets.get(target if isinstance(target, str) else "")
    if chosen is None:
        fields["target"] = [_("Choose a question option or a rating of this survey.")]
    group = None
    if segment not in (None, ""):
        group = segments.get(segment if isinstance(segment, str) else "")
        if group is None:
            fields["segment"] = [_("Choose a segment group of this survey, or none for all respondents.")]
    number = _number(value)
    if number is None:
        fields["value"] = [_("Give a number.")]
    elif chosen is not None and not chosen.low <= number <= chosen.high:
        text = _("Give a value from %(low)s to %(high)s.") % {"low": f"{chosen.low:g}", "high": f"{chosen.high:g}"}
        fields["value"] = [text]
    try:
        note = _text(source, "source", MAX_METRIC)
    except InvalidInput as error:
        fields.update(error.fields)
    if fields:
        raise InvalidInput(_("The benchmark is not valid."), fields=fields)
    assert chosen is not None and number is not None
    stored = number / 100 if chosen.estimate == "share" else number
    benchmark, _created = Benchmark.objects.update_or_create(
        survey=survey,
        variable=chosen.variable,
        option=chosen.option,
        segment_variable=group.variable if group else "",
        segment_option=group.option if group else "",
        defaults={
            "estimate": chosen.estimate,
            "value": stored,
            "source": note,
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    return benchmark


@transaction.atomic
def delete_benchmark(*, benchmark: Benchmark) -> None:
    benchmark.delete()


@transaction.atomic
def set_previous_wave(*, survey: Survey, previous: Survey | None, actor: Any = None) -> PreviousWave | None:
    """Link the survey to an earlier survey of the same workspace (None: unlink)."""
    if previous is None:
        PreviousWave.objects.filter(survey=survey).delete()
        return None
    if previous.id == survey.id:
        text = _("A survey cannot be its own previous wave.")
        raise InvalidInput(text, fields={"previous": [text]})
    if previous.workspace_id != survey.workspace_id:
        text = _("Choose a survey of the same workspace.")
        raise InvalidInput(text, fields={"previous": [text]})
    _spec, questions = get_result_questions(survey=survey)
    _spec, earlier = get_result_questions(survey=previous)
    shared = {q.key for q in questions} & {q.key for q in earlier}
    if not shared:
        text = _("The surveys share no question key: there is nothing to compare.")
        raise InvalidInput(text, fields={"previous": [text]})
    link, _created = PreviousWave.objects.update_or_create(
        survey=survey,
        defaults={"previous": previous, "linked_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    return link


def _active_weights(survey: Survey, ids: Sequence[int]) -> np.ndarray | None:
    if selectors.get_target_mapping(survey=survey) is None:
        return None
    by_id = selectors.get_active_weights(survey=survey)
    if by_id is None:
        return None
    return np.array([by_id.get(i, 0.0) for i in ids], dtype=float)


def reference_inputs(
    *, survey: Survey, questions: Sequence[QuestionSpec], weighted: bool
) -> tuple[list[core.BenchmarkValue], core.PreviousWave | None, list[dict[str, Any]]]:
    """The benchmarks entered and the previous wave's answers coded like this survey's."""
    warnings: list[dict[str, Any]] = []
    targets = {(t.variable, t.option): t for t in benchmark_targets(questions)}
    segments = {(g.variable, g.option): g for g in benchmark_segments(questions)}
    values = []
    for benchmark in Benchmark.objects.filter(survey=survey):
        target = targets.get((benchmark.variable, benchmark.option))
        group = segments.get((benchmark.segment_variable, benchmark.segment_option))
        if target is None or (benchmark.segment_variable and group is None):
            warnings.append(
                _warning(
                    gettext_noop(
                        "The benchmark for {variable} no longer matches a question of the survey: it is left out."
                    ),
                    variable=benchmark.variable,
                )
            )
            continue
        values.append(
            core.BenchmarkValue(
                question=target.variable,
                level=_benchmark_level(target, questions),
                value=benchmark.value,
                segment_variable=group.variable if group else None,
                segment=_segment_level(group, questions) if group else None,
            )
        )
    previous = None
    link = PreviousWave.objects.select_related("previous").filter(survey=survey).first()
    if link is not None:
        # the earlier answers coded with this survey's questions: the same keys and levels
        data = load_answer_columns(survey=link.previous, filters=ResultFilters(), keys=[q.key for q in questions])
        weights = _active_weights(link.previous, data.ids) if weighted else None
        columns = data.columns
        if weights is not None:
            rows = np.flatnonzero(weights > 0).tolist()
            columns = {key: [column[r] for r in rows] for key, column in columns.items()}
            weights = weights[weights > 0] if rows else None
        earlier = code_answers(questions, columns)
        if not data.ids:
            warnings.append(
                _warning(gettext_noop("The previous wave has no finished responses: nothing to compare with."))
            )
        previous = core.PreviousWave(
            questions=earlier.questions,
            segments=earlier.segments,
            weights=weights,
            numeric=earlier.numeric,
            label=link.previous.display_title(),
        )
    return values, previous, warnings


# --- one crosstab (a read, for the insight's crosstab page) ---------------------------------


@dataclass(frozen=True)
class InsightCrosstab:
    table: ct.Crosstab
    question: core.QuestionInfo
    segment: core.SegmentInfo
    is_weighted: bool


def _load_coded(survey: Survey, weighted: bool) -> tuple[CodedSurvey, np.ndarray | None]:
    _spec, questions = get_result_questions(survey=survey)
    data = load_answer_columns(survey=survey, filters=ResultFilters(), keys=[q.key for q in questions])
    ids, columns = data.ids, data.columns
    weights = None
    if weighted and selectors.get_target_mapping(survey=survey) is not None:
        by_id = selectors.get_active_weights(survey=survey)
        if by_id is not None:
            w = np.array([by_id.get(i, -1.0) for i in ids], dtype=float)
            rows = np.flatnonzero(w > 0).tolist()
            columns = {key: [column[r] for r in rows] for key, column in columns.items()}
            weights = w[w > 0] if rows else None
    return code_answers(questions, columns), weights


def crosstab_of(*, survey: Survey, question_key: str, segment_key: str, weighted: bool) -> InsightCrosstab | None:
    """The question × segment table with its tests, from the current answers; None when it cannot be built."""
    coded, weights = _load_coded(survey, weighted)
    question = next((v for v in coded.questions if v.key == question_key), None)
    segment = next((v for v in coded.segments if v.key == segment_key), None)
    if question is None or segment is None:
        return None
    derived = [(question_key, segment_key)] if (question_key, segment_key) in coded.derived_pairs else []
    family = ct.compute_crosstabs([question], [segment], weights=weights, derived_pairs=derived)
    return InsightCrosstab(
        table=family.crosstab(question_key, segment_key),
        question=coded.question_info[question_key],
        segment=coded.segment_info[segment_key],
        is_weighted=weights is not None,
    )
