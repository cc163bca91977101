"""The open-answers page of a survey: themes with sentiment, the answers behind them, edits, segments.

Tables and forms first (they work without JavaScript and with screen readers); Plotly draws the
theme bars (volume × sentiment mix) over them. Every edit is a plain form post that redirects back
to the page; with htmx the same forms post in the background and swap the page's main section. The
analysis run's progress is polled with htmx; without JavaScript the page shows its status on reload.
Reading needs ``view``; running, editing and overriding need ``analyse``.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from analysis import services_open_text as services
from analysis.models import ThemeAssignment
from frontend.views import _can, _survey_head, researcher_view
from surveys import selectors as survey_selectors
from surveys.core.roles import Capability
from surveys.errors import DomainError, InvalidInput, NotFound

PAGE_TEMPLATE = "frontend/open_text/page.html"
RUN_TEMPLATE = "frontend/open_text/_run.html"
ANSWERS_PER_PAGE = 25
SENTIMENT_ORDER = ("negative", "mixed", "neutral", "positive")


def _page_url(slug: str, question_key: str, anchor: str = "", **params: Any) -> str:
    query = urlencode({"q": question_key, **{k: v for k, v in params.items() if v}})
    return reverse("frontend:open-answers", kwargs={"slug": slug}) + f"?{query}" + (f"#{anchor}" if anchor else "")


def _error_text(error: DomainError) -> str:
    return " ".join([str(error.message), *[t for texts in error.fields.values() for t in texts]])


def _chart(overview: services.ThemeOverview) -> dict[str, Any]:
    themes = [t for t in overview.themes if t.n_answers or not t.is_other]
    labels = _sentiment_labels()
    return {
        "themes": [t.label for t in themes],
        "series": [
            {"key": key, "name": labels[key], "values": [t.sentiment.get(key, 0) for t in themes]}
            for key in SENTIMENT_ORDER
        ],
        "axis": _("Mentions"),
    }


def _sentiment_labels() -> dict[str, str]:
    return {"negative": _("Negative"), "mixed": _("Mixed"), "neutral": _("Neutral"), "positive": _("Positive")}


def _theme_row(theme: services.ThemeView) -> dict[str, Any]:
    labels = _sentiment_labels()
    total = sum(theme.sentiment.values()) or 1
    return {
        "theme": theme,
        "share_percent": round(theme.share * 100),
        "mix": [
            {
                "key": key,
                "label": labels[key],
                "count": theme.sentiment.get(key, 0),
                "percent": round(100 * theme.sentiment.get(key, 0) / total),
            }
            for key in SENTIMENT_ORDER
        ],
        "keywords": [(lang, ", ".join(words)) for lang, words in theme.keywords.items() if words],
    }


def _answer_rows(answers: Any, theme_labels: dict[str, str]) -> list[dict[str, Any]]:
    labels = _sentiment_labels()
    return [
        {
            "answer": answer,
            "sentiment_label": labels.get(answer.sentiment, answer.sentiment),
            "mentions": [
                {"label": theme_labels.get(m.theme_id, m.theme_id), "sentiment": m.sentiment, "text": m.mention}
                for m in answer.response.theme_assignments.all()
            ],
        }
        for answer in answers
    ]


def _segment_matrix(comparison: services.SegmentComparison, theme_labels: dict[str, str]) -> dict[str, Any]:
    """Themes as rows, the variable's groups as columns; each cell its share, arrow and q-value."""
    table = comparison.table
    cells = {(c.theme_id, c.segment): c for c in table.cells} if table else {}
    present = {c.segment for c in table.cells} if table else set()
    groups = [(code, label) for code, label in comparison.variable.groups.items() if code in present]
    n_of = {c.segment: c.n_segment for c in table.cells} if table else {}
    themes = [t for t in theme_labels if t != "other" and any((t, g) in cells for g, _label in groups)]
    rows = []
    for theme_id in themes:
        row = []
        for code, _label in groups:
            cell = cells.get((theme_id, code))
            arrow = ""
            if cell is not None and cell.is_significant:
                arrow = "up" if cell.share > cell.share_rest else "down"
            row.append({"cell": cell, "percent": round(100 * cell.share) if cell else 0, "arrow": arrow})
        rows.append({"theme": theme_labels[theme_id], "cells": row})
    return {"groups": [(label, n_of.get(code, 0)) for code, label in groups], "rows": rows}


