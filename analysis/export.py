"""The analysts' export: a survey's responses and results as an Excel workbook, a CSV or an SPSS file.

This module builds the inputs of the pure writers (``analysis.core.xlsx_report`` and
``analysis.core.csv_export``) from the database:

- the Responses table streams ``ResponseRecord`` objects from one ``values_list().iterator()``
  query (a server-side cursor on PostgreSQL), in chunks, so memory stays flat whatever the number
  of responses; the open-text coding (themes and sentiment) of each chunk is fetched with one
  query per chunk, and the weights, when asked, come with each response (a subquery), not as a
  dictionary of every response's weight;
- the Summary and Crosstabs sheets come from the same pass: ``StreamedAnalysis`` keeps the closed
  questions' answers compactly (``analysis.core.answer_store``: about a byte per answer) and, once
  the Responses sheet is written, computes the summaries of ``analysis.core.results`` (counts,
  weighted shares, margins — the values ``analysis.results.get_results`` gives) and the crosstabs
  of ``analysis.core.crosstabs`` (each closed question by each demographic question, the omnibus
  test named, cells marked where a group differs after Benjamini–Hochberg), in batches that bound
  the engine's memory; ``crosstab_tables`` is the in-memory reference the tests compare it with;
- the Open answers sheet comes from the open-text themes, the Insights sheet from the current
  insights and the Representativeness sheet from the representativeness report.

Which responses: by default every response that was started and not screened out (partial,
complete and flagged); ``completed_only`` keeps the finished ones (complete and flagged) — the
same set the results dashboard shows. The filters (date range, collector, segment) are those of
``analysis.results.ResultFilters`` and are checked the same way.

Who may export: members with the ``analyse`` capability (raw responses); not a member → not found.
"""

import dataclasses
import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np
from django.core.files import File
from django.db import transaction
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import jobs, representativeness
from analysis import results as analysis_results
from analysis import selectors as analysis_selectors
from analysis.core import crosstabs as ct
from analysis.core import csv_export
from analysis.core import results as core_results
from analysis.core import xlsx_report as xr
from analysis.core.answer_store import AnswerStore
from analysis.core.open_text.codebook import OTHER_LABEL, OTHER_THEME_ID, codebook_from_dict
from analysis.models import (
    AnswerAnalysis,
    ExportJob,
    Insight,
    OpenTextCodebook,
    ResponseWeight,
    SentimentLabel,
    WeightingRun,
)
from analysis.services_insights import code_answers
from responses.core.answers import answer_matches, other_key
from responses.models import Response
from surveys import audit
from surveys import selectors as survey_selectors
from surveys.core.questionnaire import LANGUAGES, QuestionSpec, QuestionType, SurveySpec
from surveys.core.roles import Capability
from surveys.errors import Conflict, DomainError, InvalidInput, NotFound
from surveys.models import Survey

User = survey_selectors.User

CHUNK_SIZE = 2000
SIGNIFICANCE = 0.05
CROSSTAB_MEMORY = 64 * 2**20  # bytes the crosstab engine's respondent × level matrices may take per call
EXPORT_LIFETIME = dt.timedelta(days=7)


class ExportGone(DomainError):
    code = "gone"
    http_status = 410
    default_message = gettext_lazy("This export has expired: start a new one.")


class ExportFormat:
    XLSX = "xlsx"
    CSV = "csv"
    SAV = "sav"
    ALL = (XLSX, CSV, SAV)


CONTENT_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.SAV: "application/x-spss-sav",
}


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how (the analyst's choices)."""

    format: str = ExportFormat.XLSX
    codes: bool = False  # codes instead of labels
    language: str = "vi"
    weighted: bool = False
    completed_only: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    collector_id: int | None = None
    segment_key: str = ""
    segment_values: tuple[str, ...] = field(default_factory=tuple)

    def result_filters(self) -> analysis_results.ResultFilters:
        return analysis_results.ResultFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            collector_id=self.collector_id,
            segment_key=self.segment_key,
            segment_values=self.segment_values,
            include_partial=not self.completed_only,
            weighted=self.weighted,
        )

    def to_json(self) -> dict:
        return {
            "format": self.format,
            "codes": self.codes,
            "language": self.language,
            "weighted": self.weighted,
            "completed_only": self.completed_only,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "collector_id": self.collector_id,
            "segment_key": self.segment_key,
            "segment_values": list(self.segment_values),
        }

    @classmethod
    def from_json(cls, data: dict) -> "ExportRequest":
        def day(value):
            return dt.date.fromisoformat(value) if value else None

        return cls(
            format=data.get("format", ExportFormat.XLSX),
            codes=bool(data.get("codes", False)),
            language=data.get("language", "vi"),
            weighted=bool(data.get("weighted", False)),
            completed_only=bool(data.get("completed_only", False)),
            date_from=day(data.get("date_from")),
            date_to=day(data.get("date_to")),
            collector_id=data.get("collector_id"),
            segment_key=data.get("segment_key", "") or "",
            segment_values=tuple(data.get("segment_values", ()) or ()),
        )


