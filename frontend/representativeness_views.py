"""The representativeness page of a survey: attach targets, map questions, compare, weight.

Tables first (they work without JavaScript and with screen readers); Plotly draws sample-vs-target
bars over them. Every action is a plain form post that redirects back; the weighting run's
progress is polled with htmx, and without JavaScript the page shows the run's status on reload.
Reading needs ``view``; attaching, mapping, weighting and discarding weights need ``analyse``.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from analysis import selectors, services
from analysis.models import SurveyTargetMapping
from analysis.representativeness import get_representativeness_report
from frontend.views import _can, _survey_head, researcher_view
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import DomainError, InvalidInput

PAGE_TEMPLATE = "frontend/representativeness/page.html"
RUN_TEMPLATE = "frontend/representativeness/_run.html"


def _anchor(slug: str, anchor: str) -> str:
    return reverse("frontend:representativeness", kwargs={"slug": slug}) + f"#{anchor}"


def _mapping_rows(survey: Any, mapping: SurveyTargetMapping | None, language: str) -> list[dict[str, Any]]:
    """The mapping editor: per target variable, the question chosen and each option's category."""
    if mapping is None:
        return []
    spec = services.get_mapping_spec(survey=survey)
    questions = services.mappable_questions(spec)
    by_key = {q.key: q for q in questions}
    stored = {vm.target_variable_id: vm for vm in mapping.variables.all()}
    rows = []
    for variable in mapping.target_set.variables.all():
        vm = stored.get(variable.id)
        question = by_key.get(vm.question_key) if vm else None
        categories = [(c.code, c.label(language)) for c in variable.categories.all()]
        options = []
        if question is not None:
            for choice in question.choices:
                options.append(
                    {
                        "value": choice.value,
                        "label": choice.label.get(language) or choice.value,
                        "category": (vm.recoding or {}).get(choice.value),
                    }
                )
        rows.append(
            {
                "variable": variable,
                "label": variable.label(language),
                "question_key": vm.question_key if vm else "",
                "question": question,
                "questions": [(q.key, q.text.get(language), q.role.to_string() if q.role else "") for q in questions],
                "categories": categories,
                "options": options,
            }
        )
    return rows


def _chart(report: Any) -> dict[str, Any]:
    return {
        "labels": {"sample": _("Respondents"), "target": _("Target"), "weighted": _("Weighted")},
        "variables": [
            {
                "name": v.name,
                "categories": [row.label for row in v.rows],
                "sample": [row.share for row in v.rows],
                "target": [row.target_share for row in v.rows],
                "weighted": [row.weighted_share for row in v.rows]
                if any(r.weighted_share is not None for r in v.rows)
                else None,
            }
            for v in report.variables
            if v.rows
        ],
    }


@require_GET
@researcher_view
def representativeness(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    language = request.LANGUAGE_CODE[:2]
    report = get_representativeness_report(survey=survey)
    can_analyse = _can(request, survey.workspace, Capability.ANALYSE)
    latest = report.latest_run
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "report": report,
        "can_analyse": can_analyse,
        "target_sets": selectors.list_target_sets(workspace=survey.workspace),
        "mapping_rows": _mapping_rows(survey, report.mapping, language),
        "policies": SurveyTargetMapping.UnmatchedPolicy.choices,
        "run": latest,
        "run_error": services.render_run_error(latest) if latest else "",
        "diagnostics": report.active_run.diagnostics if report.active_run else None,
        "chart": _chart(report),
    }
    return render(request, PAGE_TEMPLATE, context)


