"""Reads of analysis runs and candidate insights, with workspace permissions.

Reading runs, insights and their crosstabs needs the ``view`` capability; starting a run and
deciding about insights need ``analyse``. Not a member → not found.
"""

import math
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from analysis import services_insights
from analysis.core import crosstabs as ct
from analysis.models import AnalysisRun, Benchmark, Insight, InsightEvent, PreviousWave, ValidationPlan
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import InvalidInput, NotFound
from surveys.models import Survey

User = survey_selectors.User


def list_runs(*, survey: Survey) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(survey=survey).order_by("-created_at", "-id")


def get_latest_run(*, survey: Survey) -> AnalysisRun | None:
    return list_runs(survey=survey).first()


def get_run_for_user(*, run_id: int, user: User, capability: Capability = Capability.VIEW) -> AnalysisRun:
    run = AnalysisRun.objects.select_related("survey__workspace").filter(id=run_id).first()
    if run is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=run.survey.slug, user=user, capability=capability)
    return run


def get_run_of_survey(*, survey: Survey, run_id: int) -> AnalysisRun:
    run = AnalysisRun.objects.filter(survey=survey, id=run_id).first()
    if run is None:
        raise NotFound()
    return run


def _insights() -> QuerySet[Insight]:
    return Insight.objects.select_related("survey__workspace").prefetch_related(
        Prefetch("validation_plans", queryset=ValidationPlan.objects.order_by("-created_at", "-id")),
        Prefetch("events", queryset=InsightEvent.objects.select_related("actor").order_by("created_at", "id")),
    )


def list_insights(
    *, survey: Survey, status: str = "", kind: str = "", question: str = "", current_only: bool = False
) -> QuerySet[Insight]:
    """The survey's insights, filtered; raises InvalidInput naming an unknown filter value."""
    fields = {}
    if status and status not in Insight.Status.values:
        fields["status"] = [_("Unknown status.")]
    if kind and kind not in Insight.Kind.values:
        fields["kind"] = [_("Unknown kind of insight.")]
    if fields:
        raise InvalidInput(_("These filters cannot be applied."), fields=fields)
    insights = _insights().filter(survey=survey)
    if status:
        insights = insights.filter(status=status)
    if kind:
        insights = insights.filter(kind=kind)
    if question:
        insights = insights.filter(question_key=question)
    if current_only:
        insights = insights.filter(is_current=True)
    return insights.order_by("-is_current", "rank", "id")


def get_insight_for_user(*, insight_id: int, user: User, capability: Capability = Capability.VIEW) -> Insight:
    insight = _insights().filter(id=insight_id).first()
    if insight is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=insight.survey.slug, user=user, capability=capability)
    return insight


def get_insight_of_survey(*, survey: Survey, insight_id: int) -> Insight:
    insight = _insights().filter(survey=survey, id=insight_id).first()
    if insight is None:
        raise NotFound()
    return insight


def insight_questions(*, survey: Survey) -> list[str]:
    return list(
        Insight.objects.filter(survey=survey).order_by("question_key").values_list("question_key", flat=True).distinct()
    )


def insight_as_dict(insight: Insight) -> dict[str, Any]:
    """The plain form the command line prints (and the API's list items)."""
    return {
        "id": insight.id,
        "fingerprint": insight.fingerprint,
        "kind": insight.kind,
        "question": insight.question_key,
        "segment_variable": insight.segment_variable or None,
        "segment": insight.segment,
        "segment_label": {"vi": insight.segment_label_vi, "en": insight.segment_label_en},
        "answer_level": insight.answer_level,
        "kpi": insight.kpi_key or None,
        "direction": insight.direction,
        "statement_vi": insight.statement_vi,
        "statement_en": insight.statement_en,
        "evidence": insight.evidence,
        "criteria": insight.criteria,
        "caveats": insight.caveats,
        "quotes": insight.quotes,
        "rank": insight.rank,
        "score": insight.score,
        "impact": insight.impact or None,
        "effort": insight.effort or None,
        "is_current": insight.is_current,
        "status": insight.status,
        "reason": insight.reason,
    }


# --- crosstab of an insight ------------------------------------------------------------------


