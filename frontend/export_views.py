"""The export page of a survey: choose the options, follow the export's progress, download the file.

A plain form post starts the export (a background task) and redirects back to the page, which
shows the job's progress; with htmx the job's row is polled every second until it is done, and
without JavaScript a refresh link does the same. Files are downloadable until they expire (410
after). Everything here needs the ``analyse`` capability.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from analysis import export
from analysis import results as analysis_results
from analysis import selectors as analysis_selectors
from analysis.models import ExportJob
from frontend.views import _survey_head, researcher_view
from surveys.errors import DomainError

PAGE_TEMPLATE = "frontend/export/page.html"
JOB_TEMPLATE = "frontend/export/_job.html"
JOBS_SHOWN = 20


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("File format"), choices=ExportJob.Format.choices, initial="xlsx")
    values = forms.ChoiceField(
        label=gettext_lazy("Answers as"),
        choices=[("labels", gettext_lazy("Labels (readable)")), ("codes", gettext_lazy("Codes (for re-import)"))],
        initial="labels",
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of labels"),
        choices=[("vi", "Tiếng Việt"), ("en", "English")],
        initial="vi",
    )
    weighted = forms.BooleanField(label=gettext_lazy("Weighted (adds the weight column)"), required=False)
    completed_only = forms.BooleanField(label=gettext_lazy("Completed responses only"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    collector = forms.TypedChoiceField(label=gettext_lazy("Collector"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, collectors: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collector"].choices = [("", _("All collectors"))] + [
            (collector.id, str(collector)) for collector in collectors
        ]

    def export_request(self) -> export.ExportRequest:
        data = self.cleaned_data
        return export.ExportRequest(
            format=data["format"],
            codes=data["values"] == "codes",
            language=data["language"],
            weighted=data["weighted"],
            completed_only=data["completed_only"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            collector_id=data.get("collector"),
        )


def _page_url(slug: str) -> str:
    return reverse("frontend:survey-data-export", kwargs={"slug": slug})


def _error_text(error: DomainError) -> str:
    return " ".join([str(error.message), *[t for texts in error.fields.values() for t in texts]])


@require_http_methods(["GET", "POST"])
@researcher_view
def export_page(request: HttpRequest, slug: str) -> HttpResponse:
    survey = export.get_survey_for_export(slug=slug, user=request.user)
    collectors = analysis_results.list_result_collectors(survey=survey)
    form = ExportForm(request.POST or None, collectors=collectors, initial={"language": request.LANGUAGE_CODE[:2]})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = export.start_export(survey=survey, request=form.export_request(), requested_by=request.user)
            except DomainError as error:
                form.add_error(None, _error_text(error))
            else:
                if request.htmx:
                    job.refresh_from_db()
                    return render(request, JOB_TEMPLATE, {"survey": survey, "job": job, "poll": True})
                messages.success(request, _("The export has started. It appears below when it is ready."))
                return redirect(_page_url(slug) + f"#export-{job.id}")
        status = 400
    context = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "form": form,
        "has_weights": analysis_selectors.get_active_run(survey=survey) is not None,
        "jobs": list(export.list_export_jobs(survey=survey)[:JOBS_SHOWN]),
    }
    return render(request, PAGE_TEMPLATE, context, status=status)


@require_GET
@researcher_view
def export_status(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    survey = export.get_survey_for_export(slug=slug, user=request.user)
    job = export.get_export_job_for_user(job_id=job_id, user=request.user)
    if job.survey_id != survey.id:
        return redirect(_page_url(slug))
    return render(request, JOB_TEMPLATE, {"survey": survey, "job": job, "poll": True})


@require_GET
@researcher_view
def export_download(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    survey = export.get_survey_for_export(slug=slug, user=request.user)
    job = export.get_export_job_for_user(job_id=job_id, user=request.user)
    if job.survey_id != survey.id:
        return redirect(_page_url(slug))
    return export.download_response(job=job)