@dataclass(frozen=True)
class ExportResult:
    response_count: int
    sheet_titles: tuple[str, ...] = ()


# --- reads ----------------------------------------------------------------------------------


def get_survey_for_export(*, slug: str, user: User) -> Survey:
    """Return a survey whose responses the user may export (not a member → NotFound, no analyse → 403)."""
    return survey_selectors.get_survey_for_user(slug=slug, user=user, capability=Capability.ANALYSE)


def check_request(*, survey: Survey, request: ExportRequest) -> tuple[SurveySpec, tuple[QuestionSpec, ...]]:
    """Raise InvalidInput, naming the field, when the export cannot be made; return the questionnaire."""
    fields: dict[str, list[str]] = {}
    if request.format not in ExportFormat.ALL:
        fields["format"] = [_("Choose xlsx, csv or sav.")]
    if request.language not in LANGUAGES:
        fields["language"] = [_("Choose vi or en.")]
    if request.weighted and analysis_selectors.get_active_run(survey=survey) is None:
        fields["weighted"] = [_("This survey has no weights yet: run the weighting first.")]
    if fields:
        raise InvalidInput(_("This export cannot be made."), fields=fields)
    spec, questions = analysis_results.get_result_questions(survey=survey)
    if spec is None:
        raise InvalidInput(_("The survey has not been published yet: there is nothing to export."))
    analysis_results.check_filters(survey=survey, questions=questions, filters=request.result_filters())
    return spec, questions


def _responses(survey: Survey, request: ExportRequest):
    statuses = [Response.Status.COMPLETE, Response.Status.FLAGGED]
    if not request.completed_only:
        statuses.append(Response.Status.PARTIAL)
    responses = Response.objects.filter(survey=survey, status__in=statuses)
    if request.collector_id is not None:
        responses = responses.filter(collector_id=request.collector_id)
    if request.date_from or request.date_to:
        responses = responses.annotate(
            answered_at=Coalesce(F("submitted_at"), F("started_at"), output_field=DateTimeField())
        )
        if request.date_from:
            responses = responses.filter(answered_at__date__gte=request.date_from)
        if request.date_to:
            responses = responses.filter(answered_at__date__lte=request.date_to)
    return responses.order_by("id")


def count_responses(*, survey: Survey, request: ExportRequest) -> int:
    """How many responses the export holds before the segment filter (for the progress bar)."""
    return _responses(survey, request).count()


def coded_question_keys(*, survey: Survey, questions: Sequence[QuestionSpec]) -> tuple[str, ...]:
    """The open questions whose answers were analysed (themes and sentiment), in questionnaire order."""
    analysed = set(
        AnswerAnalysis.objects.filter(survey=survey).values_list("question_key", flat=True).distinct().order_by()
    )
    return tuple(question.key for question in questions if question.key in analysed)


