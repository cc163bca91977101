"""The monitoring page: how collection is going, for the members who may analyse a survey.

Every figure is a table first (it works without JavaScript and with screen readers); the
charts are drawn over it by plotly.js, served from the plotly package's own bundled file.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from frontend import views
from frontend.views import researcher_view
from responses import selectors
from responses.models import Response
from surveys import planner
from surveys.core.precision import SegmentPrecision, segment_precision
from surveys.errors import InvalidInput

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@dataclass(frozen=True)
class SegmentTable:
    question_key: str
    variable: str
    text: str
    rows: list[tuple[str, str, SegmentPrecision]]  # (code, label, precision)


@dataclass(frozen=True)
class Target:
    responses: int
    finished: int

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.finished / self.responses)) if self.responses else 0

    @property
    def remaining(self) -> int:
        return max(0, self.responses - self.finished)


def _plan(survey: Any) -> Any:
    try:
        return planner.plan_for_survey(survey)
    except InvalidInput:
        return None  # stored targets the planner page will ask to correct


@require_GET
@researcher_view
def survey_monitor(request: HttpRequest, slug: str) -> HttpResponse:
    """Responses over time, completion, drop-off, quotas and progress towards the planned sample."""
    data = selectors.get_monitoring_for_user(slug=slug, user=request.user)
    survey = data.survey
    language = request.LANGUAGE_CODE
    plan = _plan(survey)
    confidence = plan.confidence_level if plan is not None else 0.95
    precision = {"confidence_level": confidence, "maximum_margin_of_error": survey.target_margin_of_error}
    required = (plan.required_responses if plan is not None else None) or survey.target_sample_size
    overall = segment_precision({"": data.finished}, **precision)[0]
    segments = []
    for found in data.segments:
        labels = {c.value: c.label.get(language) or c.value for c in found.question.choices}
        rows = segment_precision(dict(found.counts), **precision)
        segments.append(
            SegmentTable(
                found.question_key,
                found.variable,
                found.question.text.get(language),
                [(row.segment, labels.get(row.segment, row.segment), row) for row in rows],
            )
        )
    spec = data.spec
    page_titles = {page.key: page.title.get(language) or page.key for page in spec.pages} if spec else {}
    question_texts = {q.key: q.text.get(language) for q in spec.questions()} if spec else {}
    chart = {
        "days": [day.day.isoformat() for day in data.daily],
        "started": [day.started for day in data.daily],
        "finished": [day.finished for day in data.daily],
        "labels": {"started": _("Started"), "finished": _("Finished"), "title": _("Responses per day")},
    }
    context = {
        "survey": survey,
        "head": views._survey_head(request, survey),
        "data": data,
        "statuses": [(value, label, data.counts[value]) for value, label in Response.Status.choices],
        "completion_rate": data.completion_rate,
        "completion_percent": planner.percent(data.completion_rate) if data.completion_rate is not None else "",
        "target": Target(required, data.finished) if required else None,
        "overall": overall,
        "segments": segments,
        "drop_pages": [(stop, page_titles.get(stop.key, stop.key)) for stop in data.drop_off.by_page]
        if data.drop_off
        else [],
        "drop_questions": [(stop, question_texts.get(stop.key, stop.key)) for stop in data.drop_off.by_question]
        if data.drop_off
        else [],
        "chart": chart,
    }
    return render(request, "frontend/monitor/monitor.html", context)


@require_GET
@cache_control(public=True, max_age=7 * 24 * 3600)
def plotly_js(request: HttpRequest) -> FileResponse:
    """plotly.js from the installed plotly package: no CDN, works offline."""
    return FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript; charset=utf-8")
