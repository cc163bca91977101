"""The audit log: who created, edited, published, closed, exported or deleted what, and when.

Services call ``record`` as they change something, inside their own transaction, so a refused
change (rolled back) leaves no line. The actor is the user the service was given, or else the
signed-in user of the current request (``AuditMiddleware`` makes the request known here, as API
token authentication happens after the middleware has run); commands and workers can name one
with ``acting_as``. The log is append-only: nothing here (nor anywhere in the app) changes or
deletes a line.

Builder edits are coalesced: a survey gets at most one "edited" line per actor per
``EDIT_WINDOW`` (the first change of a burst, with the part and fields it changed). An owner
learns who worked on a survey and when without one line per keystroke-sized save; what exactly
changed between published versions is the version diff's job. Deletions of pages and questions
are never coalesced.
"""

import contextlib
import datetime as dt
import ipaddress
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.core.questionnaire import Text
from surveys.models import AuditEvent, Membership, Page, Question, Survey, Workspace

Action = AuditEvent.Action
EDIT_WINDOW = dt.timedelta(minutes=10)
LABEL_LIMIT = 200

# How each kind of object is named on the page and in the CSV file.
OBJECT_TYPES: dict[str, Any] = {
    "workspace": _("Workspace"),
    "survey": _("Survey"),
    "page": _("Page"),
    "question": _("Question"),
    "choice": _("Option"),
    "membership": _("Member"),
    "collector": _("Collector"),
    "targetset": _("Target set"),
    "exportjob": _("Export"),
    "weightingrun": _("Weighting run"),
    "analysisrun": _("Analysis run"),
    "opentextrun": _("Open-answer analysis"),
    "insight": _("Insight"),
}

# How the keys of ``details`` are named on the page and in the CSV file.
DETAIL_LABELS: dict[str, Any] = {
    "version": _("version"),
    "format": _("format"),
    "fields": _("fields"),
    "role": _("role"),
    "from": _("from"),
    "to": _("to"),
    "count": _("count"),
    "reminder": _("reminder"),
    "source": _("source"),
    "question": _("question"),
    "mode": _("mode"),
    "lint_override": _("linter overridden"),
    "file": _("file"),
    "preset": _("preset"),
}


# How a builder change is named.
CHANGE_LABELS: dict[str, Any] = {"added": _("added"), "moved": _("moved"), "removed": _("removed")}


# --- who is acting --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    request: HttpRequest | None = None
    user: Any = None
    ip_address: str | None = None

    def actor(self) -> Any:
        user = self.user if self.user is not None else getattr(self.request, "user", None)
        return user if getattr(user, "is_authenticated", False) else None

    def address(self) -> str | None:
        value = self.ip_address or (self.request.META.get("REMOTE_ADDR") if self.request is not None else None)
        try:
            return str(ipaddress.ip_address(value)) if value else None
        except ValueError:  # a socket path or a proxy's placeholder: not an address worth keeping
            return None


_current: ContextVar[_Source | None] = ContextVar("audit_source", default=None)


class AuditMiddleware:
    """Make the current request (its user and address) known to ``record`` while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(_Source(request=request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


@contextlib.contextmanager
def acting_as(user: Any, ip_address: str | None = None) -> Iterator[None]:
    """Record what happens inside the block as done by ``user`` (commands, workers, tests)."""
    token = _current.set(_Source(user=user, ip_address=ip_address))
    try:
        yield
    finally:
        _current.reset(token)


def _source() -> _Source:
    return _current.get() or _Source()


# --- writing --------------------------------------------------------------------------------


def _short(text: object, limit: int = LABEL_LIMIT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _survey_title(survey: Survey) -> str:
    return survey.display_title()


def describe(obj: Model | None) -> tuple[str, int | None, str]:
    """Return (object type, id, a short label) for ``obj``, kept as text on the line."""
    if obj is None:
        return "", None, ""
    kind = obj._meta.model_name
    if isinstance(obj, Workspace):
        label = obj.name
    elif isinstance(obj, Survey):
        label = _survey_title(obj)
    elif isinstance(obj, Page):
        label = f"{_survey_title(obj.survey)} › {obj.key}"
    elif isinstance(obj, Question):
        question_text = Text.from_value(obj.text).get(obj.survey.default_language)
        label = f"{_survey_title(obj.survey)} › {obj.key}" + (f": {question_text}" if question_text else "")
    elif isinstance(obj, Membership):
        label = obj.user.email or obj.user.get_username()
    else:
        survey = getattr(obj, "survey", None)
        name = str(obj)
        if kind.endswith("run") or kind == "exportjob":
            name = f"#{obj.pk}"  # their own names carry a status that will not stay true
        elif hasattr(obj, "statement_vi"):
            name = getattr(obj, f"statement_{survey.default_language}", "") or obj.statement_vi or name
        label = f"{_survey_title(survey)} › {name}" if isinstance(survey, Survey) else name
    return kind, obj.pk, _short(label)


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON: dates as ISO text, sets and tuples as lists, the rest as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def record(
    actor: Any,
    workspace: Workspace | None,
    action: str,
    obj: Model | None = None,
    *,
    label: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one line to ``workspace``'s audit log and return it.

    ``actor`` is the user who acted; None means the signed-in user of the current request (or
    no one, for commands and workers outside ``acting_as``). ``label`` replaces the object's
    own name; ``details`` (JSON-able values) say more: a version number, a format, fields.
    """
    source = _source()
    if not getattr(actor, "is_authenticated", False):
        actor = source.actor()
    kind, object_id, own_label = describe(obj)
    return AuditEvent.objects.create(
        workspace=workspace,
        workspace_name=_short(workspace.name if workspace else "", 120),
        actor=actor,
        actor_email=(getattr(actor, "email", "") or "")[:254] if actor else "",
        actor_name=_short(actor.get_full_name() if actor and hasattr(actor, "get_full_name") else "", 150),
        action=Action(action).value,
        object_type=kind,
        object_id=object_id,
        object_label=_short(label) if label is not None else own_label,
        details=_plain({key: value for key, value in details.items() if value is not None}),
        ip_address=source.address(),
    )


