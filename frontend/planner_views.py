"""The sample-size planner pages: the survey's plan (a builder panel) and the calculators page.

The builder panel recalculates as the researcher types (htmx GET of the preview, debounced) and
saves with a form post; without JavaScript the post redirects back to the builder, or shows the
plan page with the errors. The calculators page is one GET form per calculation: without
JavaScript the page comes back with the answer, with htmx only the answer is swapped in.
"""

import dataclasses
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from frontend import planner_forms
from frontend.views import _can, researcher_view
from surveys import planner, selectors, services
from surveys.core import sample_size as ss
from surveys.core.precision import SegmentPrecision
from surveys.core.roles import Capability
from surveys.core.survey_plan import SurveyPlan
from surveys.errors import DomainError
from surveys.models import Survey

PANEL_TEMPLATE = "frontend/surveys/_planner.html"
PLAN_PAGE_TEMPLATE = "frontend/planner/survey_plan.html"
PLAN_RESULT_TEMPLATE = "frontend/planner/_plan_result.html"
CALCULATORS_TEMPLATE = "frontend/planner/calculators.html"
CALCULATOR_RESULT_TEMPLATE = "frontend/planner/_calculator_result.html"


# --- showing a result ---------------------------------------------------------------------------

RESULT_LABELS = {
    "proportion": gettext_lazy("Expected proportion"),
    "margin_of_error": gettext_lazy("Margin of error"),
    "confidence_level": gettext_lazy("Confidence level"),
    "population_size": gettext_lazy("Population size"),
    "design_effect": gettext_lazy("Design effect"),
    "rounding": gettext_lazy("Rounding"),
    "z": gettext_lazy("z"),
    "n0": gettext_lazy("n0 (infinite population)"),
    "n_design": gettext_lazy("n0 × design effect"),
    "n_corrected": gettext_lazy("n after the finite-population correction"),
    "required_responses": gettext_lazy("Responses needed"),
    "n": gettext_lazy("Answers"),
    "finite_population_correction": gettext_lazy("Finite-population correction"),
    "standard_error": gettext_lazy("Standard error"),
    "standard_deviation": gettext_lazy("Standard deviation"),
    "response_rate": gettext_lazy("Response rate"),
    "eligibility_rate": gettext_lazy("Eligibility rate"),
    "completion_rate": gettext_lazy("Completion rate"),
    "invitations_exact": gettext_lazy("Invitations (exact)"),
    "invitations": gettext_lazy("Invitations needed"),
    "exceeds_population": gettext_lazy("More invitations than the population"),
    "method": gettext_lazy("Method"),
    "p1": gettext_lazy("Proportion in group 1 (p1)"),
    "p2": gettext_lazy("Proportion in group 2 (p2)"),
    "difference": gettext_lazy("Difference"),
    "cohens_h": gettext_lazy("Cohen's h"),
    "alpha": gettext_lazy("Significance level (alpha)"),
    "power": gettext_lazy("Power"),
    "alternative": gettext_lazy("Alternative"),
    "ratio": gettext_lazy("Allocation ratio (n2/n1)"),
    "z_alpha": gettext_lazy("z for alpha"),
    "z_beta": gettext_lazy("z for power"),
    "n_group1_exact": gettext_lazy("Group 1 size (exact)"),
    "n_group1": gettext_lazy("Group 1 size"),
    "n_group2": gettext_lazy("Group 2 size"),
    "total": gettext_lazy("Total answers"),
    "achieved_power": gettext_lazy("Power at these sizes"),
    "direction": gettext_lazy("Direction"),
    "effect_size": gettext_lazy("Effect size"),
    "df": gettext_lazy("Degrees of freedom"),
    "critical_t": gettext_lazy("Critical t"),
    "critical_value": gettext_lazy("Critical value"),
    "noncentrality": gettext_lazy("Noncentrality"),
    "n_exact": gettext_lazy("Answers (exact)"),
    "segments": gettext_lazy("Segments"),
    "comparisons": gettext_lazy("Pairs of segments"),
    "baseline_proportion": gettext_lazy("Proportion in a segment"),
    "alpha_per_comparison": gettext_lazy("Alpha per comparison"),
    "is_alpha_adjusted": gettext_lazy("Alpha adjusted for every pair"),
    "n_per_segment": gettext_lazy("Answers per segment"),
}
# Shares shown as percentages; everything else as a number.
PERCENT_FIELDS = frozenset(
    {
        "proportion",
        "margin_of_error",
        "confidence_level",
        "response_rate",
        "eligibility_rate",
        "completion_rate",
        "p1",
        "p2",
        "difference",
        "alpha",
        "power",
        "achieved_power",
        "baseline_proportion",
        "alpha_per_comparison",
    }
)


