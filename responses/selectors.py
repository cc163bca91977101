"""Reads of collectors, quotas and responses.

Researchers reach them through the survey (``surveys.selectors`` checks membership: not a
member → not found, lacking the capability → permission denied). Respondents reach a collector
by its public slug, and their own response only through its resume token or their personal
invitation token: there is no read of a response by id for them.
"""

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_celery_results.models import TaskResult

from responses.core import monitoring
from responses.core.caching import LruCache
from responses.models import Collector, Invitation, Quota, Response
from surveys import selectors as survey_selectors
from surveys.core.questionnaire import QuestionSpec, QuestionType, RoleKind, SurveySpec
from surveys.core.roles import Capability
from surveys.errors import NotFound
from surveys.models import Survey, SurveyVersion

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
    """Return the collector behind a public link (any state: the caller says why it is closed).

    The one query also brings its survey, the id and publication time of the survey's latest
    version (``latest_version_id``, ``latest_version_published_at``: enough to find its
    questionnaire in the cache, see ``get_version_spec``) and whether any quota applies to the
    collector (``has_quotas``), so a submission needs no other read before it writes.
    """
    latest = SurveyVersion.objects.filter(survey_id=OuterRef("survey_id")).order_by("-number")
    quotas = Quota.objects.filter(survey_id=OuterRef("survey_id")).filter(
        Q(collector__isnull=True) | Q(collector_id=OuterRef("pk"))
    )
    collectors = Collector.objects.select_related("survey").annotate(
        latest_version_id=Subquery(latest.values("pk")[:1]),
        latest_version_published_at=Subquery(latest.values("published_at")[:1]),
        has_quotas=Exists(quotas),
    )
    try:
        return collectors.get(slug=slug)
    except Collector.DoesNotExist:
        raise NotFound() from None


@functools.cache
def _submission_target_sql(vendor: str) -> str:
    """The SQL of ``get_collector_for_submission`` (for PostgreSQL and SQLite alike), written once."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"c.{quote(field.column)}" for field in Collector._meta.concrete_fields)
    collectors, surveys = quote(Collector._meta.db_table), quote(Survey._meta.db_table)
    versions, quotas = quote(SurveyVersion._meta.db_table), quote(Quota._meta.db_table)
    latest = f"FROM {versions} v WHERE v.survey_id = c.survey_id ORDER BY v.number DESC LIMIT 1"
    # Only table and column names from the models' metadata are formatted in; the slug is a parameter.
    return f"""
        SELECT {columns}, s.status AS survey_status,
            (SELECT v.id {latest}) AS latest_version_id,
            (SELECT v.published_at {latest}) AS latest_version_published_at,
            EXISTS (
                SELECT 1 FROM {quotas} q
                WHERE q.survey_id = c.survey_id AND (q.collector_id IS NULL OR q.collector_id = c.id)
            ) AS has_quotas
        FROM {collectors} c JOIN {surveys} s ON s.id = c.survey_id
        WHERE c.slug = %s
    """  # noqa: S608


def get_collector_for_submission(*, slug: str) -> Collector:
    """Return the collector behind a public link as a whole-response submission needs it, cheaply.

    What ``get_collector_by_slug`` returns (with the same annotations), in one query whose SQL is
    written once per process: compiling the annotated ORM query on every request cost about
    half the CPU of a submission. Its survey has only ``id`` and ``status`` loaded, the rest
    loads on first use. ``latest_version_published_at`` is the database's value as it comes (a
    string on SQLite): it only tells cache entries apart (``get_version_spec``).
    """
    rows = list(Collector.objects.raw(_submission_target_sql(connection.vendor), [slug]))
    if not rows:
        raise NotFound()
    collector = rows[0]
    collector.survey = Survey.from_db(
        collector._state.db, ["id", "status"], [collector.survey_id, collector.survey_status]
    )
    return collector


# --- published questionnaires, parsed once per process ----------------------------------------

SPEC_CACHE_SIZE = 256
_specs: LruCache[SurveySpec] = LruCache(SPEC_CACHE_SIZE)


def version_spec(version: SurveyVersion) -> SurveySpec:
    """Return the questionnaire of a published version, parsed once per process.

    A published version never changes (``SurveyVersion`` refuses updates and deletes), so its
    parsed questionnaire is kept, at most ``SPEC_CACHE_SIZE`` of them, least recently used out
    first. The key is the id with the publication time: an id alone could name another row after
    a rolled-back publication on SQLite, which reuses the ids of rows it never kept.
    """
    return _specs.get_or_make((version.pk, version.published_at), version.spec)


def get_version_spec(*, version_id: int, published_at: dt.datetime) -> SurveySpec:
    """Return the questionnaire of the version ``version_id``; read from the database only once."""
    return _specs.get_or_make(
        (version_id, published_at), lambda: SurveyVersion.objects.only("snapshot").get(pk=version_id).spec()
    )


def get_latest_version_key(*, survey_id: int) -> tuple[int, dt.datetime] | None:
    """Return the id and publication time of the survey's latest version (None before publishing)."""
    return (
        SurveyVersion.objects.filter(survey_id=survey_id).order_by("-number").values_list("pk", "published_at").first()
    )


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


# --- invitations and their sending ---------------------------------------------------------


def list_invitations(*, collector: Collector, status: str | None = None) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(collector=collector)
    if status:
        invitations = invitations.filter(status=status)
    return invitations.order_by("id")


