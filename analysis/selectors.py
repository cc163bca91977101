"""Reads of target sets, survey mappings and weighting runs, with workspace permissions.

Permissions: reading target sets, mappings, the representativeness report and weights needs the
``view`` capability; creating or editing target sets and mappings and running weighting needs
``analyse`` (owners, researchers and analysts). Not a member → not found.
"""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from analysis.models import (
    ResponseWeight,
    SurveyTargetMapping,
    TargetCategory,
    TargetSet,
    TargetVariable,
    VariableMapping,
    WeightingRun,
)
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import NotFound
from surveys.models import Survey, Workspace

User = survey_selectors.User


# --- weights ---------------------------------------------------------------------------------


def _latest_succeeded_run(*, survey: Survey) -> WeightingRun | None:
    """Return the survey's latest succeeded run, annotated with ``has_weights``."""
    return (
        WeightingRun.objects.succeeded()
        .filter(survey=survey)
        .annotate(has_weights=Exists(ResponseWeight.objects.filter(run=OuterRef("pk"))))
        .order_by("-finished_at", "-id")
        .first()
    )


def get_active_run(*, survey: Survey) -> WeightingRun | None:
    """Return the survey's current weighting: its latest succeeded run, or None.

    None as well when an analyst discarded that run's weights (``services.discard_weights``
    deletes its ``ResponseWeight`` rows and keeps the run and its diagnostics as history): the
    survey is then unweighted until a new run succeeds. Older runs never come back into use, and
    a succeeded run always has weights (one per finished response, 0 for an excluded one) until
    they are discarded.
    """
    run = _latest_succeeded_run(survey=survey)
    return run if run is not None and run.has_weights else None


def get_discarded_run(*, survey: Survey) -> WeightingRun | None:
    """Return the survey's latest succeeded run when its weights were discarded (so there are none), or None."""
    run = _latest_succeeded_run(survey=survey)
    return run if run is not None and not run.has_weights else None


def get_active_weights(*, survey: Survey) -> dict[int, float] | None:
    """Return ``{response_id: weight}`` of the survey's current successful weighting run, or None.

    The run weighted the survey's finished responses (complete or flagged) at the time it ran;
    weights have mean 1 over the respondents used for weighting. A respondent the analyst chose to
    exclude from weighting (no target category for their answer) has weight 0.0. A response that
    is not in the mapping finished after the run: callers should say the weights are out of date
    (``get_active_run(...).finished_at``) rather than guess its weight. No permission check: the
    caller already holds the survey through ``get_survey_for_user``.
    """
    run = get_active_run(survey=survey)
    if run is None:
        return None
    return dict(ResponseWeight.objects.filter(run=run).values_list("response_id", "weight").iterator(chunk_size=10_000))


def list_weights(*, run: WeightingRun) -> QuerySet[ResponseWeight]:
    return ResponseWeight.objects.filter(run=run).order_by("response_id")


# --- target sets -----------------------------------------------------------------------------


def _target_sets() -> QuerySet[TargetSet]:
    return TargetSet.objects.select_related("workspace").prefetch_related(
        Prefetch(
            "variables",
            queryset=TargetVariable.objects.order_by("position", "id").prefetch_related(
                Prefetch("categories", queryset=TargetCategory.objects.order_by("position", "id"))
            ),
        )
    )


def list_target_sets(*, workspace: Workspace) -> QuerySet[TargetSet]:
    return _target_sets().filter(workspace=workspace).order_by("name", "id")


def get_target_set_for_user(*, target_set_id: int, user: User, capability: Capability = Capability.VIEW) -> TargetSet:
    """Return a target set of a workspace the user may act on with ``capability``."""
    target_set = _target_sets().filter(id=target_set_id).first()
    if target_set is None:
        raise NotFound()
    survey_selectors.get_workspace_for_user(slug=target_set.workspace.slug, user=user, capability=capability)
    return target_set


def get_target_set_of_workspace(*, workspace: Workspace, target_set_id: int) -> TargetSet:
    target_set = _target_sets().filter(workspace=workspace, id=target_set_id).first()
    if target_set is None:
        raise NotFound()
    return target_set


# --- survey mapping and runs -----------------------------------------------------------------


def get_target_mapping(*, survey: Survey) -> SurveyTargetMapping | None:
    """Return the survey's attached target set with its variable mappings, or None."""
    return (
        SurveyTargetMapping.objects.filter(survey=survey)
        .select_related("target_set")
        .prefetch_related(
            Prefetch(
                "target_set__variables",
                queryset=TargetVariable.objects.order_by("position", "id").prefetch_related(
                    Prefetch("categories", queryset=TargetCategory.objects.order_by("position", "id"))
                ),
            ),
            Prefetch("variables", queryset=VariableMapping.objects.select_related("target_variable")),
        )
        .first()
    )


def _with_weights_flag(runs: QuerySet[WeightingRun]) -> QuerySet[WeightingRun]:
    return runs.annotate(has_weights=Exists(ResponseWeight.objects.filter(run=OuterRef("pk"))))


def list_runs(*, survey: Survey) -> QuerySet[WeightingRun]:
    """The survey's runs, newest first, each annotated with ``has_weights`` (False once discarded)."""
    return _with_weights_flag(WeightingRun.objects.filter(survey=survey)).order_by("-created_at", "-id")


def get_run_for_user(*, run_id: int, user: User, capability: Capability = Capability.VIEW) -> WeightingRun:
    run = _with_weights_flag(WeightingRun.objects.select_related("survey__workspace").filter(id=run_id)).first()
    if run is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=run.survey.slug, user=user, capability=capability)
    return run


def get_run_of_survey(*, survey: Survey, run_id: int) -> WeightingRun:
    run = _with_weights_flag(WeightingRun.objects.filter(survey=survey, id=run_id)).first()
    if run is None:
        raise NotFound()
    return run
