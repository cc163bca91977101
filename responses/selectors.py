"""Reads of collectors, quotas and responses.

Researchers reach them through the survey (``surveys.selectors`` checks membership: not a
member → not found, lacking the capability → permission denied). Respondents reach a collector
by its public slug, and their own response only through its resume token or their personal
invitation token: there is no read of a response by id for them.
"""

from django.db.models import Count, Q, QuerySet

from responses.models import Collector, Invitation, Quota, Response
from surveys import selectors as survey_selectors
from surveys.core.questionnaire import SurveySpec
from surveys.core.roles import Capability
from surveys.errors import NotFound
from surveys.models import Survey

User = survey_selectors.User


# --- researchers ---------------------------------------------------------------------------


def get_collector_for_user(*, collector_id: int, user: User, capability: Capability = Capability.VIEW) -> Collector:
    """Return a collector of a survey the user may act on with ``capability``."""
    collector = Collector.objects.select_related("survey__workspace").filter(id=collector_id).first()
    if collector is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=collector.survey.slug, user=user, capability=capability)
    return collector


def get_quota_for_user(*, quota_id: int, user: User, capability: Capability = Capability.VIEW) -> Quota:
    quota = Quota.objects.select_related("survey__workspace", "collector").filter(id=quota_id).first()
    if quota is None:
        raise NotFound()
    survey_selectors.get_survey_for_user(slug=quota.survey.slug, user=user, capability=capability)
    return quota


def list_collectors(*, survey: Survey) -> QuerySet[Collector]:
    """Return the survey's collectors with their counts of finished and partial responses."""
    finished = [Response.Status.COMPLETE, Response.Status.FLAGGED]
    return (
        Collector.objects.filter(survey=survey)
        .annotate(
            finished_count=Count("responses", filter=Q(responses__status__in=finished)),
            partial_count=Count("responses", filter=Q(responses__status=Response.Status.PARTIAL)),
        )
        .order_by("created_at", "id")
    )


def get_quota_spec(*, survey: Survey) -> SurveySpec:
    """Return the questionnaire quotas refer to: the latest published version, else the draft."""
    latest = survey_selectors.get_latest_version(survey=survey)
    return latest.spec() if latest is not None else survey_selectors.get_survey_spec(survey=survey)


def list_quotas(*, survey: Survey) -> QuerySet[Quota]:
    return Quota.objects.filter(survey=survey).select_related("collector").order_by("id")


def list_responses_for_user(*, slug: str, user: User, status: str | None = None) -> QuerySet[Response]:
    """Return a survey's responses for a member who may analyse them (newest first)."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=user, capability=Capability.ANALYSE)
    responses = Response.objects.filter(survey=survey).select_related("version", "collector")
    if status:
        responses = responses.filter(status=status)
    return responses.order_by("-started_at", "-id")


# --- counts --------------------------------------------------------------------------------


def count_finished(*, collector: Collector) -> int:
    return Response.objects.filter(collector=collector).finished().count()


def count_in_quota(*, quota: Quota) -> int:
    """Return the finished responses whose answer to the quota's question is one of its codes."""
    responses = Response.objects.filter(survey_id=quota.survey_id).finished()
    if quota.collector_id is not None:
        responses = responses.filter(collector_id=quota.collector_id)
    return responses.filter(**{f"answers__{quota.question_key}__in": list(quota.values)}).count()


# --- respondents ---------------------------------------------------------------------------


def get_collector_by_slug(*, slug: str) -> Collector:
    """Return the collector behind a public link (any state: the caller says why it is closed)."""
    collector = Collector.objects.select_related("survey").filter(slug=slug).first()
    if collector is None:
        raise NotFound()
    return collector


def get_invitation_by_token(*, token: str) -> Invitation:
    invitation = Invitation.objects.select_related("collector__survey").filter(token=token).first()
    if invitation is None:
        raise NotFound()
    return invitation


def get_response_by_resume_token(*, token: str) -> Response:
    """Return the response a resume token opens: the respondent's own, and only theirs."""
    response = (
        Response.objects.select_related("collector__survey", "version", "invitation").filter(resume_token=token).first()
    )
    if response is None or not token:
        raise NotFound()
    return response


def get_response_of_invitation(*, invitation: Invitation) -> Response | None:
    return Response.objects.select_related("collector__survey", "version").filter(invitation=invitation).first()


def get_response_of_browser(*, collector: Collector, browser_id: str) -> Response | None:
    """Return the latest response started in this browser through ``collector``, if any."""
    if not browser_id:
        return None
    return (
        Response.objects.select_related("collector__survey", "version")
        .filter(collector=collector, browser_id=browser_id)
        .order_by("-started_at", "-id")
        .first()
    )
