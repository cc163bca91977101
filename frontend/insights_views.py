"""The insight board of a survey: candidate insights with their evidence, the analyst's decisions, the crosstab.

Cards first (statement, evidence table, criteria, caveats, quotes), then a small Plotly chart
over the same figures (drawn by ``dashboard.js``; the table works without JavaScript). Filters are
a GET form. Every action is a plain form post that redirects back to the card; the analysis run's
progress is polled with htmx, and without JavaScript the page shows the run's status on reload.
Reading needs ``view``; running the analysis and deciding need ``analyse``.
"""

import math
from typing import Any

import plotly
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from analysis import selectors_insights, services_insights
from analysis.models import Insight, ValidationPlan
from frontend.views import _can, _survey_head, researcher_view
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import DomainError

BOARD_TEMPLATE = "frontend/insights/board.html"
RUN_TEMPLATE = "frontend/insights/_run.html"
CROSSTAB_TEMPLATE = "frontend/insights/crosstab.html"
CROSSTAB_FRAGMENT = "frontend/insights/_crosstab.html"

CRITERIA_LABELS = {
    "validated": gettext_lazy("Validated"),
    "surprising": gettext_lazy("Surprising"),
    "specific": gettext_lazy("Specific"),
    "actionable": gettext_lazy("Actionable"),
    "clear": gettext_lazy("Clear"),
}
EFFECT_LABELS = {
    "cramers_v": gettext_lazy("Cramér's V"),
    "epsilon_squared": gettext_lazy("ε²"),
    "rank_biserial": gettext_lazy("rank-biserial r"),
    "cohens_d": gettext_lazy("Cohen's d"),
    "cohens_h": gettext_lazy("Cohen's h"),
    "spearman_rho": gettext_lazy("Spearman's ρ"),
}


def _language() -> str:
    return (get_language() or "vi")[:2]


