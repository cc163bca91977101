"""The workspace's audit log for its owners: filter by action, person and days; page through; download as CSV."""

import csv
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from analysis.core.csv_export import escape_csv_cell
from frontend.views import researcher_view
from surveys import audit, selectors
from surveys.core.roles import Capability
from surveys.models import AuditEvent, Workspace

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    actor = forms.ChoiceField(label=gettext_lazy("Person"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actors: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *AuditEvent.Action.choices]
        self.fields["actor"].choices = [("", _("Everyone")), *((email, email) for email in actors)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end date must not be before the start date."))
        return data

    def filters(self) -> audit.Filters:
        if not self.is_valid():
            return audit.Filters()
        data = self.cleaned_data
        return audit.Filters(
            action=data["action"], actor=data["actor"], since=data.get("since"), until=data.get("until")
        )


def _filtered(request: HttpRequest, slug: str) -> tuple[Workspace, AuditFilterForm, Any]:
    workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
    form = AuditFilterForm(request.GET or None, actors=audit.list_actors(workspace=workspace))
    return workspace, form, audit.list_events(workspace=workspace, filters=form.filters())


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event,
        "object_type": audit.object_type_label(event.object_type),
        "details": audit.details_text(event),
    }


@require_GET
@researcher_view
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the workspace's audit log, newest first, in pages."""
    workspace, form, events = _filtered(request, slug)
    invalid = form.is_bound and not form.is_valid()
    page = Paginator(events.none() if invalid else events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {
        "workspace": workspace,
        "form": form,
        "page": page,
        "rows": [_row(event) for event in page.object_list],
        "filter_query": urlencode(query),
        "time_zone": audit.time_zone_name(),
    }
    return render(request, "frontend/workspaces/audit.html", context, status=400 if invalid else 200)


CSV_COLUMNS = (
    gettext_lazy("Time"),
    gettext_lazy("Person"),
    gettext_lazy("Name"),
    gettext_lazy("Action"),
    gettext_lazy("Object type"),
    gettext_lazy("Object id"),
    gettext_lazy("Object"),
    gettext_lazy("Details"),
    gettext_lazy("IP address"),
)


@require_GET
@researcher_view
def audit_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Download the filtered log as CSV; cells a spreadsheet would run as formulas are defused."""
    workspace, form, events = _filtered(request, slug)
    if form.is_bound and not form.is_valid():
        return audit_log(request, slug)
    zone = zoneinfo.ZoneInfo(audit.time_zone_name())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{workspace.slug}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # Excel reads UTF-8 (Vietnamese) only with a byte-order mark
    writer = csv.writer(response)
    writer.writerow([str(column) for column in CSV_COLUMNS])
    for event in events.iterator(chunk_size=500):
        cells = [
            timezone.localtime(event.created_at, zone).isoformat(timespec="seconds"),
            event.actor_email,
            event.actor_name,
            event.get_action_display(),
            audit.object_type_label(event.object_type),
            "" if event.object_id is None else str(event.object_id),
            event.object_label,
            audit.details_text(event),
            event.ip_address or "",
        ]
        writer.writerow([escape_csv_cell(str(cell)) for cell in cells])
    return response