def record_edit(survey: Survey, part: Model | None = None, *, actor: Any = None, **details: Any) -> AuditEvent | None:
    """Record a builder change to ``survey`` (``part`` is its page, question or option).

    Returns None when the same actor's "edited" line for this survey is younger than
    ``EDIT_WINDOW`` (the burst is already on record).
    """
    source = _source()
    if not getattr(actor, "is_authenticated", False):
        actor = source.actor()
    recent = AuditEvent.objects.filter(
        workspace_id=survey.workspace_id,
        action=Action.EDITED,
        object_type="survey",
        object_id=survey.pk,
        created_at__gte=timezone.now() - EDIT_WINDOW,
    )
    recent = recent.filter(actor=actor) if actor is not None else recent.filter(actor__isnull=True)
    if recent.exists():
        return None
    if part is not None and part is not survey:
        details = {"part": part._meta.model_name, "key": _part_key(part), **details}
    return record(actor, survey.workspace, Action.EDITED, survey, **details)


def switch_action(was_on: bool, is_on: bool) -> str:
    """Return "closed" or "reopened" when an on/off switch flipped, else "edited"."""
    if was_on == is_on:
        return Action.EDITED
    return Action.REOPENED if is_on else Action.CLOSED


def _part_key(part: Model) -> str:
    for name in ("key", "value"):
        if hasattr(part, name):
            return str(getattr(part, name))
    return str(part.pk)


# --- reading (owners only: the caller checks Capability.MANAGE) -----------------------------


@dataclass(frozen=True)
class Filters:
    action: str = ""
    actor: str = ""  # an email address, matched whole and without regard to case
    since: dt.date | None = None
    until: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def list_events(*, workspace: Workspace, filters: Filters = Filters()) -> QuerySet[AuditEvent]:
    """Return the workspace's audit lines, newest first, filtered; days are in the workspace's time zone."""
    events = AuditEvent.objects.filter(workspace=workspace)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor_email__iexact=filters.actor.strip())
    if filters.since:
        events = events.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        events = events.filter(created_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    return events.order_by("-created_at", "-id")


def list_actors(*, workspace: Workspace) -> list[str]:
    """Return the email addresses that appear as actors in the workspace's log, sorted."""
    emails = (
        AuditEvent.objects.filter(workspace=workspace).exclude(actor_email="").values_list("actor_email", flat=True)
    )
    return sorted(set(emails), key=str.lower)


def time_zone_name() -> str:
    """The time zone the log is shown in (the workspace's; today every workspace uses the site's)."""
    return settings.TIME_ZONE


def object_type_label(kind: str) -> str:
    return str(OBJECT_TYPES.get(kind, kind))


def details_text(event: AuditEvent) -> str:
    """Return the line's details in the current language: "Question q3: added; …" or "version: 2"."""
    details = dict(event.details or {})
    parts = []
    if "part" in details:
        part = object_type_label(str(details.pop("part")))
        head = f"{part} {details.pop('key', '')}".strip()
        change = details.pop("change", None)
        fields = details.pop("fields", None)
        said = CHANGE_LABELS.get(change, change) if change else ", ".join(str(f) for f in fields or [])
        parts.append(f"{head}: {said}" if said else head)
    for key, value in details.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {value}")
    return "; ".join(str(p) for p in parts)