def _number(value: Any, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return number_format(value, decimals)


def _p(value: Any) -> str:
    if value is None:
        return "—"
    if value < 0.001:
        return "< " + number_format(0.001, 3)
    return number_format(value, 3)


def _p_relation(value: Any) -> str:
    """ "= 0.012" or "< 0.001", to follow "p"."""
    text = _p(value)
    return text if text.startswith("<") or text == "—" else "= " + text


def _estimate(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "proportion":
        return number_format(100 * value, 1) + "%"
    return _number(value, 2)


def _evidence_rows(insight: Insight) -> list[tuple[str, str]]:
    e = insight.evidence or {}
    kind = e.get("estimate", "")
    level = number_format(100 * (e.get("confidence_level") or 0.95), 0)
    rows: list[tuple[str, str]] = [(_("Test"), _(e.get("test_label", "")) if e.get("test_label") else "—")]
    if insight.kind in (Insight.Kind.WAVE_CHANGE, Insight.Kind.BENCHMARK_GAP):
        is_wave = insight.kind == Insight.Kind.WAVE_CHANGE
        if is_wave:
            n_text = _("%(now)s now, %(then)s in the previous wave") % {
                "now": e.get("n_group"),
                "then": e.get("n_rest"),
            }
            label = _("Estimates (now · previous wave)")
        else:
            n_text = str(e.get("n_group"))
            label = _("Estimates (now · benchmark)")
        rows.append((_("Answers"), n_text))
        rows.append((label, f"{_estimate(e.get('estimate_group'), kind)} · {_estimate(e.get('estimate_rest'), kind)}"))
        scale = 100 if kind == "proportion" else 1
        rows.append(
            (
                _("Difference (%(level)s%% CI)") % {"level": level},
                f"{_number(scale * (e.get('difference') or 0), 1 if scale == 100 else 2)}"
                + (" " + _("points") if scale == 100 else "")
                + f" ({_number(scale * e['ci_low'], 1)} … {_number(scale * e['ci_high'], 1)})",
            )
        )
    elif e.get("n_rest") is not None:
        n_text = _("%(group)s in the group, %(rest)s in the comparison group") % {
            "group": e.get("n_group"),
            "rest": e.get("n_rest"),
        }
        if e.get("is_weighted"):
            n_text += " · " + _("effective n %(group)s and %(rest)s") % {
                "group": _number(e.get("n_effective_group"), 1),
                "rest": _number(e.get("n_effective_rest"), 1),
            }
        rows.append((_("Answers"), n_text))
        rows.append(
            (
                _("Estimates (group · other groups)"),
                f"{_estimate(e.get('estimate_group'), kind)} · {_estimate(e.get('estimate_rest'), kind)}",
            )
        )
        difference = e.get("difference")
        if kind == "proportion" and difference is not None:
            rows.append(
                (
                    _("Difference (%(level)s%% CI)") % {"level": level},
                    f"{_number(100 * difference, 1)} "
                    + _("points")
                    + f" ({_number(100 * e['ci_low'], 1)} … {_number(100 * e['ci_high'], 1)})",
                )
            )
        else:
            rows.append(
                (
                    _("Difference (%(level)s%% CI)") % {"level": level},
                    f"{_number(difference)} ({_number(e.get('ci_low'))} … {_number(e.get('ci_high'))})",
                )
            )
    else:
        rows.append((_("Answers"), str(e.get("n_group"))))
        rows.append(
            (
                _("Correlation (%(level)s%% CI)") % {"level": level},
                f"{_number(e.get('estimate_group'))} ({_number(e.get('ci_low'))} … {_number(e.get('ci_high'))})",
            )
        )
    name = e.get("effect_size_name", "")
    rows.append((_("Effect size"), f"{EFFECT_LABELS.get(name, name)} = {_number(e.get('effect_size'))}"))
    rows.append(("p", _p(e.get("p_value"))))
    rows.append(
        (
            _("q (Benjamini–Hochberg)"),
            _p(e.get("q_value")) + " · " + _("family of %(n)s tests") % {"n": e.get("family_size")},
        )
    )
    rows.append((_("Weighted"), _("yes") if e.get("is_weighted") else _("no")))
    return rows


def _reference_label(insight: Insight) -> str:
    if insight.kind == Insight.Kind.WAVE_CHANGE:
        return _("Previous wave")
    if insight.kind == Insight.Kind.BENCHMARK_GAP:
        return _("Benchmark")
    return _("Other groups")


def _chart(insight: Insight, language: str) -> dict[str, Any] | None:
    """A small bar chart of the group against the other groups (or ρ with its interval)."""
    e = insight.evidence or {}
    if e.get("estimate_group") is None:
        return None
    if e.get("estimate") == "spearman_rho":
        rho = e["estimate_group"]
        return {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "x": [rho],
                    "y": ["ρ"],
                    "error_x": {
                        "type": "data",
                        "symmetric": False,
                        "array": [max(0.0, (e.get("ci_high") or rho) - rho)],
                        "arrayminus": [max(0.0, rho - (e.get("ci_low") or rho))],
                    },
                    "marker": {"color": "#2563eb"},
                }
            ],
            "layout": {"height": 120, "margin": {"l": 40, "r": 10, "t": 10, "b": 30}, "xaxis": {"range": [-1, 1]}},
        }
    if e.get("estimate_rest") is None:
        return None
    scale = 100 if e.get("estimate") == "proportion" else 1
    group_label = (insight.segment_label_vi if language == "vi" else insight.segment_label_en) or (
        _("Now") if insight.kind in (Insight.Kind.WAVE_CHANGE, Insight.Kind.BENCHMARK_GAP) else _("This group")
    )
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [e["estimate_rest"] * scale, e["estimate_group"] * scale],
                "y": [_reference_label(insight), group_label],
                "marker": {"color": ["#94a3b8", "#2563eb" if insight.direction == "higher" else "#dc2626"]},
                "text": [_estimate(e["estimate_rest"], e["estimate"]), _estimate(e["estimate_group"], e["estimate"])],
                "textposition": "auto",
            }
        ],
        "layout": {
            "height": 140,
            "margin": {"l": 120, "r": 10, "t": 10, "b": 30},
            "xaxis": {"ticksuffix": "%" if scale == 100 else ""},
        },
    }


def _criteria(insight: Insight) -> list[dict[str, Any]]:
    items = []
    for name, label in CRITERIA_LABELS.items():
        item = (insight.criteria or {}).get(name) or {}
        reason = services_insights.render_warning({"msgid": item.get("reason", ""), "params": item.get("params", {})})
        items.append({"name": name, "label": label, "value": item.get("value"), "reason": reason})
    return items


def family_label(name: str) -> str:
    """The multiple-testing family's name in the UI language."""
    labels = {
        "omnibus tests": _("question × segment tables"),
        "segment comparisons": _("segment comparisons"),
        "themes × segment groups": _("themes × segment groups"),
        "previous wave and benchmarks": _("previous wave and benchmarks"),
        "segment groups vs previous wave": _("segment groups vs previous wave"),
        "KPI drivers vs previous wave": _("KPI drivers vs previous wave"),
    }
    if name.startswith("themes × segment groups (") and name.endswith(")"):
        return _("themes × segment groups (%(question)s)") % {"question": name[len("themes × segment groups (") : -1]}
    if name.startswith("KPI drivers of "):
        return _("KPI drivers of %(kpi)s") % {"kpi": name.removeprefix("KPI drivers of ")}
    return labels.get(name, name)