def format_value(name: str, value: Any, percent_fields: frozenset[str] = PERCENT_FIELDS) -> str:
    """Return a result value as a reader sees it: shares as percentages, floats to 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, enum.Enum):
        return str(planner_forms.CHOICE_LABELS.get(value.value, value.value))
    if isinstance(value, float) and name in percent_fields:
        return planner.percent(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        # Four significant digits, but never fewer than the whole part (1,737.5, not 1,737.0 or 1.738e+03).
        return number_format(Decimal(f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"), force_grouping=True)
    return str(value)


def headline(result: object) -> str:
    """Return the answer a reader looks for first, in plain words."""
    match result:
        case ss.ProportionSampleSize():
            return _("You need {n} completed answers to know a percentage within ±{margin}.").format(
                n=format_value("n", result.required_responses), margin=planner.percent(result.margin_of_error)
            )
        case ss.MeanSampleSize():
            return _("You need {n} completed answers to know the average within ±{margin}.").format(
                n=format_value("n", result.required_responses), margin=format_value("", result.margin_of_error)
            )
        case ss.MarginOfError():
            return _("With {n} answers a percentage is known within ±{margin}.").format(
                n=format_value("n", result.n), margin=planner.percent(result.margin_of_error)
            )
        case ss.MeanMarginOfError():
            return _("With {n} answers the average is known within ±{margin}.").format(
                n=format_value("n", result.n), margin=format_value("", result.margin_of_error)
            )
        case ss.InvitationEstimate():
            return _("Invite {invitations} people to get {n} completed answers.").format(
                invitations=format_value("n", result.invitations), n=format_value("n", result.required_responses)
            )
        case ss.TwoProportionsSampleSize() | ss.TwoMeansSampleSize():
            return _("You need {n1} answers in group 1 and {n2} in group 2 ({total} in total).").format(
                n1=format_value("n", result.n_group1),
                n2=format_value("n", result.n_group2),
                total=format_value("n", result.total),
            )
        case ss.ChiSquareSampleSize():
            return _("You need {n} answers.").format(n=format_value("n", result.n))
        case ss.TwoProportionsPower() | ss.TwoMeansPower() | ss.ChiSquarePower():
            return _("The test has a {power} chance of detecting this effect.").format(
                power=planner.percent(result.power)
            )
        case ss.TwoProportionsDetectableEffect():
            return _("The smallest change these answers detect: from {p1} to {p2}.").format(
                p1=planner.percent(result.p1), p2=planner.percent(result.p2)
            )
        case ss.TwoMeansDetectableEffect() | ss.ChiSquareDetectableEffect():
            return _("The smallest effect size these answers detect: {effect}.").format(
                effect=format_value("effect_size", result.effect_size)
            )
        case ss.SegmentSampleSize():
            return _("You need {n} answers in each segment ({total} in total).").format(
                n=format_value("n", result.n_per_segment), total=format_value("n", result.total)
            )
    raise TypeError(type(result).__name__)


@dataclass(frozen=True)
class ResultView:
    """One calculation's answer, ready for the template."""

    headline: str
    formula: str
    rows: list[tuple[str, str]]
    segments: tuple[SegmentPrecision, ...] = ()
    inputs: list["ResultView"] = field(default_factory=list)


