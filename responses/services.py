"""Writes: collectors and quotas (researchers); starting, saving and submitting responses.

A response is finished once. Its submission key is held unique by the database: a retry with
the same key and the same answers gets the stored response back, the same key with different
answers is refused as a conflict (ODK's semantics). Races between two submissions are settled
by the constraint and by a compare-and-set on the response's status, never by the browser.
"""

import contextlib
import datetime as dt
import hashlib
import smtplib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from responses import selectors, tasks
from responses.core import answers as answer_rules
from responses.core import contacts as contact_rules
from responses.core import navigation, response_import, screening, tables
from responses.core.availability import Unavailable, unavailability
from responses.core.tables import RowError
from responses.models import Collector, Invitation, Quota, Response
from surveys import audit
from surveys import selectors as survey_selectors
from surveys.core.messages import Message
from surveys.core.questionnaire import QuestionType, SurveySpec
from surveys.errors import Conflict, InvalidInput, NotFound
from surveys.models import Survey, SurveyVersion

# --- errors -------------------------------------------------------------------------------


class CollectorUnavailable(Conflict):
    """The link accepts no new respondent now; ``reason`` says why (an ``Unavailable``)."""

    code = "collector_unavailable"
    MESSAGES = {
        Unavailable.INACTIVE: gettext_lazy("This survey link is no longer active."),
        Unavailable.SURVEY_NOT_OPEN: gettext_lazy("This survey is not open for answers."),
        Unavailable.NOT_YET_OPEN: gettext_lazy("This survey is not open yet."),
        Unavailable.CLOSED: gettext_lazy("This survey is closed."),
        Unavailable.FULL: gettext_lazy("This survey has received all the responses it needs."),
    }

    def __init__(self, reason: Unavailable) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason], code=f"collector_{reason.value}")


class AlreadyResponded(Conflict):
    code = "already_responded"
    default_message = gettext_lazy("You have already answered this survey. Thank you!")


class SubmissionConflict(Conflict):
    code = "submission_conflict"
    default_message = gettext_lazy(
        "This submission key was already used with different answers; the stored response was not changed."
    )


class AnswersInvalid(InvalidInput):
    code = "answers_invalid"

    def __init__(self, checked: answer_rules.CheckedAnswers) -> None:
        self.checked = checked
        fields = {key: [m.render(_) for m in messages] for key, messages in checked.errors_by_question().items()}
        first = checked.errors[0].message.render(_)
        super().__init__(_("Some answers need attention: {first}").format(first=first), fields=fields)


def messages_as_fields(messages: Mapping[str, list[Message]]) -> dict[str, list[str]]:
    return {key: [m.render(_) for m in items] for key, items in messages.items()}


# --- collectors and quotas ----------------------------------------------------------------

COLLECTOR_SETTINGS = (
    "name",
    "opens_at",
    "closes_at",
    "max_responses",
    "allow_multiple_per_browser",
    "anonymous",
    "is_active",
)


def _refuse(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field_name: [message]})


def _clean_collector_settings(collector: Collector, changes: Mapping[str, Any]) -> None:
    unknown = sorted(set(changes) - set(COLLECTOR_SETTINGS))
    if unknown:
        raise _refuse(unknown[0], _("Unknown setting “{name}”.").format(name=unknown[0]))
    for name, value in changes.items():
        if name == "name":
            value = (value or "").strip()
            if len(value) > 120:
                raise _refuse("name", _("A name has at most 120 characters."))
        elif name in ("opens_at", "closes_at"):
            if value is not None and not isinstance(value, dt.datetime):
                raise _refuse(name, _("Enter a date and time."))
            if value is not None and timezone.is_naive(value):
                value = timezone.make_aware(value)
        elif name == "max_responses":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise _refuse(
                    "max_responses", _("The maximum number of responses must be a whole number of 1 or more.")
                )
        elif not isinstance(value, bool):
            raise _refuse(name, _("Choose yes or no."))
        setattr(collector, name, value)
    if collector.opens_at and collector.closes_at and collector.closes_at <= collector.opens_at:
        raise _refuse("closes_at", _("The closing time must come after the opening time."))


@transaction.atomic
def create_collector(
    *, survey: Survey, created_by: Any = None, kind: str = Collector.Kind.PUBLIC, **settings_: Any
) -> Collector:
    """Create a collector (a public link by default) for ``survey``."""
    if kind not in (Collector.Kind.PUBLIC, Collector.Kind.INVITATION):
        raise _refuse("kind", _("Unknown kind of collector “{kind}”.").format(kind=kind))
    if survey.status == Survey.Status.ARCHIVED:
        raise Conflict(_("An archived survey collects no more answers."))
    collector = Collector(survey=survey, kind=kind, created_by=created_by)
    _clean_collector_settings(collector, settings_)
    if not collector.name:
        collector.name = _("Public link") if kind == Collector.Kind.PUBLIC else _("Personal invitations")
    collector.save()
    audit.record(created_by, survey.workspace, audit.Action.CREATED, collector)
    return collector


@transaction.atomic
def update_collector(*, collector: Collector, **changes: Any) -> Collector:
    """Change a collector's dates, limits and options (its link never changes)."""
    was_active = collector.is_active
    _clean_collector_settings(collector, changes)
    fields = sorted(changes)  # never the counter of finished responses from an older copy
    if "max_responses" in changes:
        _recount_finished(collector)
        fields.append("finished_counter")
    collector.save(update_fields=fields)
    audit.record(
        None,
        collector.survey.workspace,
        audit.switch_action(was_active, collector.is_active),
        collector,
        fields=sorted(changes),
    )
    return collector