def _theme_labels(survey: Survey, keys: Sequence[str]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for row in OpenTextCodebook.objects.filter(survey=survey, question_key__in=keys):
        codebook = codebook_from_dict(row.data)
        labels[row.question_key] = {theme.id: str(theme.label) for theme in codebook.themes}
    return labels


def iter_records(
    *,
    survey: Survey,
    spec: SurveySpec,
    request: ExportRequest,
    coded_keys: Sequence[str] = (),
    weights: dict[int, float] | None = None,
    weight_run: WeightingRun | None = None,
    store: AnswerStore | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[xr.ResponseRecord]:
    """Stream the filtered responses as records, ``chunk_size`` rows from the database at a time.

    The weights come from ``weights`` ({response id: weight}) or, without holding them all, from
    ``weight_run`` (read with each response). ``store`` receives every chunk's answers (and
    weights) as it passes, for the Summary and Crosstabs sheets.
    """
    fields = [
        "id",
        "status",
        "submitted_at",
        "started_at",
        "duration_seconds",
        "language",
        "collector__name",
        "collector__slug",
        "answers",
    ]
    responses = _responses(survey, request)
    if weight_run is not None:
        responses = responses.annotate(
            run_weight=Subquery(
                ResponseWeight.objects.filter(run=weight_run, response=OuterRef("pk")).values("weight")[:1]
            )
        )
        fields.append("run_weight")
    rows = responses.values_list(*fields).iterator(chunk_size=chunk_size)
    answers_at = fields.index("answers")
    theme_labels = _theme_labels(survey, coded_keys) if coded_keys else {}
    other_label = _(OTHER_LABEL)
    sentiment_labels = dict(SentimentLabel.choices)
    segment_key, segment_values = request.segment_key, request.segment_values
    other_keys = [(question.key, other_key(question.key)) for question in spec.questions()]
    batch: list[tuple] = []

    def weight_of(row: tuple) -> float | None:
        if weight_run is not None:
            return row[-1]
        return weights.get(row[0]) if weights is not None else None

    def flush(batch: list[tuple]) -> Iterator[xr.ResponseRecord]:
        coding: dict[int, dict[str, tuple[list[str], str]]] = {}
        if store is not None:
            store.add([row[answers_at] for row in batch], [weight_of(row) for row in batch])
        if coded_keys:
            analyses = AnswerAnalysis.objects.filter(
                survey=survey, question_key__in=coded_keys, response_id__in=[row[0] for row in batch]
            ).values_list("response_id", "question_key", "themes", "sentiment")
            for response_id, key, themes, sentiment in analyses:
                names = theme_labels.get(key, {})
                shown = [
                    theme_id
                    if request.codes
                    else (other_label if theme_id == OTHER_THEME_ID else names.get(theme_id, theme_id))
                    for theme_id in themes or ()
                ]
                mood = sentiment if request.codes else str(sentiment_labels.get(sentiment, sentiment))
                coding.setdefault(response_id, {})[key] = (shown, mood)
        weighted = weights is not None or weight_run is not None
        for row in batch:
            response_id, status, submitted, started, duration, language, collector, slug, answers = row[:9]
            found = coding.get(response_id, {})
            yield xr.ResponseRecord(
                response_id=response_id,
                answers=answers,
                status=status,
                submitted_at=submitted or started,
                duration_seconds=duration,
                language=language,
                collector=collector or slug or "",
                weight=weight_of(row) if weighted else None,
                other_texts={key: answers[other] for key, other in other_keys if answers.get(other)},
                themes={key: value[0] for key, value in found.items()},
                sentiments={key: value[1] for key, value in found.items() if value[1]},
            )

    for row in rows:
        answers = row[answers_at] if isinstance(row[answers_at], dict) else {}
        if segment_key and not answer_matches(answers.get(segment_key), segment_values):
            continue
        batch.append((*row[:answers_at], answers, *row[answers_at + 1 :]))
        if len(batch) >= chunk_size:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)


# --- analysis sheets ------------------------------------------------------------------------


def _text(value, language: str) -> str:
    return value.get(language) if hasattr(value, "get") else str(value)


def summary_tables(
    summaries: Sequence[core_results.QuestionSummary], *, weighted: bool, language: str
) -> list[xr.SummaryTable]:
    """One table per closed question (one per matrix row), with shares and margins of error."""
    tables: list[xr.SummaryTable] = []

    def rows_of(shares: Sequence[core_results.Share]) -> tuple[xr.SummaryRow, ...]:
        return tuple(
            xr.SummaryRow(_text(share.label, language) or share.code, share.count, share.share, share.margin_of_error)
            for share in shares
        )

    for summary in summaries:
        title = _text(summary.text, language) or summary.key
        note = _("Method: %(method)s") % {"method": summary.method} if summary.method else ""
        if summary.shares:
            tables.append(
                xr.SummaryTable(
                    question_key=summary.key,
                    title=title,
                    rows=rows_of(summary.shares),
                    base=summary.n,
                    is_weighted=weighted,
                    effective_base=summary.effective_n,
                    confidence_level=summary.confidence_level,
                    note=note,
                )
            )
        for row in summary.rows:
            if row.shares:
                tables.append(
                    xr.SummaryTable(
                        question_key=f"{summary.key}.{row.code}",
                        title=f"{title} [{_text(row.label, language) or row.code}]",
                        rows=rows_of(row.shares),
                        base=row.n,
                        is_weighted=weighted,
                        effective_base=row.effective_n,
                        confidence_level=summary.confidence_level,
                        chart=xr.ChartKind.COLUMN,
                        note=note,
                    )
                )
    return tables


class StreamedAnalysis:
    """The Summary and Crosstabs of an export, from the answers kept while the responses streamed.

    ``store`` is filled by ``iter_records``; once the stream is over, ``summaries()`` gives the
    per-question results of ``analysis.results.get_results`` for the same responses and weights,
    and ``crosstabs()`` the question × segment tables of ``analysis.core.crosstabs`` — computed in
    batches of questions and segments whose respondent × level matrices fit ``CROSSTAB_MEMORY``,
    with the Benjamini–Hochberg q-values recomputed over the whole family, so the tables, tests
    and marks are those of one call over every variable. ``crosstabs()`` frees the store.
    """

    def __init__(self, questions: Sequence[QuestionSpec], *, weighted: bool, memory: int = CROSSTAB_MEMORY) -> None:
        self.questions = tuple(questions)
        self.store = AnswerStore(self.questions, weighted=weighted)
        self.memory = memory
        self._kept: tuple[np.ndarray, np.ndarray | None] | None = None

    def kept(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The rows analysed and their weights: weighted, only responses with a weight above 0."""
        if self._kept is None:
            weights = self.store.weights()
            if weights is None:
                self._kept = (np.arange(self.store.count, dtype=np.int64), None)
            else:
                rows = np.flatnonzero(~np.isnan(weights) & (weights > 0))
                self._kept = (rows, weights[rows])
        return self._kept

    def summaries(self) -> list[core_results.QuestionSummary]:
        """The per-question summaries the Summary sheet shows (text and ranking questions have no table).

        A matrix is summarised one row at a time (``AnswerStore.matrix_row_column``): its row
        results are those of the whole question; the question-level counts then describe the last
        row only, which the Summary sheet does not show (it has a table per row).
        """
        rows, weights = self.kept()
        summaries = []
        for question in self.questions:
            if question.key not in self.store:
                continue
            if question.type != QuestionType.MATRIX or len(question.rows) < 2:
                column = self.store.column(question.key, rows)
                summaries.append(core_results.summarize_question(question, column, weights=weights))
                continue
            matrix_rows = []
            for row in question.rows:
                column = self.store.matrix_row_column(question.key, row.value, rows)
                one = core_results.summarize_question(
                    dataclasses.replace(question, rows=(row,)), column, weights=weights
                )
                matrix_rows.extend(one.rows)
            summaries.append(dataclasses.replace(one, rows=tuple(matrix_rows)))
        return summaries

    def coded_survey(self):
        """The coded variables of ``code_answers``, coded a block of answers at a time, in compact arrays."""
        rows, _weights = self.kept()
        structure = code_answers(self.questions, {question.key: [] for question in self.questions})
        variables = {variable.key: variable for variable in (*structure.questions, *structure.segments)}
        parts: dict[str, list[np.ndarray]] = {key: [] for key in variables}
        sources = set(structure.source.values()) | {
            info.derived_from for info in structure.segment_info.values() if info.derived_from
        }
        for question in self.questions:
            if question.key in self.store and (
                question.key in sources or any(key == question.key for key in structure.segment_info)
            ):

                def code(answers: list[object], question: QuestionSpec = question) -> dict[str, np.ndarray]:
                    block = code_answers([question], {question.key: answers})
                    return {
                        variable.key: np.asarray(variable.codes)
                        for variable in (*block.questions, *block.segments)
                        if variable.key in parts
                    }

                for key, codes in self.store.coded(question.key, rows, code).items():
                    dtype = np.int8 if variables[key].n_levels < 127 else np.int32
                    parts[key].append(codes.astype(dtype))
            self.store.release(question.key)

        def compact(variable: ct.CodedVariable) -> ct.CodedVariable:
            chunks = parts[variable.key]
            codes = np.concatenate(chunks) if chunks else np.full(rows.size, -1, dtype=np.int8)
            parts[variable.key] = []
            return dataclasses.replace(variable, codes=codes)

        structure.questions = [compact(variable) for variable in structure.questions]
        structure.segments = [compact(variable) for variable in structure.segments]
        return structure

    def _groups(self, variables: Sequence[ct.CodedVariable], per_level: int, per_variable: int, budget: int):
        groups: list[list[ct.CodedVariable]] = []
        size = 0
        for variable in variables:
            cost = (variable.n_levels * per_level + per_variable) * max(self.kept()[0].size, 1)
            if groups and size + cost <= budget:
                groups[-1].append(variable)
                size += cost
            else:
                groups.append([variable])
                size = cost + per_level * max(self.kept()[0].size, 1)  # the "missing" column
        return groups

    def crosstab_family(self):
        """Every (question, segment) crosstab with family-wide q-values, in the engine's order."""
        coded = self.coded_survey()
        _rows, weights = self.kept()
        if not coded.questions or not coded.segments:
            return coded, []
        # bytes per respondent: float32 indicator columns, and with weights their float64 products
        per_level = 4 + (16 if weights is not None else 0)
        question_groups = self._groups(coded.questions, per_level, 8, self.memory // 2)
        segment_groups = self._groups(coded.segments, 4 + (8 if weights is not None else 0), 8, self.memory // 2)
        found: dict[tuple[str, str], ct.Crosstab] = {}
        for questions in question_groups:
            for segments in segment_groups:
                family = ct.compute_crosstabs(
                    questions, segments, weights=weights, derived_pairs=coded.derived_pairs, exact_rxc=False
                )
                for table in family.crosstabs():
                    found[(table.question_key, table.segment_key)] = table
        tables = [found[(q.key, s.key)] for q in coded.questions for s in coded.segments]
        return coded, _family_wide_q_values(tables)

    def crosstabs(self, language: str) -> list[xr.CrosstabTable]:
        if self.kept()[0].size == 0:  # nobody to cross (or nobody with a weight)
            return []
        coded, tables = self.crosstab_family()
        return crosstab_sheet_tables(coded, tables, language)


def _family_wide_q_values(tables: list[ct.Crosstab]) -> list[ct.Crosstab]:
    """Recompute the q-values over every table (as one ``compute_crosstabs`` call would)."""
    omnibus_p = [table.omnibus.p_value for table in tables if table.omnibus is not None]
    omnibus_q = iter(ct.benjamini_hochberg(np.asarray(omnibus_p, dtype=float)).tolist())
    member_p = [
        c.p_value for table in tables for c in table.comparisons if c.is_family_member and c.q_value is not None
    ]
    member_q = iter(ct.benjamini_hochberg(np.asarray(member_p, dtype=float)).tolist())
    result = []
    for table in tables:
        omnibus = table.omnibus
        if omnibus is not None:
            omnibus = dataclasses.replace(omnibus, q_value=next(omnibus_q), family_size=len(omnibus_p))
        comparisons = tuple(
            dataclasses.replace(c, q_value=next(member_q), family_size=len(member_p))
            if c.is_family_member and c.q_value is not None
            else dataclasses.replace(c, family_size=len(member_p))
            for c in table.comparisons
        )
        result.append(dataclasses.replace(table, omnibus=omnibus, comparisons=comparisons))
    return result


def crosstab_tables(
    *,
    survey: Survey,
    questions: Sequence[QuestionSpec],
    request: ExportRequest,
    weights_by_id: dict[int, float] | None,
) -> list[xr.CrosstabTable]:
    """Each closed question by each demographic question, all responses in memory (one engine call).

    The export streams instead (``StreamedAnalysis``); this is the reference it must equal.
    """
    filters = dataclasses.replace(request.result_filters(), weighted=False)
    data = analysis_results.load_answer_columns(
        survey=survey, filters=filters, keys=[question.key for question in questions]
    )
    if not data.ids:
        return []
    columns = data.columns
    weights = None
    if weights_by_id is not None:
        mask, values = core_results.weights_for(data.ids, weights_by_id)
        keep = np.flatnonzero(mask)[values > 0]
        if keep.size == 0:
            return []
        if keep.size < len(data.ids):
            rows = keep.tolist()
            columns = {key: [column[row] for row in rows] for key, column in columns.items()}
        weights = values[values > 0]
    coded = code_answers(questions, columns)
    if not coded.questions or not coded.segments:
        return []
    family = ct.compute_crosstabs(
        coded.questions, coded.segments, weights=weights, derived_pairs=coded.derived_pairs, exact_rxc=False
    )
    return crosstab_sheet_tables(coded, list(family.crosstabs()), request.language)


def crosstab_sheet_tables(coded, tables: Sequence[ct.Crosstab], language: str) -> list[xr.CrosstabTable]:
    """The Crosstabs sheet's tables: column shares, bases, the test named and significance marks."""
    legend = _(
        "▲ / ▼ beside a share: this group's share is higher / lower than the other groups' (two-proportion "
        "test); beside a group's name: its mean is higher / lower (Welch's t test). Benjamini–Hochberg q < %(alpha)s."
    ) % {"alpha": SIGNIFICANCE}
    result: list[xr.CrosstabTable] = []
    for table in tables:
        info = coded.question_info.get(table.question_key)
        segment = coded.segment_info.get(table.segment_key)
        if info is None or segment is None or segment.derived_from == table.question_key:
            continue
        counts = np.asarray(table.counts, dtype=float)
        unweighted = np.asarray(table.unweighted_counts, dtype=int)
        if counts.ndim != 2 or counts.size == 0:
            continue
        totals = counts.sum(axis=0)
        marks: dict[tuple[int, int], str] = {}
        column_marks: dict[int, str] = {}
        for comparison in table.comparisons:
            if comparison.q_value is None or comparison.q_value >= SIGNIFICANCE:
                continue
            mark = "▲" if comparison.difference > 0 else "▼"
            if comparison.kind == ct.ComparisonKind.PROPORTION and comparison.question_level is not None:
                marks[(comparison.question_level, comparison.segment_level)] = mark
            elif comparison.kind == ct.ComparisonKind.MEAN:
                column_marks[comparison.segment_level] = mark
        level_labels = info.level_labels or tuple(str(level) for level in range(counts.shape[0]))
        row_labels = tuple(_text(label, language) for label in level_labels)[: counts.shape[0]]
        if len(row_labels) < counts.shape[0]:
            continue
        column_labels = tuple(
            f"{_text(label, language)} {column_marks[c]}" if c in column_marks else _text(label, language)
            for c, label in enumerate(segment.level_labels)
        )[: counts.shape[1]]
        if len(column_labels) < counts.shape[1]:
            continue
        cells = tuple(
            tuple(
                xr.CrosstabCell(
                    share=float(counts[r, c] / totals[c]) if totals[c] > 0 else 0.0,
                    count=int(unweighted[r, c]),
                    mark=marks.get((r, c), ""),
                )
                for c in range(counts.shape[1])
            )
            for r in range(counts.shape[0])
        )
        omnibus = table.omnibus
        if omnibus is not None:
            test = _(ct.TEST_LABELS[omnibus.test])
        elif table.not_testable is not None:
            test = table.not_testable.render(_)
        else:
            test = ""
        result.append(
            xr.CrosstabTable(
                question_key=table.question_key,
                question=_text(info.label, language),
                segment_key=table.segment_key,
                segment=_text(segment.label, language),
                row_labels=row_labels,
                column_labels=column_labels,
                cells=cells,
                column_bases=tuple(int(value) for value in unweighted.sum(axis=0)),
                test=test,
                statistic=float(omnibus.statistic) if omnibus is not None else None,
                p_value=float(omnibus.p_value) if omnibus is not None else None,
                legend=legend,
                is_weighted=table.is_weighted,
            )
        )
    return result


def theme_rows(*, survey: Survey, questions: Sequence[QuestionSpec], coded_keys: Sequence[str], language: str):
    """The themes of every analysed open question with counts, sentiment mix and quotes."""
    from analysis.services_open_text import get_theme_overview  # imports analysis.tasks

    rows: list[xr.ThemeRow] = []
    by_key = {question.key: question for question in questions}
    for key in coded_keys:
        question = by_key[key]
        overview = get_theme_overview(survey=survey, question=question)
        for theme in overview.themes:
            rows.append(
                xr.ThemeRow(
                    question_key=key,
                    question=_text(question.text, language),
                    theme=str(theme.label),
                    count=theme.n_answers,
                    share=theme.share,
                    positive=theme.sentiment.get("positive", 0),
                    neutral=theme.sentiment.get("neutral", 0) + theme.sentiment.get("mixed", 0),
                    negative=theme.sentiment.get("negative", 0),
                    quotes=tuple(theme.quotes),
                )
            )
    return rows


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def insight_rows(*, survey: Survey, language: str) -> list[xr.InsightRow]:
    """The current insights with their evidence, review status and action plan."""
    rows: list[xr.InsightRow] = []
    for insight in Insight.objects.filter(survey=survey, is_current=True).order_by("rank", "id"):
        evidence = insight.evidence if isinstance(insight.evidence, dict) else {}
        criteria = insight.criteria if isinstance(insight.criteria, dict) else {}
        met = [name for name, value in criteria.items() if isinstance(value, dict) and value.get("value")]
        parts = []
        for name in ("n", "n_group", "estimate_group", "estimate_rest", "difference", "test"):
            if evidence.get(name) not in (None, ""):
                parts.append(f"{name}={evidence[name]}")
        n = evidence.get("n") if isinstance(evidence.get("n"), int) else None
        rows.append(
            xr.InsightRow(
                statement=insight.statement_en if language == "en" else insight.statement_vi,
                evidence="; ".join(parts),
                status=str(insight.get_status_display()),
                n=n,
                effect_size=_number(evidence.get("effect_size")),
                p_value=_number(evidence.get("p_value")),
                q_value=_number(evidence.get("q_value")),
                criteria=", ".join(met),
                metric=insight.metric,
                action=insight.action,
                expected_result=insight.expected_result,
            )
        )
    return rows


def representativeness_report(*, survey: Survey) -> xr.RepresentativenessReport:
    """Sample against target per demographic category, and the weighting's diagnostics."""
    report = representativeness.get_representativeness_report(survey=survey)
    rows = tuple(
        xr.RepresentativenessRow(
            variable=variable.label or variable.name,
            category=row.label or row.code,
            sample_count=row.count,
            sample_share=row.share,
            target_share=row.target_share,
            weighted_share=row.weighted_share,
        )
        for variable in report.variables
        for row in variable.rows
    )
    diagnostics: list[xr.Diagnostic] = [xr.Diagnostic(_("Finished responses"), report.n_finished)]
    if report.active_run is not None:
        for name, value in sorted((report.active_run.diagnostics or {}).items()):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                diagnostics.append(xr.Diagnostic(name, value))
    return xr.RepresentativenessReport(rows=rows, diagnostics=tuple(diagnostics))


# --- the export ----------------------------------------------------------------------------


def export_survey(
    *,
    survey: Survey,
    request: ExportRequest,
    output: BinaryIO,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_rows_per_sheet: int = xr.EXCEL_MAX_ROWS,
) -> ExportResult:
    """Write the export of ``survey`` into ``output``; raise InvalidInput when it cannot be made.

    ``progress`` is called with the number of responses written so far (every 10,000).
    """
    spec, questions = check_request(survey=survey, request=request)
    with translation.override(request.language):
        weight_run = analysis_selectors.get_active_run(survey=survey) if request.weighted else None
        coded_keys = coded_question_keys(survey=survey, questions=spec.questions())
        options = xr.ExportOptions(
            values=xr.ValueMode.CODES if request.codes else xr.ValueMode.LABELS,
            language=request.language,
            is_weighted=request.weighted,
            coded_questions=coded_keys,
            time_zone=timezone.get_default_timezone(),
        )
        analysis = (
            StreamedAnalysis(questions, weighted=request.weighted) if request.format == ExportFormat.XLSX else None
        )
        records = iter_records(
            survey=survey,
            spec=spec,
            request=request,
            coded_keys=coded_keys,
            weight_run=weight_run,
            store=analysis.store if analysis is not None else None,
            chunk_size=chunk_size,
        )
        if request.format == ExportFormat.CSV:
            count = csv_export.write_csv(output, spec, records, options=options, translate=_, progress=progress)
            return ExportResult(count)
        if request.format == ExportFormat.SAV:
            count = csv_export.write_sav(output, spec, records, options=options, translate=_, progress=progress)
            return ExportResult(count)
        result = xr.write_workbook(
            output,
            spec,
            records,
            options=options,
            summary=lambda: summary_tables(analysis.summaries(), weighted=request.weighted, language=request.language),
            crosstabs=lambda: analysis.crosstabs(request.language),
            open_answers=theme_rows(
                survey=survey, questions=questions, coded_keys=coded_keys, language=request.language
            ),
            insights=insight_rows(survey=survey, language=request.language),
            representativeness=representativeness_report(survey=survey),
            translate=_,
            max_rows_per_sheet=max_rows_per_sheet,
            progress=progress,
        )
        return ExportResult(result.response_count, result.sheet_titles)


def export_filename(*, survey: Survey, request: ExportRequest, when: dt.datetime | None = None) -> str:
    """A safe file name: the survey's slug, the date and the format's extension."""
    when = timezone.localtime(when or timezone.now())
    return f"{survey.slug}-{when:%Y%m%d-%H%M}.{request.format}"


# --- delivery: export jobs ------------------------------------------------------------------


def list_export_jobs(*, survey: Survey) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(survey=survey).select_related("requested_by").order_by("-created_at", "-id")


def get_export_job_for_user(*, job_id: int, user: User) -> ExportJob:
    """Return an export job of a survey the user may export (not a member → NotFound, else 403)."""
    job = ExportJob.objects.select_related("survey__workspace").filter(id=job_id).first()
    if job is None:
        raise NotFound()
    get_survey_for_export(slug=job.survey.slug, user=user)
    return job


@transaction.atomic
def start_export(*, survey: Survey, request: ExportRequest, requested_by: Any = None) -> ExportJob:
    """Check the request and queue the export; the worker fills the job's progress and file."""
    check_request(survey=survey, request=request)
    job = ExportJob.objects.create(
        survey=survey,
        requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
        format=request.format,
        options=request.to_json(),
        celery_task_id=str(uuid.uuid4()),
    )
    jobs.enqueue_on_commit(job)  # Redis away: the job stays queued and is sent when it is back
    audit.record(requested_by, survey.workspace, audit.Action.EXPORT_REQUESTED, job, format=job.format)
    return job


def _fail(job_id: int, error: str) -> None:
    ExportJob.objects.filter(id=job_id).update(
        status=ExportJob.Status.FAILED, progress=100, error=error[:2000], finished_at=timezone.now()
    )


def run_export_job(*, job_id: int) -> ExportJob | None:
    """Write a queued job's file and store it; safe to repeat (a retry starts again from nothing)."""
    job = ExportJob.objects.select_related("survey").filter(id=job_id).first()
    if job is None or job.is_finished:
        return job
    request = ExportRequest.from_json(job.options)
    total = max(count_responses(survey=job.survey, request=request), 1)
    ExportJob.objects.filter(id=job_id).update(status=ExportJob.Status.RUNNING, progress=1)

    def progress(count: int) -> None:
        ExportJob.objects.filter(id=job_id).update(progress=max(1, min(99, count * 100 // total)))

    with tempfile.TemporaryFile() as output:
        try:
            result = export_survey(survey=job.survey, request=request, output=output, progress=progress)
        except DomainError as error:
            _fail(job_id, str(error.message))
            job.refresh_from_db()
            return job
        size = output.tell()
        output.seek(0)
        if job.file:
            job.file.delete(save=False)
        job.file.save(export_filename(survey=job.survey, request=request), File(output), save=False)
    now = timezone.now()
    ExportJob.objects.filter(id=job_id).update(
        file=job.file.name,
        size=size,
        response_count=result.response_count,
        status=ExportJob.Status.SUCCEEDED,
        progress=100,
        error="",
        finished_at=now,
        expires_at=now + EXPORT_LIFETIME,
    )
    job.refresh_from_db()
    return job


def mark_export_failed(*, job_id: int) -> None:
    options = ExportJob.objects.filter(id=job_id).values_list("options", flat=True).first() or {}
    with translation.override(options.get("language", "vi")):
        error = _("The export failed unexpectedly; start it again.")
    ExportJob.objects.filter(id=job_id).exclude(
        status__in=[ExportJob.Status.SUCCEEDED, ExportJob.Status.FAILED]
    ).update(status=ExportJob.Status.FAILED, progress=100, error=error, finished_at=timezone.now())


def purge_expired_exports(*, now: dt.datetime | None = None) -> int:
    """Delete the files of expired exports (the jobs stay, for the record); return how many."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(id=job.id).update(file="", size=0)
        count += 1
    return count


def download_response(*, job: ExportJob, now: dt.datetime | None = None) -> FileResponse:
    """Stream a finished job's file as an attachment; expired (or purged) → ExportGone, unfinished → Conflict."""
    if job.is_expired(now) or (job.status == ExportJob.Status.SUCCEEDED and not job.file):
        raise ExportGone()
    if job.status != ExportJob.Status.SUCCEEDED:
        raise Conflict(_("This export is not ready yet."), code="export_not_ready")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise ExportGone() from None
    filename = get_valid_filename(job.file.name.rsplit("/", 1)[-1]) or f"export.{job.format}"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[job.format])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    audit.record(None, job.survey.workspace, audit.Action.EXPORT_DOWNLOADED, job, format=job.format)
    return response