def result_view(result: object) -> ResultView:
    # A mean's margin is in the unit of the answers, not a share.
    is_mean = isinstance(result, (ss.MeanSampleSize, ss.MeanMarginOfError))
    percent_fields = PERCENT_FIELDS - {"margin_of_error"} if is_mean else PERCENT_FIELDS
    rows = [
        (str(RESULT_LABELS.get(f.name, f.name)), format_value(f.name, getattr(result, f.name), percent_fields))
        for f in dataclasses.fields(result)
        if f.name != "formula" and not dataclasses.is_dataclass(getattr(result, f.name))
    ]
    return ResultView(headline=headline(result), formula=result.formula, rows=rows)


def results_view(results: tuple[object, ...]) -> ResultView:
    *inputs, answer = results
    if isinstance(answer, tuple):  # segment margins
        return ResultView(headline="", formula="e = z·√(p(1−p)/n)", rows=[], segments=answer)
    view = result_view(answer)
    return dataclasses.replace(view, inputs=[result_view(item) for item in inputs])


# --- the survey's plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanPanel:
    survey: Survey
    can_edit: bool
    form: planner_forms.SurveyPlanForm
    plan: SurveyPlan | None
    explanation: str
    error: str = ""
    saved: bool = False

    @property
    def target_rows(self) -> list[tuple[str, str]]:
        """Return the stored targets as (label, value), for members who may not change them."""
        rows = []
        for name, target in self.form.TARGETS.items():
            value = getattr(self.survey, target)
            is_share = isinstance(self.form.fields[name], planner_forms.PercentField) or name == "confidence"
            shown = "—" if value is None else planner.percent(value) if is_share else format_value(name, value)
            rows.append((str(self.form.fields[name].label), shown))
        return rows

    @property
    def rows(self) -> list[tuple[str, str]]:
        if self.plan is None:
            return []
        calculation = self.plan.sample_size or self.plan.margin
        rows = result_view(calculation).rows if calculation else []
        if self.plan.invitations is not None:
            rows += result_view(self.plan.invitations).rows[1:]
        return rows

    @property
    def required_display(self) -> str:
        return format_value("n", self.plan.required_responses) if self.plan else "—"

    @property
    def invitations_display(self) -> str:
        return format_value("n", self.plan.invitations_needed) if self.plan else "—"

    @property
    def formulas(self) -> list[str]:
        if self.plan is None:
            return []
        parts = (self.plan.sample_size or self.plan.margin, self.plan.invitations)
        return [part.formula for part in parts if part is not None]


def _plan_from_form(form: planner_forms.SurveyPlanForm) -> tuple[SurveyPlan | None, str]:
    """Return the plan the form's values imply, or the error (placed on its field when it has one)."""
    if not form.is_valid():
        return None, ""
    try:
        return planner.plan_for_targets(form.targets()), ""
    except DomainError as error:
        unplaced = form.add_domain_error(error, form.FIELDS_OF_TARGETS)
        return None, " ".join(unplaced)


def plan_panel(
    survey: Survey, *, can_edit: bool, form: planner_forms.SurveyPlanForm | None = None, saved: bool = False
) -> PlanPanel:
    """Return the panel for the survey's stored plan, or for the values a bound ``form`` holds."""
    if form is None:
        form = planner_forms.SurveyPlanForm(initial=planner_forms.SurveyPlanForm.initial_for(survey))
        plan, error = planner.plan_for_survey(survey), ""
    else:
        plan, error = _plan_from_form(form)
    explanation = planner.explain_plan(plan) if plan is not None else ""
    return PlanPanel(survey, can_edit, form, plan, explanation, error, saved)