@transaction.atomic
def create_quota(
    *,
    survey: Survey,
    name: str,
    question_key: str,
    values: list[str],
    limit: int,
    collector: Collector | None = None,
) -> Quota:
    """Limit the finished responses whose single-choice answer to ``question_key`` is in ``values``."""
    name = (name or "").strip()
    if not name:
        raise _refuse("name", _("A name is required."))
    if len(name) > 120:
        raise _refuse("name", _("A name has at most 120 characters."))
    if collector is not None and collector.survey_id != survey.id:
        raise _refuse("collector", _("This collector belongs to another survey."))
    question = selectors.get_quota_spec(survey=survey).question(question_key or "")
    if question is None:
        raise _refuse("question_key", _("The survey has no question “{key}”.").format(key=question_key))
    if question.type != QuestionType.SINGLE_CHOICE:
        raise _refuse("question_key", _("A quota counts the answers to a single choice question."))
    codes = question.choice_values()
    values = [str(value) for value in (values or [])]
    if not values:
        raise _refuse("values", _("Choose at least one option."))
    unknown = [value for value in values if value not in codes]
    if unknown:
        raise _refuse(
            "values", _("Question “{key}” has no option “{value}”.").format(key=question.key, value=unknown[0])
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise _refuse("limit", _("The limit must be a whole number of 0 or more."))
    return Quota.objects.create(
        survey=survey,
        collector=collector,
        name=name,
        question_key=question.key,
        values=sorted(set(values), key=codes.index),
        limit=limit,
    )


def delete_quota(*, quota: Quota) -> None:
    quota.delete()


# --- respondents: availability and start ----------------------------------------------------


def check_collector_accepts(
    *, collector: Collector, now: dt.datetime | None = None, counter_read_now: bool = False
) -> None:
    """Raise CollectorUnavailable when the collector refuses a new respondent.

    A collector with a maximum has its counter of finished responses read again, unless the
    caller read the collector in this same request (``counter_read_now``) and takes its place
    with ``_take_place`` anyway: the counter only grows, so an older copy may only let through
    someone the conditional UPDATE then refuses.
    """
    finished = collector.finished_counter
    if collector.max_responses is not None and not counter_read_now:
        finished = Collector.objects.filter(pk=collector.pk).values_list("finished_counter", flat=True).get()
    reason = unavailability(
        now=now or timezone.now(),
        is_active=collector.is_active,
        survey_is_open=collector.survey.status == Survey.Status.OPEN,
        opens_at=collector.opens_at,
        closes_at=collector.closes_at,
        max_responses=collector.max_responses,
        finished_count=finished,
    )
    if reason is not None:
        raise CollectorUnavailable(reason)


def _recount_finished(collector: Collector) -> None:
    """Count the collector's finished responses afresh, as its maximum is set or changed.

    The row is locked first (FOR UPDATE), which waits for every submission in flight: each holds
    a share lock on it (see ``_take_place``) until it commits, so none is left out of the count.
    """
    Collector.objects.select_for_update().filter(pk=collector.pk).values_list("pk", flat=True).get()
    collector.finished_counter = selectors.count_finished(collector=collector)


def _take_place(collector: Collector, *, enforce_max: bool) -> bool:
    """Count a response that finishes now against the collector's maximum, in the caller's transaction.

    The counter of finished responses is kept while the collector has a maximum (and counted
    afresh when one is set: ``_recount_finished``). With a maximum, one conditional UPDATE
    (``… SET finished_counter = finished_counter + 1 WHERE finished_counter < max_responses``)
    both checks and takes the place, and holds the row until the transaction ends, so two
    submissions racing for the last place cannot both get it (``enforce_max``; without it a
    respondent who started earlier is counted, never refused). Without a maximum, submissions do
    not queue behind one another on that row: each only reads it with a share lock (FOR KEY
    SHARE on PostgreSQL), which a researcher setting a maximum meanwhile waits for, or which
    waits for them and then sees their maximum. Return False when the collector is full.
    """
    # Plain SQL: on the hot path of every submission, the ORM's compilation cost more than the
    # database's work. Only the table name is formatted in; the id is a parameter.
    table = connection.ops.quote_name(Collector._meta.db_table)
    with connection.cursor() as cursor:
        if collector.max_responses is None:
            share = " FOR KEY SHARE" if connection.features.has_select_for_update else ""
            cursor.execute(f"SELECT max_responses FROM {table} WHERE id = %s{share}", [collector.pk])  # noqa: S608
            (collector.max_responses,) = cursor.fetchone()
            if collector.max_responses is None:
                return True
        room = " AND (max_responses IS NULL OR finished_counter < max_responses)" if enforce_max else ""
        sql = f"UPDATE {table} SET finished_counter = finished_counter + 1 WHERE id = %s{room}"  # noqa: S608
        cursor.execute(sql, [collector.pk])
        return cursor.rowcount == 1


def check_response_can_continue(*, response: Response, now: dt.datetime | None = None) -> None:
    """Raise CollectorUnavailable when a started response may no longer be answered.

    The maximum number of responses does not stop someone already answering: they finish.
    """
    collector = response.collector
    if collector is None:
        return
    reason = unavailability(
        now=now or timezone.now(),
        is_active=collector.is_active,
        survey_is_open=collector.survey.status == Survey.Status.OPEN,
        opens_at=None,
        closes_at=collector.closes_at,
        max_responses=None,
        finished_count=0,
    )
    if reason is not None:
        raise CollectorUnavailable(reason)


def current_version(*, survey: Survey) -> SurveyVersion:
    version = survey_selectors.get_latest_version(survey=survey)
    if version is None:
        raise CollectorUnavailable(Unavailable.SURVEY_NOT_OPEN)
    return version


def current_spec(*, collector: Collector) -> tuple[int, SurveySpec]:
    """Return the id and questionnaire of the version a new respondent of ``collector`` answers.

    A collector from ``selectors.get_collector_by_slug`` (or ``get_collector_for_submission``)
    already carries the latest version's id and publication time, and the questionnaire usually
    comes from the per-process cache: no query.
    """
    if hasattr(collector, "latest_version_id"):
        key = (collector.latest_version_id, collector.latest_version_published_at)
    else:
        key = selectors.get_latest_version_key(survey_id=collector.survey_id)
    if key is None or key[0] is None:
        raise CollectorUnavailable(Unavailable.SURVEY_NOT_OPEN)
    return key[0], selectors.get_version_spec(version_id=key[0], published_at=key[1])


@dataclass(frozen=True)
class Client:
    """What the request tells about the respondent; dropped for anonymous collectors."""

    ip_address: str | None = None
    user_agent: str = ""
    browser_id: str = ""

    def for_collector(self, collector: Collector) -> "Client":
        if collector.anonymous:
            return Client(browser_id=self.browser_id)
        return Client(self.ip_address or None, (self.user_agent or "")[:400], self.browser_id)


def _find_started(
    collector: Collector, *, resume_token: str, invitation: Invitation | None, browser_key: str | None
) -> Response | None:
    clauses = Q(resume_token=resume_token) if resume_token else Q(pk__in=[])
    if invitation is not None:
        clauses |= Q(invitation=invitation)
    if browser_key:
        clauses |= Q(collector=collector, once_per_browser_key=browser_key)
    return Response.objects.filter(clauses).select_related("collector__survey", "version").first()


@transaction.atomic
def start_response(
    *,
    collector: Collector,
    client: Client,
    language: str,
    resume_token: str = "",
    started_at: dt.datetime | None = None,
    invitation: Invitation | None = None,
    now: dt.datetime | None = None,
) -> Response:
    """Return the respondent's response, starting one when they have none yet.

    The same ``resume_token`` (drawn when the first page was shown), invitation or — where one
    answer per browser is the rule — browser returns the response already started, so a double
    click on the first page never makes two. A finished one is returned as it is; the caller
    decides what to show.
    """
    now = now or timezone.now()
    browser_key = client.browser_id or None
    if collector.allow_multiple_per_browser or collector.kind == Collector.Kind.INVITATION:
        browser_key = None
    existing = _find_started(collector, resume_token=resume_token, invitation=invitation, browser_key=browser_key)
    if existing is not None:
        if existing.collector_id != collector.id:
            raise NotFound()
        return existing
    check_collector_accepts(collector=collector, now=now)
    version = current_version(survey=collector.survey)
    spec = selectors.version_spec(version)
    client = client.for_collector(collector)
    values = {
        "survey": collector.survey,
        "version": version,
        "collector": collector,
        "invitation": invitation,
        "language": language if language in spec.languages else spec.default_language,
        "started_at": min(started_at, now) if started_at else now,
        "ip_address": client.ip_address,
        "user_agent": client.user_agent,
        "browser_id": client.browser_id,
        "once_per_browser_key": browser_key,
    }
    if resume_token:
        values["resume_token"] = resume_token
    try:
        with transaction.atomic():  # a savepoint: the race's loser can still read the winner
            response = Response.objects.create(**values)
    except IntegrityError:
        existing = _find_started(collector, resume_token=resume_token, invitation=invitation, browser_key=browser_key)
        if existing is None:
            raise
        return existing
    if invitation is not None:
        _advance_invitation(invitation, Invitation.Status.STARTED, now)
    return response


_INVITATION_ORDER = [
    Invitation.Status.CREATED,
    Invitation.Status.SENT,
    Invitation.Status.OPENED,
    Invitation.Status.STARTED,
    Invitation.Status.COMPLETED,
]


_INVITATION_STAMPS = {
    Invitation.Status.OPENED: "opened_at",
    Invitation.Status.STARTED: "started_at",
    Invitation.Status.COMPLETED: "completed_at",
}


def _advance_invitation(invitation: Invitation, status: str, now: dt.datetime) -> None:
    """Move an invitation forward (never back: a completed one stays completed).

    One conditional UPDATE (``… WHERE status IN (the statuses before this one)``) and none at all
    when the invitation as read is already that far, so a request holding an older copy (a
    second tab opening the link while the first page is posted) can never move it back.
    """
    before = [*_INVITATION_ORDER[: _INVITATION_ORDER.index(status)], Invitation.Status.BOUNCED]
    if invitation.status not in before:
        return
    stamp = _INVITATION_STAMPS[status]
    moved = Invitation.objects.filter(pk=invitation.pk, status__in=before).update(
        status=status, **{stamp: Coalesce(F(stamp), Value(now, output_field=DateTimeField()))}
    )
    if moved:
        invitation.status = status
        if getattr(invitation, stamp) is None:
            setattr(invitation, stamp, now)


def mark_invitation_opened(*, invitation: Invitation, now: dt.datetime | None = None) -> Invitation:
    """Record that the respondent opened their personal link."""
    _advance_invitation(invitation, Invitation.Status.OPENED, now or timezone.now())
    return invitation


# --- respondents: pages and submission ------------------------------------------------------


@dataclass(frozen=True)
class PageResult:
    """What saving a page did: the answers kept, the errors to show, where to go."""

    response: Response
    checked: answer_rules.CheckedAnswers
    screened_out: bool = False
    replayed: bool = False  # a retry of a submission already stored
    first_invalid_page: int | None = None  # submitting found errors on this (earlier) page
    errors: dict[str, list[Message]] = field(default_factory=dict)
    next_page: str | None = None  # the keys of the pages around this one, for the answers now stored
    previous_page: str | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors and self.first_invalid_page is None


def _lock(response: Response) -> Response:
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("collector__survey", "version")
        .get(pk=response.pk)
    )