@require_GET
@researcher_view
def open_answers(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    language = request.LANGUAGE_CODE[:2]
    questions = services.list_open_questions(survey=survey)
    context: dict[str, Any] = {
        "survey": survey,
        "head": _survey_head(request, survey),
        "questions": [(q.key, q.text.get(language) or q.key) for q in questions],
        "can_analyse": _can(request, survey.workspace, Capability.ANALYSE),
        "sentiments": [(key, _sentiment_labels()[key]) for key in SENTIMENT_ORDER],
    }
    if not questions:
        return render(request, PAGE_TEMPLATE, context)
    key = request.GET.get("q", "")
    analysed = services.list_analysed_question_keys(survey=survey)
    default = next((q for q in questions if q.key in analysed), questions[0])  # an analysed one first
    question = next((q for q in questions if q.key == key), default)
    overview = services.get_theme_overview(survey=survey, question=question)
    theme_labels = {t.id: t.label for t in overview.themes}
    theme_filter = request.GET.get("theme", "")[:16]
    sentiment_filter = request.GET.get("sentiment", "")
    if theme_filter not in theme_labels:
        theme_filter = ""
    if sentiment_filter not in SENTIMENT_ORDER:
        sentiment_filter = ""
    answers = services.list_answers(
        survey=survey, question_key=question.key, theme_id=theme_filter, sentiment=sentiment_filter
    ).prefetch_related(
        Prefetch(
            "response__theme_assignments",
            queryset=ThemeAssignment.objects.filter(question_key=question.key).order_by("position"),
        )
    )
    page = Paginator(answers, ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    run = services.get_latest_run(survey=survey, question_key=question.key)
    comparisons = (
        services.compare_segments(survey=survey, question_key=question.key, language=language)
        if overview.n_answers
        else ()
    )
    context.update(
        {
            "question": question,
            "question_text": question.text.get(language) or question.key,
            "overview": overview,
            "themes": [_theme_row(t) for t in overview.themes if not t.is_other],
            "theme_choices": [(t.id, t.label) for t in overview.themes if not t.is_other],
            "other": next((_theme_row(t) for t in overview.themes if t.is_other), None),
            "answer_rows": _answer_rows(page.object_list, theme_labels),
            "sentiment_labels": _sentiment_labels(),
            "theme_labels": theme_labels,
            "theme_filter": theme_filter,
            "sentiment_filter": sentiment_filter,
            "page": page,
            "run": run,
            "run_error": services.render_run_error(run) if run else "",
            "chart": _chart(overview),
            "segments": [
                {"comparison": c, "matrix": _segment_matrix(c, theme_labels)}
                for c in comparisons
                if c.table is not None
            ],
            "filter_query": urlencode(
                {"q": question.key, **({"theme": theme_filter} if theme_filter else {}), "sentiment": sentiment_filter}
            ),
        }
    )
    return render(request, PAGE_TEMPLATE, context)


@require_POST
@researcher_view
def open_answers_run(request: HttpRequest, slug: str) -> HttpResponse:
    key = request.POST.get("q", "")
    survey, question = services.get_open_question_for_user(
        slug=slug, question_key=key, user=request.user, capability=Capability.ANALYSE
    )
    try:
        run = services.start_open_text_run(
            survey=survey,
            question_key=question.key,
            created_by=request.user,
            themes=request.POST.get("themes", ""),
            rediscover=request.POST.get("rediscover") == "1",
        )
    except DomainError as error:
        if request.htmx:
            context = {"survey": survey, "question": question, "run": None, "run_error": _error_text(error)}
            return render(request, RUN_TEMPLATE, context, status=400)
        messages.error(request, _error_text(error))
        return redirect(_page_url(slug, question.key, "run"))
    if request.htmx:
        run.refresh_from_db()
        return _run_fragment(request, survey, question, run)
    return redirect(_page_url(slug, question.key, "run"))


def _run_fragment(request: HttpRequest, survey: Any, question: Any, run: Any) -> HttpResponse:
    context = {"survey": survey, "question": question, "run": run, "run_error": services.render_run_error(run)}
    response = render(request, RUN_TEMPLATE, context)
    if run.is_finished and request.htmx and request.GET.get("poll"):
        response["HX-Refresh"] = "true"  # new themes: the whole page changes
    return response


@require_GET
@researcher_view
def open_answers_run_status(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
    run = services.list_runs(survey=survey).filter(id=run_id).first()
    if run is None:
        raise NotFound()
    question = services.get_open_question(survey=survey, question_key=run.question_key)
    return _run_fragment(request, survey, question, run)


def _edit_from_post(post: Any) -> dict[str, Any]:
    """The codebook edit a form posted, in ``apply_edit``'s plain form."""
    op = post.get("op", "")
    edit: dict[str, Any] = {"op": op}
    for name in ("theme", "label", "text", "rule"):
        if name in post:
            edit[name] = post[name].strip()
    if op == "merge":
        edit["themes"] = [edit.get("theme", ""), *[t for t in post.getlist("with") if t]]
        edit.pop("label", None)
    if op == "split":
        parts = []
        for index in (1, 2, 3):
            label = post.get(f"part{index}_label", "").strip()
            rules = [r.strip() for r in post.get(f"part{index}_rules", "").split(",") if r.strip()]
            if label or rules:
                parts.append({"label": label, "rules": rules})
        edit["parts"] = parts
    if op == "add":
        edit["rules"] = [r.strip() for r in post.get("rules", "").split(",") if r.strip()]
    return edit


EDIT_DONE = {
    "rename": gettext_lazy("The theme is renamed."),
    "merge": gettext_lazy("The themes are merged; the answers follow."),
    "split": gettext_lazy("The theme is split; the answers follow."),
    "delete": gettext_lazy("The theme is deleted; its answers moved to “Other” unless another theme fits."),
    "add": gettext_lazy("The theme is added; matching answers moved into it."),
    "pin": gettext_lazy("The example is pinned: similar answers follow it."),
    "unpin": gettext_lazy("The example is unpinned."),
    "add_rule": gettext_lazy("The keyword rule is added; matching answers moved into the theme."),
    "remove_rule": gettext_lazy("The keyword rule is removed."),
}


@require_POST
@researcher_view
def open_answers_edit(request: HttpRequest, slug: str) -> HttpResponse:
    key = request.POST.get("q", "")
    survey, question = services.get_open_question_for_user(
        slug=slug, question_key=key, user=request.user, capability=Capability.ANALYSE
    )
    edit = _edit_from_post(request.POST)
    back = _page_url(slug, question.key, "themes", theme=request.POST.get("return_theme", ""))
    if edit["op"] not in EDIT_DONE:
        messages.error(request, _("Choose what to change."))
        return redirect(back)
    try:
        outcome = services.edit_codebook(survey=survey, question_key=question.key, edit=edit, edited_by=request.user)
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect(back)
    messages.success(request, str(EDIT_DONE[edit["op"]]))
    if outcome.run is not None:
        messages.info(request, _("Many answers: they are being assigned again in the background."))
    return redirect(back)


@require_POST
@researcher_view
def open_answers_sentiment(request: HttpRequest, slug: str, response_id: int) -> HttpResponse:
    key = request.POST.get("q", "")
    survey, question = services.get_open_question_for_user(
        slug=slug, question_key=key, user=request.user, capability=Capability.ANALYSE
    )
    label = request.POST.get("sentiment", "")
    back = _page_url(
        slug,
        question.key,
        "answers",
        theme=request.POST.get("theme", ""),
        sentiment=request.POST.get("filter_sentiment", ""),
        page=request.POST.get("page", ""),
    )
    try:
        if label:
            services.set_sentiment_override(
                survey=survey, question_key=question.key, response_id=response_id, label=label, by=request.user
            )
            messages.success(request, _("The sentiment is set by hand; later runs keep it."))
        else:
            services.clear_sentiment_override(survey=survey, question_key=question.key, response_id=response_id)
            messages.success(request, _("The model's sentiment is back."))
    except InvalidInput as error:
        messages.error(request, _error_text(error))
    return redirect(back)