def _panel_response(request: HttpRequest, panel: PlanPanel, *, status: int = 200) -> HttpResponse:
    if request.htmx:
        return render(request, PANEL_TEMPLATE, {"panel": panel}, status=status)
    head = {"can_edit": panel.can_edit, "latest_version": selectors.get_latest_version(survey=panel.survey)}
    context = {"survey": panel.survey, "panel": panel, "head": head}
    return render(request, PLAN_PAGE_TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
@researcher_view
def survey_plan(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the survey's sample-size plan; save new targets (researchers and owners)."""
    if request.method == "GET":
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return _panel_response(request, plan_panel(survey, can_edit=_can(request, survey.workspace, Capability.EDIT)))
    survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    form = planner_forms.SurveyPlanForm(request.POST)
    if form.is_valid():
        try:
            services.update_survey_plan(survey=survey, **form.targets())
        except DomainError as error:
            survey.refresh_from_db()
            form.add_domain_error(error, form.FIELDS_OF_TARGETS)
        else:
            if request.htmx:
                return _panel_response(request, plan_panel(survey, can_edit=True, saved=True))
            messages.success(request, _("Sample-size targets saved."))
            return redirect(reverse("frontend:survey-builder", kwargs={"slug": survey.slug}) + "#planner")
    return _panel_response(request, plan_panel(survey, can_edit=True, form=form), status=400)


@require_GET
@researcher_view
def survey_plan_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the answers and invitations the typed values imply, without saving them."""
    survey = selectors.get_survey_for_user(slug=slug, user=request.user)
    panel = plan_panel(survey, can_edit=False, form=planner_forms.SurveyPlanForm(request.GET))
    return render(request, PLAN_RESULT_TEMPLATE, {"panel": panel, "oob_errors": True})


# --- the calculators page -----------------------------------------------------------------------

SECTIONS = [
    (
        "proportion",
        gettext_lazy("Answers for a percentage"),
        gettext_lazy("How many answers to know a percentage within a margin of error."),
    ),
    (
        "margin",
        gettext_lazy("Margin of error for n answers"),
        gettext_lazy("How precise a percentage is with the answers you have."),
    ),
    (
        "mean",
        gettext_lazy("Answers for an average"),
        gettext_lazy("How many answers to know an average (a rating, a spend) within a margin."),
    ),
    (
        "invitations",
        gettext_lazy("People to invite"),
        gettext_lazy("How many people to invite for the answers you need."),
    ),
    (
        "two-proportions",
        gettext_lazy("A/B test of two percentages"),
        gettext_lazy("Validate an insight: answers per group, power, or the smallest change you can detect."),
    ),
    (
        "two-means",
        gettext_lazy("Comparing two averages"),
        gettext_lazy("A t-test between two groups: answers per group, power, or the smallest effect."),
    ),
    (
        "chi-square",
        gettext_lazy("Chi-square test"),
        gettext_lazy("A test on a table of counts: answers, power, or the smallest effect (Cohen's w)."),
    ),
    (
        "segments",
        gettext_lazy("Answers per segment"),
        gettext_lazy("The minimum answers in each segment so that two segments can be compared."),
    ),
    (
        "segment-margins",
        gettext_lazy("Margin of error per segment"),
        gettext_lazy("Enter the answers each segment has: segments with too few are marked."),
    ),
]


@dataclass
class Calculator:
    kind: str
    title: str
    description: str
    form: planner_forms.PlannerForm
    result: ResultView | None = None
    error: str = ""


def run_calculator(kind: str, data: Any | None) -> Calculator:
    """Return the calculator ``kind`` with its form bound to ``data`` and its answer (or error)."""
    form_class = planner_forms.CALCULATOR_FORMS[kind]
    title, description = next((str(t), str(d)) for k, t, d in SECTIONS if k == kind)
    calculator = Calculator(kind, title, description, form_class(data) if data is not None else form_class())
    if data is None or not calculator.form.is_valid():
        return calculator
    try:
        calculator.result = results_view(planner.calculate(kind, calculator.form.parameters()))
    except DomainError as error:
        calculator.error = " ".join(calculator.form.add_domain_error(error))
    return calculator


@require_GET
@researcher_view
def calculators(request: HttpRequest) -> HttpResponse:
    """Show every planner calculation; the one submitted (``?kind=…``) with its answer."""
    submitted = request.GET.get("kind")
    if submitted is not None and submitted not in planner_forms.CALCULATOR_FORMS:
        submitted = None
    if request.htmx and submitted:
        calculator = run_calculator(submitted, request.GET)
        return render(request, CALCULATOR_RESULT_TEMPLATE, {"calculator": calculator, "oob_errors": True})
    sections = [run_calculator(kind, request.GET if kind == submitted else None) for kind, _t, _d in SECTIONS]
    failed = any(section.form.is_bound and (section.form.errors or section.error) for section in sections)
    return render(request, CALCULATORS_TEMPLATE, {"calculators": sections}, status=400 if failed else 200)
