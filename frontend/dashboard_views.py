"""The results dashboard: one card per question with a chart, its table and margins of error.

The filters are a GET form: without JavaScript the page comes back filtered (the URL can be
bookmarked or shared); with htmx only the results are swapped in and the URL follows. Every
chart has a table with the same figures next to it, so nothing depends on the chart.

Plotly's JavaScript comes from the ``plotly`` package installed with the project, served by
``frontend.monitor_views.plotly_js`` (``frontend:plotly-js``): no CDN.
"""

from dataclasses import dataclass, field, replace
from typing import Any

import plotly
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analysis import results as analysis_results
from analysis.core import results as core
from frontend.views import _survey_head, researcher_view
from surveys.core.precision import SegmentPrecision
from surveys.core.questionnaire import QuestionSpec, QuestionType, Text
from surveys.errors import InvalidInput
from surveys.planner import percent

PAGE_TEMPLATE = "frontend/dashboard/results.html"
RESULTS_TEMPLATE = "frontend/dashboard/_results.html"
PLOTLY_VERSION = plotly.__version__

METHOD_LABELS = {
    core.METHOD_SHARES: gettext_lazy("Shares with a Wald interval on the effective sample size"),
    core.METHOD_MEAN: gettext_lazy("Mean with a Student t interval on the effective sample size"),
    core.METHOD_NPS: gettext_lazy(
        "NPS with the multinomial variance (p_P + p_D − (p_P − p_D)²) / n_eff (Rocks 2016), Wald interval"
    ),
    core.METHOD_RANKING: gettext_lazy("Mean rank; first-place shares with a Wald interval"),
    core.METHOD_COUNT: gettext_lazy("Counts"),
}


# --- the filters form ----------------------------------------------------------------------


def _label(text: Text, language: str) -> str:
    return text.get(language)


def _question_label(question: QuestionSpec, language: str) -> str:
    text = _label(question.text, language)
    return f"{question.key} — {text[:60]}{'…' if len(text) > 60 else ''}"


class ResultsFilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("Answered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("Answered until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    collector = forms.TypedChoiceField(label=gettext_lazy("Collector"), required=False, coerce=int, empty_value=None)
    segment = forms.ChoiceField(label=gettext_lazy("Only respondents who answered"), required=False)
    breakdown = forms.ChoiceField(label=gettext_lazy("Break down by"), required=False)
    include_partial = forms.BooleanField(label=gettext_lazy("Include partial responses"), required=False)
    weighted = forms.TypedChoiceField(
        label=gettext_lazy("Results"),
        required=False,
        coerce=lambda value: value == "1",
        empty_value=False,
        choices=[("0", gettext_lazy("Unweighted")), ("1", gettext_lazy("Weighted"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any, *, options: analysis_results.ResultOptions, language: str) -> None:
        super().__init__(data, label_suffix="")
        self.fields["collector"].choices = [("", _("All collectors"))] + [
            (str(collector.id), collector.name or collector.slug) for collector in options.collectors
        ]
        self.fields["segment"].choices = [("", _("Everyone"))] + [
            (
                _question_label(question, language),
                [(f"{question.key}:{choice.value}", _label(choice.label, language)) for choice in question.choices],
            )
            for question in options.filter_questions
        ]
        self.fields["breakdown"].choices = [("", _("No breakdown"))] + [
            (question.key, _question_label(question, language)) for question in options.breakdown_questions
        ]
        if not options.has_weights:
            del self.fields["weighted"]
        for form_field in self.fields.values():
            form_field.template_name = "frontend/forms/field.html"

    def to_filters(self) -> analysis_results.ResultFilters:
        data = self.cleaned_data
        segment_key, _sep, segment_value = (data.get("segment") or "").partition(":")
        return analysis_results.ResultFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            collector_id=data.get("collector"),
            segment_key=segment_key,
            segment_values=(segment_value,) if segment_value else (),
            include_partial=bool(data.get("include_partial")),
            weighted=bool(data.get("weighted")),
            breakdown_key=data.get("breakdown") or "",
        )

    def add_domain_errors(self, error: InvalidInput) -> None:
        names = {"segment_value": "segment", "weighted": "weighted" if "weighted" in self.fields else None}
        for name, messages in error.fields.items():
            target = names.get(name, name)
            for text in messages:
                self.add_error(target if target in self.fields else None, text)
        if not error.fields:
            self.add_error(None, str(error.message))


# --- what a card shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    precision: SegmentPrecision | None = None
    is_number: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    row_headers: bool = True  # the first cell of each row names it


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    type: str
    summary: core.QuestionSummary
    headline: list[tuple[str, str]] = field(default_factory=list)  # (name, value) figures shown big
    chart: dict[str, Any] | None = None
    chart_label: str = ""
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    other_texts: tuple[str, ...] = ()
    breakdown: Table | None = None


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return number_format(round(value, digits), decimal_pos=digits)


def _pct(value: float | None) -> str:
    return "—" if value is None else percent(value)


def _moe(value: float | None) -> str:
    return "—" if value is None else f"±{percent(value)}"


def _count(summary: core.QuestionSummary, share: core.Share) -> str:
    if summary.is_weighted:
        return f"{share.count} ({_num(share.weighted_count, 1)})"
    return str(share.count)


def _share_table(summary: core.QuestionSummary, shares: tuple[core.Share, ...], caption: str, language: str) -> Table:
    count_header = _("Count (weighted)") if summary.is_weighted else _("Count")
    return Table(
        caption=caption,
        headers=[_("Answer"), count_header, _("Percent"), _("Margin of error")],
        rows=[
            [
                Cell(_label(share.label, language) or share.code),
                Cell(_count(summary, share), is_number=True),
                Cell(_pct(share.share), is_number=True),
                Cell(_moe(share.margin_of_error), is_number=True),
            ]
            for share in shares
        ],
    )


def _bar_chart(
    labels: list[str],
    values: list[float],
    intervals: list[tuple[float, float] | None],
    *,
    axis: str,
) -> dict[str, Any]:
    """Return a horizontal bar chart; ``intervals`` are (lower, upper) around each value, or None."""
    bar: dict[str, Any] = {
        "type": "bar",
        "orientation": "h",
        "y": labels,
        "x": values,
        "marker": {"color": "#2f5fd0"},
        "hovertemplate": "%{y}: %{x:.1f}<extra></extra>",
    }
    if any(interval is not None for interval in intervals):
        bar["error_x"] = {  # asymmetric: a share's interval is clipped to [0, 100] %
            "type": "data",
            "symmetric": False,
            "array": [round(i[1] - v, 2) if i else 0 for v, i in zip(values, intervals, strict=True)],
            "arrayminus": [round(v - i[0], 2) if i else 0 for v, i in zip(values, intervals, strict=True)],
            "visible": True,
            "color": "#5b6672",
        }
    return {
        "data": [bar],
        "layout": {
            "xaxis": {"title": {"text": axis}, "rangemode": "tozero"},
            # Category axis: codes such as "0"…"10" are labels here, not numbers to space out.
            "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
            "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
            "height": max(160, 34 * len(labels) + 70),
        },
    }


def _share_chart(shares: tuple[core.Share, ...], language: str) -> dict[str, Any]:
    return _bar_chart(
        [_label(share.label, language) or share.code for share in shares],
        [round(100 * share.share, 2) for share in shares],
        [None if share.lower is None else (100 * share.lower, 100 * share.upper) for share in shares],
        axis=_("Percent"),
    )


def _estimate_headline(estimate: core.Estimate | None) -> list[tuple[str, str]]:
    if estimate is None:
        return []
    mean = _num(estimate.mean)
    if estimate.margin_of_error is not None:
        mean = f"{mean} ±{_num(estimate.margin_of_error)}"
    return [
        (_("Mean"), mean),
        (_("Median"), _num(estimate.median)),
        (_("Standard deviation"), _num(estimate.standard_deviation)),
        (_("Range"), f"{_num(estimate.minimum)} – {_num(estimate.maximum)}"),
    ]


def _sample_notes(summary: core.QuestionSummary) -> list[str]:
    notes = [
        _("%(n)s of %(base)s responses answered.") % {"n": summary.n, "base": summary.base},
    ]
    if summary.is_weighted and summary.n:
        notes.append(
            _("Weighted: effective sample size %(n_eff)s, design effect %(deff)s.")
            % {"n_eff": _num(summary.effective_n, 1), "deff": _num(summary.design_effect)}
        )
    if summary.not_applicable:
        notes.append(_("%(count)s answered “not applicable” (left out).") % {"count": summary.not_applicable})
    if summary.n_invalid:
        notes.append(
            _("%(count)s answers do not fit the current question and are left out.") % {"count": summary.n_invalid}
        )
    notes.append(
        _("Method: %(method)s, %(confidence)s confidence.")
        % {"method": METHOD_LABELS.get(summary.method, summary.method), "confidence": percent(summary.confidence_level)}
    )
    return notes


def _card(summary: core.QuestionSummary, language: str) -> Card:
    title = _label(summary.text, language) or summary.key
    card = Card(key=summary.key, title=title, type=summary.type.value, summary=summary, notes=_sample_notes(summary))
    kind = summary.type
    if summary.n == 0:
        return card
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        caption = (
            _("Share of respondents choosing each option (several answers allowed)")
            if kind == QuestionType.MULTIPLE_CHOICE
            else _("Answers")
        )
        card.tables.append(_share_table(summary, summary.shares, caption, language))
        card = _with_chart(card, _share_chart(summary.shares, language), title)
        if summary.other_count:
            card.notes.append(_("%(count)s “other” answers.") % {"count": summary.other_count})
        return replace(card, other_texts=summary.other_texts)
    if kind in (QuestionType.RATING, QuestionType.NUMBER):
        card.headline.extend(_estimate_headline(summary.estimate))
        card.tables.append(_share_table(summary, summary.shares, _("Distribution"), language))
        return _with_chart(card, _share_chart(summary.shares, language), title)
    if kind == QuestionType.NPS:
        nps = summary.nps
        if nps is not None:
            card.headline.append((_("NPS"), f"{_num(nps.score, 1)} ±{_num(nps.margin_of_error, 1)}"))
            card.headline.append((_("Interval"), f"{_num(nps.lower, 1)} … {_num(nps.upper, 1)}"))
            groups = (nps.promoters, nps.passives, nps.detractors)
            card.tables.append(_share_table(summary, groups, _("Promoters, passives and detractors"), language))
        card.headline.extend(_estimate_headline(summary.estimate)[:2])
        card.tables.append(_share_table(summary, summary.shares, _("Scores from 0 to 10"), language))
        return _with_chart(card, _share_chart(summary.shares, language), title)
    if kind == QuestionType.MATRIX:
        scale = summary.rows[0].shares if summary.rows else ()
        has_na = any(row.not_applicable for row in summary.rows)
        headers = [_("Row"), _("Answers")] + [_label(s.label, language) or s.code for s in scale] + [_("Mean")]
        if has_na:
            headers.append(_("Not applicable"))
        rows = []
        for row in summary.rows:
            mean = row.estimate.mean if row.estimate else None
            moe = row.estimate.margin_of_error if row.estimate else None
            rows.append(
                [Cell(_label(row.label, language) or row.code), Cell(str(row.n), is_number=True)]
                + [Cell(_pct(share.share), is_number=True) for share in row.shares]
                + [Cell(f"{_num(mean)} ±{_num(moe)}" if moe is not None else _num(mean), is_number=True)]
                + ([Cell(str(row.not_applicable), is_number=True)] if has_na else [])
            )
        card.tables.append(Table(_("Percent of each row's answers, and the row's mean"), headers, rows))
        if summary.rows and summary.rows[0].mean_basis == "position":
            card.notes.append(_("Means score the scale points 1, 2, 3… in their order."))
        chart = {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": _label(point.label, language) or point.code,
                    "y": [_label(row.label, language) or row.code for row in summary.rows],
                    "x": [round(100 * row.shares[index].share, 2) for row in summary.rows],
                    "hovertemplate": "%{y}: %{x:.1f}<extra>%{fullData.name}</extra>",
                }
                for index, point in enumerate(scale)
            ],
            "layout": {
                "barmode": "stack",
                "xaxis": {"title": {"text": _("Percent")}, "range": [0, 100]},
                "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
                "legend": {"orientation": "h", "traceorder": "normal", "x": 0, "y": 1.02, "yanchor": "bottom"},
                "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
                "height": max(180, 40 * len(summary.rows) + 110),
            },
        }
        return _with_chart(card, chart, title)
    if kind == QuestionType.RANKING:
        rows = [
            [
                Cell(_label(item.label, language) or item.code),
                Cell(_num(item.mean_rank), is_number=True),
                Cell(str(item.n), is_number=True),
                Cell(_pct(item.first_place.share), is_number=True),
                Cell(_moe(item.first_place.margin_of_error), is_number=True),
            ]
            for item in summary.ranks
        ]
        headers = [_("Item"), _("Mean rank (1 = first)"), _("Ranked by"), _("Ranked first"), _("Margin of error")]
        card.tables.append(Table(_("Ranking"), headers, rows))
        chart = _bar_chart(
            [_label(item.label, language) or item.code for item in summary.ranks],
            [round(item.mean_rank, 2) if item.mean_rank is not None else 0 for item in summary.ranks],
            [None] * len(summary.ranks),
            axis=_("Mean rank (1 = first)"),
        )
        return _with_chart(card, chart, title)
    if kind == QuestionType.DATE:
        card.headline.append((_("First"), summary.first_date or "—"))
        card.headline.append((_("Last"), summary.last_date or "—"))
        card.tables.append(_share_table(summary, summary.shares, _("Answers per month"), language))
        return _with_chart(card, _share_chart(summary.shares, language), title)
    card.headline.append((_("Answers"), str(summary.n)))  # text: themes come from the open-text analysis
    return card


def _with_chart(card: Card, chart: dict[str, Any], title: str) -> Card:
    label = _("Chart of “%(question)s”; the table below gives the same figures.") % {"question": title}
    return replace(card, chart=chart, chart_label=label)


def _segment_figure(summary: core.QuestionSummary, language: str) -> list[Cell]:
    """Return the key figures of a question within one segment."""
    kind = summary.type
    if summary.n == 0:
        return []
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        return [Cell(_pct(share.share), is_number=True) for share in summary.shares]
    if kind in (QuestionType.RATING, QuestionType.NUMBER):
        estimate = summary.estimate
        if estimate is None:
            return []
        moe = f" ±{_num(estimate.margin_of_error)}" if estimate.margin_of_error is not None else ""
        return [Cell(f"{_num(estimate.mean)}{moe}", is_number=True), Cell(_num(estimate.median), is_number=True)]
    if kind == QuestionType.NPS and summary.nps is not None:
        nps = summary.nps
        return [Cell(f"{_num(nps.score, 1)} ±{_num(nps.margin_of_error, 1)}", is_number=True)]
    if kind == QuestionType.MATRIX:
        return [Cell(_num(row.estimate.mean) if row.estimate else "—", is_number=True) for row in summary.rows]
    if kind == QuestionType.RANKING:
        return [Cell(_num(item.mean_rank), is_number=True) for item in summary.ranks]
    return []


def _segment_headers(summary: core.QuestionSummary, language: str) -> list[str]:
    kind = summary.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        return [_label(share.label, language) or share.code for share in summary.shares]
    if kind in (QuestionType.RATING, QuestionType.NUMBER):
        return [_("Mean"), _("Median")]
    if kind == QuestionType.NPS:
        return [_("NPS")]
    if kind == QuestionType.MATRIX:
        return [_("Mean of %(row)s") % {"row": _label(row.label, language) or row.code} for row in summary.rows]
    if kind == QuestionType.RANKING:
        return [_("Mean rank of %(item)s") % {"item": _label(i.label, language) or i.code} for i in summary.ranks]
    return []


def _breakdown_table(breakdown: core.SegmentBreakdown, overall: core.QuestionSummary, language: str) -> Table:
    headers = [_("Segment"), _("Answers and margin of error"), *_segment_headers(overall, language)]
    width = len(headers) - 2
    rows = []
    for segment in breakdown.segments:
        figures = _segment_figure(segment.summary, language)
        figures += [Cell("—", is_number=True)] * (width - len(figures))
        rows.append(
            [Cell(_label(segment.label, language) or segment.code), Cell("", precision=segment.precision), *figures]
        )
    caption = _("By “%(segment)s”") % {"segment": _label(breakdown.segment_text, language) or breakdown.segment_key}
    return Table(caption, headers, rows)


def build_cards(results: analysis_results.SurveyResults, language: str) -> list[Card]:
    cards = []
    for summary in results.summaries:
        card = _card(summary, language)
        breakdown = results.breakdowns.get(summary.key)
        if breakdown is not None:
            card = replace(card, breakdown=_breakdown_table(breakdown, summary, language))
        cards.append(card)
    return cards


# --- the page -------------------------------------------------------------------------------


@require_GET
@researcher_view
def survey_results(request: HttpRequest, slug: str) -> HttpResponse:
    """Show every question's results for the filters in the query string."""
    survey = analysis_results.get_survey_for_results(slug=slug, user=request.user)
    options = analysis_results.get_result_options(survey=survey)
    language = get_language() or "vi"
    form = ResultsFilterForm(request.GET or None, options=options, language=language)
    results = None
    status = 200
    if not request.GET or form.is_valid():
        filters = form.to_filters() if request.GET else analysis_results.ResultFilters()
        try:
            results = analysis_results.get_results(survey=survey, filters=filters)
        except InvalidInput as error:
            form.add_domain_errors(error)
            status = 400
    else:
        status = 400
    context = {
        "survey": survey,
        "form": form,
        "options": options,
        "results": results,
        "cards": build_cards(results, language) if results is not None else [],
        "language": language,
        "plotly_version": PLOTLY_VERSION,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, RESULTS_TEMPLATE, context, status=status)
    context["head"] = _survey_head(request, survey)
    return render(request, PAGE_TEMPLATE, context, status=status)