def _full_quota(response: Response, answers: Mapping[str, object], keys: set[str] | None = None) -> Quota | None:
    """Return a quota that the answers fall in and that is already full, if any.

    The quota rows are locked first, so two respondents racing for the last place are counted
    one after the other (on PostgreSQL; SQLite runs one write transaction at a time anyway).
    """
    quotas = Quota.objects.filter(survey_id=response.survey_id).filter(
        Q(collector__isnull=True) | Q(collector_id=response.collector_id)
    )
    if keys is not None:
        quotas = quotas.filter(question_key__in=keys)
    for quota in quotas.select_for_update().order_by("id"):
        matches = answer_rules.answer_matches(answers.get(quota.question_key), quota.values)
        if matches and selectors.count_in_quota(quota=quota) >= quota.limit:
            return quota
    return None


def _screen_out(response: Response, answers: Mapping[str, object], now: dt.datetime) -> Response:
    response.answers = dict(answers)
    response.answers_hash = answer_rules.answers_digest(answers)
    response.status = Response.Status.SCREENED_OUT
    response.submitted_at = now
    response.duration_seconds = max(0, int((now - response.started_at).total_seconds()))
    response.save()
    return response


@transaction.atomic
def save_page(
    *,
    response: Response,
    page_key: str,
    raw: Mapping[str, object],
    language: str = "",
    move: str = "next",
    now: dt.datetime | None = None,
) -> PageResult:
    """Keep the valid answers of one page and report the others' errors.

    ``move`` is where the respondent goes: "next" (required questions must be answered),
    "back" or "stay" (saving for later: blanks are fine). Answers that do not fit their question
    are never stored. The page a resume link opens becomes the one moved to. A page answer that
    falls in a full quota screens the respondent out there and then.
    """
    if move not in ("next", "back", "stay"):
        raise _refuse("move", _("Unknown move “{move}”.").format(move=move))
    now = now or timezone.now()
    response = _lock(response)
    if response.is_finished:
        raise AlreadyResponded()
    check_response_can_continue(response=response, now=now)
    spec = selectors.version_spec(response.version)
    page = next((page for page in spec.pages if page.key == page_key), None)
    if page is None:
        raise _refuse("page", _("This survey has no page “{key}”.").format(key=page_key))
    checked = answer_rules.check_page(spec, page, raw, earlier=response.answers, enforce_required=move == "next")
    own = answer_rules.page_question_keys(page)
    merged = {key: value for key, value in response.answers.items() if key not in own} | dict(checked.answers)
    merged = answer_rules.drop_hidden(spec, merged)
    if _full_quota(response, merged, keys={q.key for q in page.questions}) is not None:
        return PageResult(_screen_out(response, merged, now), checked, screened_out=True)
    route = navigation.route(spec, merged)
    index = spec.pages.index(page)
    following, previous = route.next_after(index), route.previous_before(index)
    next_key = spec.pages[following].key if following is not None else None
    previous_key = spec.pages[previous].key if previous is not None else None
    resume_at = {"next": next_key, "back": previous_key}.get(move) if checked.is_valid else None
    response.answers = merged
    response.current_page = resume_at or page_key
    if language in spec.languages:
        response.language = language
    response.save(update_fields=["answers", "current_page", "language", "updated_at"])
    return PageResult(
        response, checked, errors=checked.errors_by_question(), next_page=next_key, previous_page=previous_key
    )