def count_invitations_by_status(*, collector: Collector) -> dict[str, int]:
    counts = dict.fromkeys(Invitation.Status.values, 0)
    rows = Invitation.objects.filter(collector=collector).values("status").annotate(n=Count("id"))
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class SendProgress:
    """Where a batch of invitations or reminders stands, as the result backend records it."""

    state: str  # "pending" (queued), "progress", "done" or "failed"
    total: int = 0
    done: int = 0
    sent: int = 0
    bounced: int = 0
    skipped: int = 0

    @property
    def is_finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.is_finished else 0)


def get_send_progress(*, collector: Collector, task_id: str) -> SendProgress:
    """Return the progress of the send task ``task_id`` of ``collector``.

    The task writes its counts (with the collector's id) to the result backend; a task of
    another collector is "not found", so a task id alone reveals nothing.
    """
    row = TaskResult.objects.filter(task_id=str(task_id)[:255]).first()
    if row is None:
        return SendProgress(state="pending")
    try:
        meta = json.loads(row.result) if row.result else {}
    except (TypeError, ValueError):
        meta = {}
    if row.status == "FAILURE":
        if not re.search(rf"""['"]collector_id['"]: {collector.id}\b""", row.task_kwargs or ""):
            raise NotFound()
        return SendProgress(state="failed")
    if not isinstance(meta, dict) or meta.get("collector_id") != collector.id:
        raise NotFound()
    counts = {name: int(meta.get(name) or 0) for name in ("total", "done", "sent", "bounced", "skipped")}
    state = "done" if row.status == "SUCCESS" else ("progress" if row.status == "PROGRESS" else "pending")
    return SendProgress(state=state, **counts)


# --- monitoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyCount:
    day: dt.date
    started: int
    finished: int


@dataclass(frozen=True)
class SegmentCounts:
    """Finished responses per option of a demographic question (every option, in order)."""

    question_key: str
    variable: str
    question: QuestionSpec
    counts: tuple[tuple[str, int], ...]  # (choice code, finished responses)


@dataclass(frozen=True)
class Monitoring:
    survey: Survey
    spec: SurveySpec | None
    counts: dict[str, int]  # per response status, plus "started" (all of them)
    daily: tuple[DailyCount, ...]
    drop_off: monitoring.DropOff | None
    quotas: tuple[tuple[Quota, int], ...]
    collectors: tuple[Collector, ...]
    segments: tuple[SegmentCounts, ...]

    @property
    def finished(self) -> int:
        return self.counts[Response.Status.COMPLETE] + self.counts[Response.Status.FLAGGED]

    @property
    def completion_rate(self) -> float | None:
        """Finished responses among those started and not screened out."""
        eligible = self.counts["started"] - self.counts[Response.Status.SCREENED_OUT]
        return self.finished / eligible if eligible else None


def _daily(survey: Survey) -> tuple[DailyCount, ...]:
    zone = timezone.get_current_timezone()
    started = (
        Response.objects.filter(survey=survey)
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
    )
    finished = (
        Response.objects.filter(survey=survey)
        .finished()
        .annotate(day=TruncDate("submitted_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
    )
    by_day: dict[dt.date, list[int]] = {}
    for row in started:
        by_day.setdefault(row["day"], [0, 0])[0] = row["n"]
    for row in finished:
        by_day.setdefault(row["day"], [0, 0])[1] = row["n"]
    return tuple(DailyCount(day, *by_day[day]) for day in sorted(by_day))


def _segments(survey: Survey, spec: SurveySpec) -> tuple[SegmentCounts, ...]:
    found = []
    finished = Response.objects.filter(survey=survey).finished()
    for question in spec.questions():
        if question.role is None or question.role.kind != RoleKind.DEMOGRAPHIC:
            continue
        if question.type != QuestionType.SINGLE_CHOICE:
            continue
        rows = finished.annotate(code=KeyTextTransform(question.key, "answers")).values("code").annotate(n=Count("id"))
        counts = {str(row["code"]): row["n"] for row in rows if row["code"] is not None}
        found.append(
            SegmentCounts(
                question.key,
                question.role.variable,
                question,
                tuple((code, counts.get(code, 0)) for code in question.choice_values()),
            )
        )
    return tuple(found)


def get_monitoring_for_user(*, slug: str, user: User) -> Monitoring:
    """Return the collection figures of a survey for a member who may analyse it."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=user, capability=Capability.ANALYSE)
    counts = dict.fromkeys(Response.Status.values, 0)
    for row in Response.objects.filter(survey=survey).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["started"] = sum(counts.values())
    latest = survey_selectors.get_latest_version(survey=survey)
    spec = latest.spec() if latest is not None else None
    drop = None
    if spec is not None:
        partials = (
            Response.objects.filter(survey=survey, status=Response.Status.PARTIAL)
            .values_list("current_page", "answers")
            .iterator(chunk_size=2000)
        )
        drop = monitoring.drop_off(spec, partials)
    return Monitoring(
        survey=survey,
        spec=spec,
        counts=counts,
        daily=_daily(survey),
        drop_off=drop,
        quotas=tuple((quota, count_in_quota(quota=quota)) for quota in list_quotas(survey=survey)),
        collectors=tuple(list_collectors(survey=survey)),
        segments=_segments(survey, spec) if spec is not None else (),
    )