@require_POST
@researcher_view
def representativeness_attach(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    target_set_id = request.POST.get("target_set", "")
    if not target_set_id.isdigit():
        messages.error(request, _("Choose a target set."))
        return redirect(_anchor(slug, "targets"))
    target_set = selectors.get_target_set_of_workspace(workspace=survey.workspace, target_set_id=int(target_set_id))
    try:
        services.save_target_mapping(survey=survey, target_set=target_set, updated_by=request.user)
    except InvalidInput as error:
        messages.error(request, " ".join([str(error.message), *[t for ts in error.fields.values() for t in ts]]))
        return redirect(_anchor(slug, "targets"))
    messages.success(
        request,
        _("“{name}” is attached. Check the suggested mapping below: options without a category are excluded.").format(
            name=target_set.name
        ),
    )
    return redirect(_anchor(slug, "mapping"))


@require_POST
@researcher_view
def representativeness_detach(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    services.detach_target_set(survey=survey)
    messages.success(request, _("The target set is detached. Past weighting runs are kept."))
    return redirect(_anchor(slug, "targets"))


@require_POST
@researcher_view
def representativeness_mapping(request: HttpRequest, slug: str) -> HttpResponse:
    """Save the mapping editor. A variable whose question changed gets that question's suggested recoding."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    mapping = selectors.get_target_mapping(survey=survey)
    if mapping is None:
        messages.error(request, _("Attach a target set to the survey first."))
        return redirect(_anchor(slug, "targets"))
    spec = services.get_mapping_spec(survey=survey)
    by_key = {q.key: q for q in services.mappable_questions(spec)}
    stored = {vm.target_variable_id: vm for vm in mapping.variables.all()}
    variables: dict[str, Any] = {}
    changed = []
    for variable in mapping.target_set.variables.all():
        key = request.POST.get(f"question-{variable.name}", "").strip()
        previous = stored[variable.id].question_key if variable.id in stored else ""
        if key and key != previous and key in by_key:
            variables[variable.name] = {
                "question_key": key,
                "recoding": services.suggest_recoding(by_key[key], variable),
            }
            changed.append(variable.name)
            continue
        recoding = {}
        question = by_key.get(key)
        for choice in question.choices if question else ():
            field = f"recode-{variable.name}-{choice.value}"
            if field in request.POST:
                recoding[choice.value] = request.POST[field] or None
        variables[variable.name] = {"question_key": key, "recoding": recoding}
    try:
        services.save_target_mapping(
            survey=survey,
            target_set=mapping.target_set,
            variables=variables,
            unmatched_policy=request.POST.get("unmatched_policy", ""),
            updated_by=request.user,
        )
    except DomainError as error:
        messages.error(request, " ".join([str(error.message), *[t for ts in error.fields.values() for t in ts]]))
        return redirect(_anchor(slug, "mapping"))
    if changed:
        messages.info(
            request,
            _("Suggested a recoding for the new question of {variables}: check it.").format(
                variables=", ".join(changed)
            ),
        )
    else:
        messages.success(request, _("The mapping is saved."))
    return redirect(_anchor(slug, "mapping"))


@require_POST
@researcher_view
def representativeness_run(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    try:
        run = services.create_weighting_run(
            survey=survey,
            created_by=request.user,
            lower_bound=request.POST.get("lower_bound", ""),
            upper_bound=request.POST.get("upper_bound", ""),
        )
    except DomainError as error:
        text = " ".join([str(error.message), *[t for ts in error.fields.values() for t in ts]])
        if request.htmx:
            return render(request, RUN_TEMPLATE, {"survey": survey, "run": None, "run_error": text}, status=400)
        messages.error(request, text)
        return redirect(_anchor(slug, "weighting"))
    if request.htmx:
        run.refresh_from_db()
        return _run_fragment(request, survey, run)
    return redirect(_anchor(slug, "weighting"))


@require_POST
@researcher_view
def representativeness_discard_weights(request: HttpRequest, slug: str) -> HttpResponse:
    """Discard the survey's current weights once the analyst ticked the confirmation box."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm that you want to discard the weights."))
        return redirect(_anchor(slug, "weighting"))
    try:
        services.discard_weights(survey=survey, discarded_by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_anchor(slug, "weighting"))
    messages.success(
        request,
        _(
            "The weights are discarded. Results, crosstabs and exports are unweighted until you run the weighting"
            " again."
        ),
    )
    return redirect(_anchor(slug, "weighting"))


def _run_fragment(request: HttpRequest, survey: Any, run: Any) -> HttpResponse:
    response = render(
        request, RUN_TEMPLATE, {"survey": survey, "run": run, "run_error": services.render_run_error(run)}
    )
    if run.is_finished and request.htmx:
        response["HX-Refresh"] = "true"  # the whole page changes: new weights, new tables
    return response


@require_GET
@researcher_view
def representativeness_run_status(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    run = selectors.get_run_of_survey(survey=survey, run_id=run_id)
    return _run_fragment(request, survey, run)