def _families(run: Any) -> list[tuple[str, int]]:
    return [(family_label(name), size) for name, size in (run.family_sizes or {}).items()] if run else []


def _card(insight: Insight, language: str, can_analyse: bool) -> dict[str, Any]:
    plan = insight.validation_plans.all()[0] if insight.validation_plans.all() else None
    planned = None
    if can_analyse and insight.status == Insight.Status.ACCEPTED:
        try:
            planned = services_insights.planned_sizes(insight)
        except DomainError:
            planned = None
    return {
        "insight": insight,
        "statement": insight.statement(language),
        "evidence": _evidence_rows(insight),
        "chart": _chart(insight, language),
        "chart_id": f"insight-chart-{insight.id}",
        "criteria": _criteria(insight),
        "estimates": _estimate_texts(insight),
        "caveats": [c.get("text_vi" if language == "vi" else "text_en", "") for c in insight.caveats or []],
        "plan": plan,
        "planned": planned,
        "next": sorted(services_insights.TRANSITIONS[insight.status]),
        "has_crosstab": bool(insight.segment_variable) and insight.kind == Insight.Kind.SEGMENT_DIFFERENCE,
        "events": list(insight.events.all()),
    }


def _board_url(slug: str, anchor: str = "") -> str:
    return reverse("frontend:survey-insights", kwargs={"slug": slug}) + (f"#{anchor}" if anchor else "")


@require_GET
@researcher_view
def insight_board(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    language = _language()
    can_analyse = _can(request, survey.workspace, Capability.ANALYSE)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    question = request.GET.get("question", "")
    filter_error = ""
    try:
        insights = list(selectors_insights.list_insights(survey=survey, status=status, kind=kind, question=question))
    except DomainError as error:
        filter_error = " ".join(str(t) for ts in error.fields.values() for t in ts) or str(error.message)
        insights = list(selectors_insights.list_insights(survey=survey))
        status = kind = ""
    run = selectors_insights.get_latest_run(survey=survey)
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "can_analyse": can_analyse,
        "cards": [_card(insight, language, can_analyse) for insight in insights],
        "run": run,
        "run_error": services_insights.render_run_error(run) if run else "",
        "run_warnings": [services_insights.render_warning(w) for w in run.warnings] if run else [],
        "run_families": _families(run),
        "filters": {"status": status, "kind": kind, "question": question},
        "filter_error": filter_error,
        "statuses": Insight.Status.choices,
        "kinds": Insight.Kind.choices,
        "questions": selectors_insights.insight_questions(survey=survey),
        "plan_kinds": ValidationPlan.Kind.choices,
        "levels": Insight.Level.choices,
        "plotly_version": plotly.__version__,
    }
    return render(request, BOARD_TEMPLATE, context, status=400 if filter_error else 200)


def _run_fragment(request: HttpRequest, survey: Any, run: Any, *, started: bool = False) -> HttpResponse:
    context = {
        "survey": survey,
        "run": run,
        "run_error": services_insights.render_run_error(run) if run else "",
        "run_warnings": [services_insights.render_warning(w) for w in run.warnings] if run else [],
        "run_families": _families(run),
        "can_analyse": True,
    }
    response = render(request, RUN_TEMPLATE, context)
    if run is not None and run.is_finished and request.htmx and (started or request.GET.get("poll")):
        response["HX-Refresh"] = "true"  # new cards
    return response


