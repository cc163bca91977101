"""Pages for personal invitations (contacts, sending, reminders, progress), QR codes and imports.

Sending runs as a Celery task: the page shows its progress, polled with htmx every two seconds
and refreshed by a plain link without JavaScript. In the embedded set-up the task has already
run when the page comes back.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend import views
from frontend.forms import FieldTemplateMixin
from frontend.views import researcher_view
from responses import selectors, services
from responses.core import qr
from responses.core.tables import RowError
from responses.models import Collector, Invitation
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import Conflict, DomainError, InvalidInput, NotFound
from surveys.models import Survey

TEMPLATE_DIR = "frontend/collect"
PAGE_SIZE = 100


class UploadForm(FieldTemplateMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV UTF-8 or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


@dataclass(frozen=True)
class RowProblem:
    row: int | None
    column: str
    message: str


def _problems(errors: tuple[RowError, ...]) -> list[RowProblem]:
    return [RowProblem(e.row, e.column, e.message.render(_)) for e in errors]


def _invitation_collector(request: HttpRequest, collector_id: int) -> Collector:
    collector = selectors.get_collector_for_user(
        collector_id=collector_id, user=request.user, capability=Capability.EDIT
    )
    if collector.kind != Collector.Kind.INVITATION:
        raise NotFound()
    return collector


def _page_url(collector: Collector, **query: str) -> str:
    url = reverse("frontend:invitations", kwargs={"collector_id": collector.id})
    pairs = "&".join(f"{name}={value}" for name, value in query.items() if value)
    return f"{url}?{pairs}" if pairs else url


def _render_invitations(
    request: HttpRequest,
    collector: Collector,
    *,
    form: UploadForm | None = None,
    problems: list[RowProblem] | None = None,
    status: int = 200,
) -> HttpResponse:
    wanted = request.GET.get("status", "")
    if wanted not in Invitation.Status.values:
        wanted = ""
    counts = selectors.count_invitations_by_status(collector=collector)
    invitations = selectors.list_invitations(collector=collector, status=wanted or None)
    total_shown = invitations.count()
    task_id = request.GET.get("task", "")
    progress = selectors.get_send_progress(collector=collector, task_id=task_id) if task_id else None
    context = {
        "survey": collector.survey,
        "collector": collector,
        "counts": [(value, label, counts[value]) for value, label in Invitation.Status.choices],
        "total": sum(counts.values()),
        "to_send": counts[Invitation.Status.CREATED],
        "to_remind": sum(counts[s] for s in services.REMINDABLE),
        "invitations": invitations[:PAGE_SIZE],
        "total_shown": total_shown,
        "is_truncated": total_shown > PAGE_SIZE,
        "status_filter": wanted,
        "form": form or UploadForm(),
        "problems": problems or [],
        "task_id": task_id,
        "progress": progress,
        "is_open": collector.survey.status == Survey.Status.OPEN,
    }
    return render(request, f"{TEMPLATE_DIR}/invitations.html", context, status=status)


@require_GET
@researcher_view
def invitations_page(request: HttpRequest, collector_id: int) -> HttpResponse:
    """One invitation collector: its contacts, their status, sending and reminders."""
    return _render_invitations(request, _invitation_collector(request, collector_id))


@require_POST
@researcher_view
def invitation_collector_create(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
    collector = services.create_collector(survey=survey, created_by=request.user, kind=Collector.Kind.INVITATION)
    messages.success(request, _("Upload your contact list to create their personal links."))
    return redirect(_page_url(collector))


@require_POST
@researcher_view
def contacts_upload(request: HttpRequest, collector_id: int) -> HttpResponse:
    collector = _invitation_collector(request, collector_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_invitations(request, collector, form=form, status=400)
    try:
        created = services.import_contacts(collector=collector, file=form.cleaned_data["file"])
    except services.FileRowsInvalid as error:
        messages.error(request, str(error.message))
        return _render_invitations(request, collector, form=form, problems=_problems(error.row_errors), status=400)
    except InvalidInput as error:
        form.add_error("file", str(error.message))
        return _render_invitations(request, collector, form=form, status=400)
    messages.success(
        request,
        ngettext("{count} contact imported.", "{count} contacts imported.", len(created)).format(count=len(created)),
    )
    return redirect(_page_url(collector))


def _batch(request: HttpRequest, collector_id: int, *, is_reminder: bool) -> HttpResponse:
    """GET: ask for confirmation (how many, to whom). POST: queue the batch and show its progress."""
    collector = _invitation_collector(request, collector_id)
    if request.method == "GET":
        counts = selectors.count_invitations_by_status(collector=collector)
        count = sum(counts[s] for s in services.REMINDABLE) if is_reminder else counts[Invitation.Status.CREATED]
        context = {"survey": collector.survey, "collector": collector, "count": count, "is_reminder": is_reminder}
        return render(request, f"{TEMPLATE_DIR}/confirm_send.html", context)
    try:
        job = services.queue_invitations(
            collector=collector, base_url=request.build_absolute_uri("/"), is_reminder=is_reminder
        )
    except (Conflict, InvalidInput) as error:
        messages.error(request, str(error.message))
        return redirect(_page_url(collector))
    return redirect(_page_url(collector, task=job.task_id))


@require_http_methods(["GET", "POST"])
@researcher_view
def invitations_send(request: HttpRequest, collector_id: int) -> HttpResponse:
    return _batch(request, collector_id, is_reminder=False)


@require_http_methods(["GET", "POST"])
@researcher_view
def invitations_remind(request: HttpRequest, collector_id: int) -> HttpResponse:
    return _batch(request, collector_id, is_reminder=True)


@require_GET
@researcher_view
def send_progress(request: HttpRequest, collector_id: int, task_id: str) -> HttpResponse:
    """The progress region alone (htmx polls it); without htmx, the whole page."""
    collector = _invitation_collector(request, collector_id)
    if not request.htmx:
        return redirect(_page_url(collector, task=task_id))
    progress = selectors.get_send_progress(collector=collector, task_id=task_id)
    context = {"collector": collector, "task_id": task_id, "progress": progress}
    response = render(request, f"{TEMPLATE_DIR}/_progress.html", context)
    if progress.is_finished:
        response["HX-Refresh"] = "true"  # the table and counts changed: show them
    return response


@require_GET
@researcher_view
def collector_qr(request: HttpRequest, collector_id: int, image_format: str) -> HttpResponse:
    """Download the QR code of a public link as PNG or SVG."""
    collector = selectors.get_collector_for_user(collector_id=collector_id, user=request.user)
    if image_format not in qr.FORMATS or collector.kind != Collector.Kind.PUBLIC:
        raise NotFound()
    url = request.build_absolute_uri(reverse("frontend:respond-public", kwargs={"slug": collector.slug}))
    response = HttpResponse(qr.render_qr(url, image_format=image_format), content_type=qr.FORMATS[image_format])
    response["Content-Disposition"] = f'attachment; filename="qr-{collector.slug}.{image_format}"'
    return response


# --- responses collected elsewhere ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@researcher_view
def response_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload responses collected elsewhere; show each row's problems, or import them all."""
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
    version = survey_selectors.get_latest_version(survey=survey)
    context: dict[str, Any] = {
        "survey": survey,
        "head": views._survey_head(request, survey),
        "version": version,
        "problems": [],
        "form": UploadForm(),
    }
    if version is not None:
        context["questions"] = [
            (q.key, q.type.value, q.text.get(request.LANGUAGE_CODE), [c.value for c in q.choices])
            for q in version.spec().questions()
        ]
    if request.method == "GET":
        return render(request, f"{TEMPLATE_DIR}/import.html", context)
    form = UploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, f"{TEMPLATE_DIR}/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = services.import_responses(survey=survey, file=upload, filename=upload.name, imported_by=request.user)
    except services.FileRowsInvalid as error:
        context["problems"] = _problems(error.row_errors)
        context["summary"] = str(error.message)
        return render(request, f"{TEMPLATE_DIR}/import.html", context, status=400)
    except DomainError as error:
        form.add_error("file", str(error.message))
        return render(request, f"{TEMPLATE_DIR}/import.html", context, status=error.http_status)
    messages.success(
        request,
        ngettext("{count} response imported.", "{count} responses imported.", result.count).format(count=result.count),
    )
    return redirect(reverse("frontend:survey-monitor", kwargs={"slug": survey.slug}))