def crosstab_for_insight(*, insight: Insight) -> "services_insights.InsightCrosstab | None":
    """Recompute the insight's question × segment table (with its tests) from the current answers.

    The table is computed on its own (a family of one pair): its q-values are the pair's own, the
    insight's evidence keeps the q-value of the whole family it was found in. None for a KPI
    driver (no segment) or when the question is no longer in the survey.
    """
    if not insight.segment_variable:
        return None
    return services_insights.crosstab_of(
        survey=insight.survey,
        question_key=insight.question_key,
        segment_key=insight.segment_variable,
        weighted=bool((insight.evidence or {}).get("is_weighted")),
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def crosstab_as_dict(
    *, insight: Insight, crosstab: "services_insights.InsightCrosstab", language: str
) -> dict[str, Any]:
    """The table in plain values: labels in ``language``, counts, the omnibus test and every comparison.

    A comparison is marked significant when its q-value (over this table's comparisons) is below
    the alpha of the run that found the insight.
    """
    alpha = float((insight.run.options if insight.run else {}).get("alpha", 0.05))
    table = crosstab.table
    omnibus = table.omnibus
    comparisons = [
        {
            "segment_level": c.segment_level,
            "question_level": c.question_level,
            "kind": str(c.kind),
            "n_group": c.n_group,
            "n_rest": c.n_rest,
            "estimate_group": _finite(c.estimate_group),
            "estimate_rest": _finite(c.estimate_rest),
            "difference": _finite(c.difference),
            "ci_low": _finite(c.ci_low),
            "ci_high": _finite(c.ci_high),
            "test": str(c.test) if c.test else None,
            "p_value": _finite(c.p_value),
            "q_value": _finite(c.q_value),
            "effect_size": _finite(c.effect_size.value) if c.effect_size else None,
            "significant": c.q_value is not None and c.q_value < alpha,
        }
        for c in table.comparisons
    ]
    return {
        "insight": insight.id,
        "question": table.question_key,
        "segment_variable": table.segment_key,
        "measurement": str(table.measurement),
        "question_levels": [label.get(language) for label in crosstab.question.level_labels],
        "segment_levels": [label.get(language) for label in crosstab.segment.level_labels],
        "question_label": crosstab.question.label.get(language),
        "segment_label": crosstab.segment.label.get(language),
        "counts": [list(row) for row in table.counts],
        "unweighted_counts": [list(row) for row in table.unweighted_counts],
        "n": table.n,
        "is_weighted": crosstab.is_weighted,
        "test": str(omnibus.test) if omnibus else None,
        "test_label": _(ct.TEST_LABELS[omnibus.test]) if omnibus else None,
        "p_value": _finite(omnibus.p_value) if omnibus else None,
        "effect_size_name": str(omnibus.effect_size.name) if omnibus else None,
        "effect_size": _finite(omnibus.effect_size.value) if omnibus else None,
        "not_testable": table.not_testable.render(_) if table.not_testable else None,
        "comparisons": comparisons,
        "alpha": alpha,
    }


# --- previous wave and benchmarks ------------------------------------------------------------


def list_benchmarks(*, survey: Survey) -> QuerySet[Benchmark]:
    return Benchmark.objects.select_related("survey").filter(survey=survey)


def get_benchmark_for_user(*, benchmark_id: int, user: User, capability: Capability = Capability.VIEW) -> Benchmark:
    benchmark = Benchmark.objects.select_related("survey__workspace").filter(id=benchmark_id).first()
    if benchmark is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=benchmark.survey.slug, user=user, capability=capability)
    return benchmark


def get_previous_wave(*, survey: Survey) -> Survey | None:
    link = PreviousWave.objects.select_related("previous").filter(survey=survey).first()
    return link.previous if link else None


def previous_wave_choices(*, survey: Survey) -> QuerySet[Survey]:
    """The surveys of the same workspace that can be this survey's previous wave."""
    return Survey.objects.filter(workspace_id=survey.workspace_id).exclude(id=survey.id).order_by("-created_at", "id")


def get_previous_wave_choice(*, survey: Survey, slug: str) -> Survey:
    previous = previous_wave_choices(survey=survey).filter(slug=slug).first()
    if previous is None:
        text = _("Choose a survey of the same workspace.")
        raise InvalidInput(text, fields={"previous": [text]})
    return previous


def benchmark_page(*, survey: Survey, language: str) -> dict[str, Any]:
    """Benchmarks entered, what they can be entered for, and the previous-wave link, for the page and the API."""
    _spec, questions = services_insights.get_result_questions(survey=survey)
    targets = services_insights.benchmark_targets(questions)
    groups = services_insights.benchmark_segments(questions)
    labels = {t.value: t.label.get(language) for t in targets}
    group_labels = {g.value: g.label.get(language) for g in groups}
    return {
        "benchmarks": list_benchmarks(survey=survey),
        "targets": [
            {"value": t.value, "label": t.label.get(language), "estimate": t.estimate, "low": t.low, "high": t.high}
            for t in targets
        ],
        "segments": [{"value": g.value, "label": g.label.get(language)} for g in groups],
        "target_labels": labels,
        "segment_labels": group_labels,
    }