def _rate_key(ip_address: str) -> str:
    # The address is hashed: the cache never holds it, even for anonymous collectors.
    return "responses:rate:" + hashlib.sha256(ip_address.encode()).hexdigest()[:32]


def _rate_count(ip_address: str | None) -> int:
    """Count one more finished response from ``ip_address`` in the current window."""
    if not ip_address:
        return 0
    limit = screening.RateLimit(**settings.RESPONSES_RATE_LIMIT)
    key = _rate_key(ip_address)
    if cache.add(key, 1, timeout=limit.window_seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window_seconds)
        return 1


def _rate_uncount(ip_address: str | None) -> None:
    """Take back a count of ``_rate_count`` for a response that was not stored after all."""
    if not ip_address:
        return
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing to take back
        cache.decr(_rate_key(ip_address))


def _finish_fields(
    response: Response,
    spec: SurveySpec,
    answers: Mapping[str, object],
    *,
    submission_key: uuid.UUID,
    honeypot_filled: bool,
    ip_address: str | None,
    now: dt.datetime,
    timed: bool,
) -> dict[str, Any]:
    duration = max(0.0, (now - response.started_at).total_seconds())
    shown = navigation.route(spec, answers).visible_questions
    reasons = screening.flag_reasons(
        honeypot_filled=honeypot_filled,
        duration_seconds=duration if timed else None,
        question_count=len(shown),
        recent_from_address=_rate_count(ip_address),
        rate_limit=screening.RateLimit(**settings.RESPONSES_RATE_LIMIT),
    )
    return {
        "answers": dict(answers),
        "answers_hash": answer_rules.answers_digest(answers),
        "status": Response.Status.FLAGGED if reasons else Response.Status.COMPLETE,
        "flag_reasons": [reason.value for reason in reasons],
        "submission_key": submission_key,
        "submitted_at": now,
        "duration_seconds": int(duration) if timed else None,
    }