@require_POST
@researcher_view
def insight_run(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    options = {"weighted": request.POST.get("weighted", "on") == "on"}
    try:
        run = services_insights.start_analysis(survey=survey, created_by=request.user, options=options)
    except DomainError as error:
        text = " ".join([str(error.message), *[t for ts in error.fields.values() for t in ts]])
        if request.htmx:
            return render(
                request,
                RUN_TEMPLATE,
                {"survey": survey, "run": None, "run_error": text, "can_analyse": True},
                status=400,
            )
        messages.error(request, text)
        return redirect(_board_url(slug, "analysis-run"))
    if request.htmx:
        run.refresh_from_db()
        return _run_fragment(request, survey, run, started=True)
    return redirect(_board_url(slug, "analysis-run"))


@require_GET
@researcher_view
def insight_run_status(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    run = selectors_insights.get_run_of_survey(survey=survey, run_id=run_id)
    return _run_fragment(request, survey, run)


def _domain_error_text(error: DomainError) -> str:
    return " ".join([str(error.message), *[str(t) for ts in error.fields.values() for t in ts]])


@require_POST
@researcher_view
def insight_transition(request: HttpRequest, slug: str, insight_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    insight = selectors_insights.get_insight_of_survey(survey=survey, insight_id=insight_id)
    parameters = {k: request.POST[k] for k in ("p1", "p2", "effect_size", "alpha", "power") if request.POST.get(k)}
    try:
        insight = services_insights.transition_insight(
            insight=insight,
            to_status=request.POST.get("status", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
            plan_kind=request.POST.get("plan_kind") or None,
            plan_parameters=parameters,
            plan_notes=request.POST.get("plan_notes", ""),
        )
    except DomainError as error:
        messages.error(request, _domain_error_text(error))
    else:
        messages.success(
            request, _("The insight is now “%(status)s”.") % {"status": Insight.Status(insight.status).label}
        )
    return redirect(_board_url(slug, f"insight-{insight_id}"))


@require_POST
@researcher_view
def insight_tracking(request: HttpRequest, slug: str, insight_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    insight = selectors_insights.get_insight_of_survey(survey=survey, insight_id=insight_id)
    values = {name: request.POST[name] for name in services_insights.TRACKING_FIELDS if name in request.POST}
    try:
        services_insights.update_tracking(insight=insight, actor=request.user, **values)
    except DomainError as error:
        messages.error(request, _domain_error_text(error))
    else:
        messages.success(request, _("The tracking record is saved."))
    return redirect(_board_url(slug, f"insight-{insight_id}"))


def _crosstab_rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the crosstab page: counts and column shares, with each cell's comparison mark."""
    marks = {}
    for c in table["comparisons"]:
        if c["question_level"] is not None:
            marks[(c["question_level"], c["segment_level"])] = c
    totals = [sum(row[j] for row in table["counts"]) for j in range(len(table["segment_levels"]))]
    rows = []
    for i, label in enumerate(table["question_levels"]):
        cells = []
        for j in range(len(table["segment_levels"])):
            count = table["counts"][i][j]
            comparison = marks.get((i, j))
            cells.append(
                {
                    "count": _number(count, 0 if not table["is_weighted"] else 1),
                    "share": _number(100 * count / totals[j], 0) + "%" if totals[j] else "—",
                    "mark": ("▲" if comparison["difference"] > 0 else "▼")
                    if comparison and comparison["significant"]
                    else "",
                    "q": _p(comparison["q_value"]) if comparison else "",
                }
            )
        rows.append({"label": label, "cells": cells})
    return rows


@require_GET
@researcher_view
def insight_crosstab(request: HttpRequest, slug: str, insight_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    insight = selectors_insights.get_insight_of_survey(survey=survey, insight_id=insight_id)
    crosstab = selectors_insights.crosstab_for_insight(insight=insight)
    language = _language()
    table = None
    if crosstab is not None:
        table = selectors_insights.crosstab_as_dict(insight=insight, crosstab=crosstab, language=language)
    means = []
    if table:
        for c in table["comparisons"]:
            if c["question_level"] is None:
                means.append(
                    {
                        "label": table["segment_levels"][c["segment_level"]],
                        "n": c["n_group"],
                        "mean": _number(c["estimate_group"]),
                        "rest": _number(c["estimate_rest"]),
                        "ci": f"{_number(c['ci_low'])} … {_number(c['ci_high'])}",
                        "q": _p(c["q_value"]),
                        "mark": ("▲" if c["difference"] > 0 else "▼") if c["significant"] else "",
                    }
                )
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "insight": insight,
        "statement": insight.statement(language),
        "table": table,
        "rows": _crosstab_rows(table) if table else [],
        "means": means,
        "omnibus_p": _p_relation(table["p_value"]) if table else "",
        "omnibus_effect_name": EFFECT_LABELS.get(table["effect_size_name"], table["effect_size_name"]) if table else "",
        "omnibus_effect": _number(table["effect_size"]) if table else "",
    }
    template = CROSSTAB_FRAGMENT if request.htmx else CROSSTAB_TEMPLATE
    return render(request, template, context, status=200 if table else 404)


# --- impact and effort, with their reasoning ----------------------------------------------------


def _percent(value: float) -> str:
    return number_format(100 * value, 0) + "%"


def _estimate_texts(insight: Insight) -> dict[str, str] | None:
    """Why the first estimate says what it says (``analysis.core.insights.estimate_impact_effort``)."""
    e = insight.estimates or {}
    if not e.get("impact"):
        return None
    levels = dict(Insight.Level.choices)
    kpi = (
        _("× %(factor)s: tied to a KPI") % {"factor": number_format(e["kpi_factor"], 0)}
        if e.get("kpi_factor", 1) > 1
        else _("× 1: not tied to a KPI")
    )
    impact = _(
        "%(reach)s of respondents × effect %(effect)s (in Cohen's d units) %(kpi)s = %(score)s; "
        "high from %(high)s, medium from %(medium)s."
    ) % {
        "reach": _percent(e["reach"]),
        "effect": number_format(e["effect"], 2),
        "kpi": kpi,
        "score": number_format(e["impact_score"], 2),
        "high": number_format(e["impact_high_from"], 2),
        "medium": number_format(e["impact_medium_from"], 2),
    }
    share = _percent(e.get("effort_narrow_reach", 0.2))
    effort = {
        "everyone": _("Rule: an action for all customers is high effort."),
        "narrow_group": _("Rule: an action for one group of under %(share)s of the customers is low effort.")
        % {"share": share},
        "large_group": _("Rule: an action for one group of %(share)s or more of the customers is medium effort.")
        % {"share": share},
    }.get(e.get("effort_rule", ""), "")
    result = {"impact": impact, "effort": effort}
    if insight.impact_set_by_analyst:
        result["impact_override"] = _("Set by the analyst; the estimate was %(level)s.") % {
            "level": levels.get(e["impact"], e["impact"])
        }
    if insight.effort_set_by_analyst:
        result["effort_override"] = _("Set by the analyst; the rule gave %(level)s.") % {
            "level": levels.get(e.get("effort", ""), e.get("effort", ""))
        }
    return result


# --- previous wave and benchmarks ------------------------------------------------------------------

REFERENCES_TEMPLATE = "frontend/insights/references.html"


def _references_url(slug: str) -> str:
    return reverse("frontend:survey-insight-references", kwargs={"slug": slug})


@require_GET
@researcher_view
def insight_references(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    language = _language()
    page = selectors_insights.benchmark_page(survey=survey, language=language)
    rows = []
    for benchmark in page["benchmarks"]:
        target = f"{benchmark.variable}|{benchmark.option}"
        group = f"{benchmark.segment_variable}|{benchmark.segment_option}" if benchmark.segment_variable else ""
        is_share = benchmark.estimate == "share"
        rows.append(
            {
                "benchmark": benchmark,
                "target": page["target_labels"].get(target, benchmark.variable),
                "segment": page["segment_labels"].get(group, group) if group else _("All respondents"),
                "value": number_format(100 * benchmark.value, 1) + "%"
                if is_share
                else number_format(benchmark.value, 2),
                "estimate": _("share") if is_share else _("mean"),
            }
        )
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "can_analyse": _can(request, survey.workspace, Capability.ANALYSE),
        "rows": rows,
        "targets": page["targets"],
        "segments": page["segments"],
        "previous": selectors_insights.get_previous_wave(survey=survey),
        "previous_choices": list(selectors_insights.previous_wave_choices(survey=survey)),
    }
    return render(request, REFERENCES_TEMPLATE, context)


@require_POST
@researcher_view
def insight_benchmark_create(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    try:
        services_insights.create_benchmark(
            survey=survey,
            actor=request.user,
            target=request.POST.get("target", ""),
            value=request.POST.get("value", ""),
            segment=request.POST.get("segment", ""),
            source=request.POST.get("source", ""),
        )
    except DomainError as error:
        messages.error(request, _domain_error_text(error))
    else:
        messages.success(request, _("The benchmark is saved. Run the analysis again to compare with it."))
    return redirect(_references_url(slug) + "#benchmarks")


@require_POST
@researcher_view
def insight_benchmark_delete(request: HttpRequest, slug: str, benchmark_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    benchmark = selectors_insights.list_benchmarks(survey=survey).filter(id=benchmark_id).first()
    if benchmark is not None:
        services_insights.delete_benchmark(benchmark=benchmark)
        messages.success(request, _("The benchmark is deleted."))
    return redirect(_references_url(slug) + "#benchmarks")


@require_POST
@researcher_view
def insight_previous_wave(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    chosen = request.POST.get("previous", "")
    try:
        previous = selectors_insights.get_previous_wave_choice(survey=survey, slug=chosen) if chosen else None
        services_insights.set_previous_wave(survey=survey, previous=previous, actor=request.user)
    except DomainError as error:
        messages.error(request, _domain_error_text(error))
    else:
        messages.success(
            request, _("The previous wave is linked.") if previous else _("The survey has no previous wave now.")
        )
    return redirect(_references_url(slug) + "#previous-wave")