def _replay(response: Response, submission_key: uuid.UUID, candidate: Mapping[str, object]) -> Response:
    """Answer a submission that arrives for a finished response."""
    if response.submission_key == submission_key:
        if response.answers_hash == answer_rules.answers_digest(candidate):
            return response
        raise SubmissionConflict()
    raise AlreadyResponded()


@transaction.atomic
def submit_page(
    *,
    response: Response,
    page_key: str,
    raw: Mapping[str, object],
    submission_key: uuid.UUID,
    language: str = "",
    honeypot_filled: bool = False,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> PageResult:
    """Save the last page and finish the response, once.

    A retry with the same key and the same answers (double click, network retry, back button)
    returns the stored response; the same key with other answers is a SubmissionConflict.
    """
    now = now or timezone.now()
    locked = _lock(response)
    spec = selectors.version_spec(locked.version)
    page = next((page for page in spec.pages if page.key == page_key), None)
    if page is None:
        raise _refuse("page", _("This survey has no page “{key}”.").format(key=page_key))
    checked = answer_rules.check_page(spec, page, raw, earlier=locked.answers)
    own = answer_rules.page_question_keys(page)
    candidate = answer_rules.drop_hidden(
        spec, {key: value for key, value in locked.answers.items() if key not in own} | dict(checked.answers)
    )
    if locked.is_finished:
        return PageResult(_replay(locked, submission_key, candidate), checked, replayed=True)
    check_response_can_continue(response=locked, now=now)
    if not checked.is_valid:
        result = save_page(response=locked, page_key=page_key, raw=raw, language=language, now=now)
        return PageResult(result.response, result.checked, screened_out=result.screened_out, errors=result.errors)
    whole = answer_rules.check_response(spec, candidate)
    if not whole.is_valid:
        # An earlier page lacks a required answer (its URL was skipped): keep this page, go there.
        save_page(response=locked, page_key=page_key, raw=raw, language=language, now=now)
        first_key = whole.errors[0].question
        index = next(i for i, p in enumerate(spec.pages) if any(q.key == first_key for q in p.questions))
        locked.refresh_from_db()
        return PageResult(locked, whole, first_invalid_page=index, errors=whole.errors_by_question())
    if language in spec.languages:
        locked.language = language
    if _full_quota(locked, candidate) is not None:
        return PageResult(_screen_out(locked, candidate, now), whole, screened_out=True)
    finish = _finish_fields(
        locked,
        spec,
        candidate,
        submission_key=submission_key,
        honeypot_filled=honeypot_filled,
        ip_address=ip_address,
        now=now,
        timed=True,
    )
    finish |= {"current_page": page_key, "language": locked.language, "updated_at": now}
    try:
        with transaction.atomic():
            # Compare-and-set: only a partial response becomes finished, whoever comes second loses.
            updated = Response.objects.filter(pk=locked.pk, status=Response.Status.PARTIAL).update(**finish)
    except IntegrityError:
        raise SubmissionConflict() from None  # the key finished another response
    if not updated:
        locked.refresh_from_db()
        return PageResult(_replay(locked, submission_key, candidate), whole, replayed=True)
    for name, value in finish.items():  # what the UPDATE wrote: no need to read the row again
        setattr(locked, name, value)
    # Someone who started before the collector filled up may finish: counted, never refused.
    _take_place(locked.collector, enforce_max=False)
    if locked.invitation_id is not None:
        _advance_invitation(locked.invitation, Invitation.Status.COMPLETED, now)
    return PageResult(locked, whole)


@dataclass(frozen=True)
class Submission:
    response: Response
    created: bool


def _stored_submission(submission_key: uuid.UUID) -> Response | None:
    try:
        return Response.objects.get(submission_key=submission_key)
    except Response.DoesNotExist:
        return None


def _same_submission(collector: Collector, stored: Response, answers: Mapping[str, object]) -> Response:
    """Return the stored response when ``answers`` repeat it; the key with other answers is a conflict."""
    if stored.collector_id != collector.id or stored.answers_hash != answer_rules.answers_digest(answers):
        raise SubmissionConflict()
    return stored


def _refuse_unless_stored(
    collector: Collector, submission_key: uuid.UUID, answers: Mapping[str, object], refusal: Exception
) -> Submission:
    """A retry of a stored submission is answered as before, even once the answers or the link
    would be refused now (the link closed or filled up meanwhile); anything else gets ``refusal``."""
    stored = _stored_submission(submission_key)
    if stored is None:
        raise refusal
    return Submission(_same_submission(collector, stored, answers), created=False)


def submit_response(
    *,
    collector: Collector,
    submission_key: uuid.UUID,
    answers: Mapping[str, object],
    language: str = "",
    client: Client | None = None,
    started_at: dt.datetime | None = None,
    source: str = Response.Source.API,
    now: dt.datetime | None = None,
) -> Submission:
    """Store a whole response at once (an API client, an offline app), idempotently by key.

    The common case costs one short transaction: the INSERT, then one statement on the collector's
    row (``_take_place``: a share-locked read, or the conditional UPDATE that takes one of the
    places left when the collector has a maximum). The submission
    key's unique constraint settles retries and twins racing: the loser's INSERT fails, and it
    reads the stored response to compare the answers (same: returned; other: SubmissionConflict).
    Nothing is looked up before the INSERT: the collector (with its survey's status, latest
    version and whether quotas apply, from ``selectors.get_collector_for_submission``) is already
    at hand and the questionnaire comes from the per-process cache of published versions. A
    refused submission (invalid answers, a closed or full link) reads whether its key is stored,
    so a retry of one stored earlier still gets it back.
    """
    now = now or timezone.now()
    client = (client or Client()).for_collector(collector)
    version_id, spec = current_spec(collector=collector)
    checked = answer_rules.check_response(spec, answers)
    if not checked.is_valid:
        return _refuse_unless_stored(collector, submission_key, checked.answers, AnswersInvalid(checked))
    try:
        check_collector_accepts(collector=collector, now=now, counter_read_now=True)
    except CollectorUnavailable as refusal:
        return _refuse_unless_stored(collector, submission_key, checked.answers, refusal)
    response = Response(
        survey=collector.survey,
        version_id=version_id,
        collector=collector,
        source=source,
        language=language if language in spec.languages else spec.default_language,
        started_at=min(started_at, now) if started_at else now,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
        current_page=spec.pages[-1].key if spec.pages else "",
    )
    rate_counted = False
    try:
        with transaction.atomic():
            # Quota rows are locked before the insert (see _full_quota); a collector known to
            # have none skips the read.
            if getattr(collector, "has_quotas", True) and _full_quota(response, checked.answers) is not None:
                fields = {
                    "status": Response.Status.SCREENED_OUT,
                    "submitted_at": now,
                    "submission_key": submission_key,
                    "answers": dict(checked.answers),
                    "answers_hash": answer_rules.answers_digest(checked.answers),
                }
            else:
                fields = _finish_fields(
                    response,
                    spec,
                    checked.answers,
                    submission_key=submission_key,
                    honeypot_filled=False,
                    ip_address=client.ip_address,
                    now=now,
                    timed=started_at is not None,
                )
                rate_counted = True
            for name, value in fields.items():
                setattr(response, name, value)
            response.save(force_insert=True)
            finished = response.status != Response.Status.SCREENED_OUT
            if finished and not _take_place(collector, enforce_max=True):
                raise CollectorUnavailable(Unavailable.FULL)  # filled up meanwhile: the insert is undone
    except IntegrityError:
        if rate_counted:
            _rate_uncount(client.ip_address)  # a retry is not one more response from the address
        stored = _stored_submission(submission_key)
        if stored is None:
            raise
        return Submission(_same_submission(collector, stored, checked.answers), created=False)
    except CollectorUnavailable:
        if rate_counted:
            _rate_uncount(client.ip_address)
        raise
    if finished and collector.max_responses is not None:
        collector.finished_counter += 1
    return Submission(response, created=True)


# --- personal invitations: contacts, sending, reminders ---------------------------------------

CONTACTS_MAX_BYTES = 5 * 1024 * 1024
RESPONSES_IMPORT_MAX_BYTES = 20 * 1024 * 1024
REMINDABLE = (Invitation.Status.SENT, Invitation.Status.OPENED, Invitation.Status.STARTED)
# Per-recipient refusals: the address is wrong or the mailbox does not exist. Connection
# failures are not among them: the task retries those.
BOUNCES = (smtplib.SMTPRecipientsRefused,)


class FileRowsInvalid(InvalidInput):
    """An uploaded table with problems; ``row_errors`` lists each (row, column, message)."""

    code = "file_invalid"
    MAX_FIELD_MESSAGES = 100

    def __init__(self, row_errors: Sequence[RowError], summary: str) -> None:
        self.row_errors = tuple(row_errors)
        lines = [_row_error_text(error) for error in self.row_errors[: self.MAX_FIELD_MESSAGES]]
        super().__init__(summary, fields={"file": lines})


def _row_error_text(error: RowError) -> str:
    text = error.message.render(_)
    if error.row is None:
        return text
    if error.column:
        return _("Row {row}, column “{column}”: {message}").format(row=error.row, column=error.column, message=text)
    return _("Row {row}: {message}").format(row=error.row, message=text)


def _read_upload(file: BinaryIO, limit: int) -> bytes:
    if hasattr(file, "seekable") and file.seekable():
        file.seek(0)
    data = file.read(limit + 1)  # one byte past the limit tells a file too large without holding it all
    if len(data) > limit:
        text = _("The file is larger than {size}.").format(size=filesizeformat(limit))
        raise InvalidInput(text, fields={"file": [text]}, code="file_too_large")
    return data


def _read_table_or_refuse(data: bytes, *, max_rows: int, sheet_names: Sequence[str] = ()) -> tables.Table:
    try:
        return tables.read_table(data, max_rows=max_rows, sheet_names=sheet_names)
    except tables.TableError as error:
        text = error.message.render(_)
        raise InvalidInput(text, fields={"file": [text]}, code="file_unreadable") from None


def _require_invitation_collector(collector: Collector) -> None:
    if collector.kind != Collector.Kind.INVITATION:
        raise Conflict(_("Only a personal-invitation collector has contacts."), code="not_invitation_collector")


@transaction.atomic
def import_contacts(*, collector: Collector, file: BinaryIO) -> list[Invitation]:
    """Create one invitation per contact of a CSV or XLSX list, all or nothing.

    Any problem (a bad or repeated address, one already invited, an unknown language, a
    formula) refuses the whole list with every problem and its row, and creates nothing.
    """
    _require_invitation_collector(collector)
    data = _read_upload(file, CONTACTS_MAX_BYTES)
    table = _read_table_or_refuse(data, max_rows=contact_rules.MAX_CONTACTS)
    existing = Invitation.objects.filter(collector=collector).values_list("email", flat=True)
    survey_languages = collector.survey.languages or [collector.survey.default_language]
    parsed = contact_rules.parse_contacts(table, languages=survey_languages, existing_emails=set(existing))
    if not parsed.is_valid:
        raise FileRowsInvalid(
            parsed.errors,
            ngettext(
                "The contact list has {count} problem; nothing was imported.",
                "The contact list has {count} problems; nothing was imported.",
                len(parsed.errors),
            ).format(count=len(parsed.errors)),
        )
    invitations = [
        Invitation(
            collector=collector,
            email=contact.email,
            name=contact.name,
            language=contact.language,
            extra=dict(contact.extra),
        )
        for contact in parsed.contacts
    ]
    try:
        with transaction.atomic():
            return Invitation.objects.bulk_create(invitations, batch_size=1000)
    except IntegrityError:  # another upload added one of these addresses meanwhile
        raise Conflict(_("Some of these contacts were invited meanwhile; upload the list again.")) from None


@dataclass(frozen=True)
class SendJob:
    """A batch of invitations or reminders handed to Celery; its progress is read by task id."""

    task_id: str
    total: int
    is_reminder: bool


def _targets(collector: Collector, *, is_reminder: bool, invitation_ids: Sequence[int] | None) -> list[int]:
    invitations = Invitation.objects.filter(collector=collector)
    if invitation_ids is not None:
        wanted = {int(value) for value in invitation_ids}
        found = set(invitations.filter(id__in=wanted).values_list("id", flat=True))
        if wanted - found:
            raise _refuse("invitation_ids", _("Some of these invitations do not belong to this collector."))
        invitations = invitations.filter(id__in=wanted)
    if is_reminder:
        invitations = invitations.filter(status__in=REMINDABLE)
    else:
        invitations = invitations.filter(status=Invitation.Status.CREATED)
    return list(invitations.order_by("id").values_list("id", flat=True))


@transaction.atomic
def queue_invitations(
    *,
    collector: Collector,
    base_url: str,
    is_reminder: bool = False,
    invitation_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> SendJob:
    """Hand the invitations (or reminders) to send to a Celery task, once this transaction commits.

    Invitations go to contacts not sent one yet; reminders to those sent one who have not
    completed the survey (never to completed or bounced ones).
    """
    _require_invitation_collector(collector)
    if collector.survey.status != Survey.Status.OPEN:
        raise Conflict(_("Publish the survey (and keep it open) before sending invitations."), code="survey_not_open")
    if not collector.is_active:
        raise Conflict(_("This collector is switched off; switch it on before sending."), code="collector_inactive")
    ids = _targets(collector, is_reminder=is_reminder, invitation_ids=invitation_ids)
    if not ids:
        text = _("Nobody needs a reminder.") if is_reminder else _("Every invitation has already been sent.")
        raise Conflict(text, code="nothing_to_send")
    task_id = str(uuid.uuid4())
    started = (now or timezone.now()).isoformat()
    kwargs = {
        "collector_id": collector.id,
        "invitation_ids": ids,
        "base_url": base_url,
        "is_reminder": is_reminder,
        "batch_started_at": started,
    }
    transaction.on_commit(lambda: tasks.send_invitations.apply_async(kwargs=kwargs, task_id=task_id))
    audit.record(
        None, collector.survey.workspace, audit.Action.INVITATIONS_SENT, collector, count=len(ids), reminder=is_reminder
    )
    return SendJob(task_id=task_id, total=len(ids), is_reminder=is_reminder)


@dataclass(frozen=True)
class SendReport:
    collector_id: int
    total: int
    sent: int = 0
    bounced: int = 0
    skipped: int = 0  # already sent, reminded in this batch, completed or bounced meanwhile

    @property
    def done(self) -> int:
        return self.sent + self.bounced + self.skipped

    def as_dict(self) -> dict[str, int]:
        return {
            "collector_id": self.collector_id,
            "total": self.total,
            "done": self.done,
            "sent": self.sent,
            "bounced": self.bounced,
            "skipped": self.skipped,
        }


def invitation_url(*, base_url: str, invitation: Invitation) -> str:
    return base_url.rstrip("/") + reverse("frontend:respond-invitation", kwargs={"token": invitation.token})


def render_invitation_email(*, invitation: Invitation, base_url: str, is_reminder: bool) -> EmailMultiAlternatives:
    """Return the plain and HTML message inviting (or reminding) one contact, in their language."""
    collector = invitation.collector
    survey = collector.survey
    language = invitation.language if invitation.language in (survey.languages or []) else survey.default_language
    with translation.override(language):
        context = {
            "name": invitation.name,
            "survey_title": survey.display_title(language),
            "link": invitation_url(base_url=base_url, invitation=invitation),
            "closes_at": collector.closes_at,
            "is_reminder": is_reminder,
            "language": language,
        }
        subject = render_to_string("responses/email/invitation_subject.txt", context).strip()
        text = render_to_string("responses/email/invitation.txt", context)
        html = render_to_string("responses/email/invitation.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def _send_one(
    invitation_id: int,
    *,
    connection: Any,
    base_url: str,
    is_reminder: bool,
    batch_started_at: dt.datetime,
) -> str:
    """Send one invitation or reminder; return "sent", "bounced" or "skipped"."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("collector__survey")
        .filter(id=invitation_id)
        .first()
    )
    if invitation is None:
        return "skipped"
    if is_reminder:
        already = invitation.reminded_at is not None and invitation.reminded_at >= batch_started_at
        if invitation.status not in REMINDABLE or already:
            return "skipped"
    elif invitation.status != Invitation.Status.CREATED:
        return "skipped"
    message = render_invitation_email(invitation=invitation, base_url=base_url, is_reminder=is_reminder)
    message.connection = connection
    now = timezone.now()
    try:
        message.send(fail_silently=False)
    except BOUNCES as error:
        invitation.status = Invitation.Status.BOUNCED
        invitation.last_error = str(error)[:500]
        invitation.save(update_fields=["status", "last_error"])
        return "bounced"
    if is_reminder:
        invitation.reminded_at = now
        invitation.reminder_count += 1
        invitation.save(update_fields=["reminded_at", "reminder_count"])
    else:
        invitation.status = Invitation.Status.SENT
        invitation.sent_at = now
        invitation.last_error = ""
        invitation.save(update_fields=["status", "sent_at", "last_error"])
    return "sent"


def send_invitations(
    *,
    collector_id: int,
    invitation_ids: Sequence[int],
    base_url: str,
    is_reminder: bool = False,
    batch_started_at: str | dt.datetime | None = None,
    progress: Callable[[SendReport], None] | None = None,
) -> SendReport:
    """Send a batch of invitations (or reminders) through Django's email backend, one by one.

    Each invitation is committed as it goes, so a retry after a lost connection (the task
    retries) sends only what is left: an invitation already sent, or reminded in this batch, is
    skipped. A recipient refused by the mail server marks the invitation bounced.
    """
    started = batch_started_at or timezone.now()
    if isinstance(started, str):
        started = dt.datetime.fromisoformat(started)
    report = SendReport(collector_id=collector_id, total=len(invitation_ids))
    counts = {"sent": 0, "bounced": 0, "skipped": 0}
    with get_connection(fail_silently=False) as connection:
        for invitation_id in invitation_ids:
            outcome = _send_one(
                invitation_id,
                connection=connection,
                base_url=base_url,
                is_reminder=is_reminder,
                batch_started_at=started,
            )
            counts[outcome] += 1
            report = SendReport(collector_id=collector_id, total=len(invitation_ids), **counts)
            if progress is not None:
                progress(report)
    return report


# --- responses collected elsewhere --------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    collector: Collector
    count: int


IMPORT_KEY_NAMESPACE = uuid.UUID("5b0f8d5e-3c1a-4f49-9a51-7f0c2f6d1e21")


def _responses_sheet_names() -> tuple[str, ...]:
    """The names our own export gives its responses sheet, in every interface language."""
    names = ["Responses"]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.append(_("Responses"))
    return tuple(dict.fromkeys(names))


@transaction.atomic
def import_responses(*, survey: Survey, file: BinaryIO, filename: str = "", imported_by: Any = None) -> ImportResult:
    """Store the responses of a CSV or XLSX file as complete responses of the latest version.

    All or nothing: every row is checked with the respondent form's rules first, and any error
    refuses the whole file. The responses get a new "imported file" collector. Each row's
    submission key derives from the file's content and the row, so importing the same file
    twice is refused instead of doubling the answers.
    """
    version = survey_selectors.get_latest_version(survey=survey)
    if version is None:
        raise Conflict(_("Publish the survey before importing responses."), code="survey_not_published")
    if survey.status == Survey.Status.ARCHIVED:
        raise Conflict(_("An archived survey collects no more answers."))
    data = _read_upload(file, RESPONSES_IMPORT_MAX_BYTES)
    table = _read_table_or_refuse(data, max_rows=response_import.MAX_ROWS, sheet_names=_responses_sheet_names())
    spec = version.spec()
    now = timezone.now()
    parsed = response_import.parse_responses(table, spec, now=timezone.localtime(now).replace(tzinfo=None))
    if not parsed.is_valid:
        raise FileRowsInvalid(
            parsed.errors,
            ngettext(
                "The file has {count} problem; no response was imported.",
                "The file has {count} problems; no response was imported.",
                len(parsed.errors),
            ).format(count=len(parsed.errors)),
        )
    digest = hashlib.sha256(data).hexdigest()
    keys = [uuid.uuid5(IMPORT_KEY_NAMESPACE, f"{survey.id}:{digest}:{row.row}") for row in parsed.responses]
    if Response.objects.filter(submission_key__in=keys[:50]).exists():
        raise Conflict(_("This file has already been imported into this survey."), code="already_imported")
    name = _("Imported: {file}").format(file=(filename or _("file")))[:120]
    collector = Collector.objects.create(
        survey=survey,
        kind=Collector.Kind.IMPORT,
        name=name,
        is_active=False,
        created_by=imported_by,
        finished_counter=len(parsed.responses),  # every imported response is complete
    )
    last_page = spec.pages[-1].key if spec.pages else ""
    rows = []
    for row, key in zip(parsed.responses, keys, strict=True):
        submitted = row.submitted_at or now
        if timezone.is_naive(submitted):
            submitted = timezone.make_aware(submitted)
        duration = row.duration_seconds
        rows.append(
            Response(
                survey=survey,
                version=version,
                collector=collector,
                source=Response.Source.IMPORT,
                submission_key=key,
                status=Response.Status.COMPLETE,
                answers=dict(row.answers),
                answers_hash=answer_rules.answers_digest(row.answers),
                language=row.language,
                current_page=last_page,
                started_at=submitted - dt.timedelta(seconds=duration or 0),
                submitted_at=submitted,
                duration_seconds=duration,
            )
        )
    try:
        with transaction.atomic():
            Response.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:
        raise Conflict(_("This file has already been imported into this survey."), code="already_imported") from None
    audit.record(imported_by, survey.workspace, audit.Action.IMPORTED, survey, count=len(rows), file=filename)
    return ImportResult(collector=collector, count=len(rows))
