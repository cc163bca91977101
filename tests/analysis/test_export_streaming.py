"""The export's Summary and Crosstabs, built from one streaming pass, equal the in-memory ones."""

import io

import numpy as np
import openpyxl
import pytest
from django.utils import timezone, translation

from analysis import export
from analysis import results as analysis_results
from analysis.models import ResponseWeight, WeightingRun
from responses.models import Response
from surveys import services as survey_services
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import UserFactory

ODD_ANSWERS = [
    {"satisfaction": True, "nps": "9", "age_band": 3, "channels": ["web", "web"], "aspects": {"price": "n/a"}},
    {"satisfaction": 4.0, "nps": 11, "age_band": "60_plus", "channels": "web", "aspects": ["3"]},
    {"satisfaction": "4", "nps": 8.5, "area": None, "channels": [], "aspects": {"delivery_speed": "9"}},
    {"satisfaction": 2, "channels": ["shop", "app"], "aspects": {}, "nps": 10, "area": "rural"},
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def survey(db):
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="W", owner=owner)
    survey = create_insight_survey(workspace, owner)
    responses = add_responses(survey, synthetic_answers(400, seed=11, planted=True) + ODD_ANSWERS)
    Response.objects.filter(id__in=[response.id for response in responses[:25]]).update(status=Response.Status.PARTIAL)
    return survey


def _weigh(survey) -> WeightingRun:
    """A weighting run with varied weights, some 0 and some responses left without one."""
    run = WeightingRun.objects.create(survey=survey, status=WeightingRun.Status.SUCCEEDED, finished_at=timezone.now())
    rng = np.random.default_rng(5)
    ids = list(Response.objects.filter(survey=survey).order_by("id").values_list("id", flat=True))
    ResponseWeight.objects.bulk_create(
        [
            ResponseWeight(run=run, response_id=response_id, weight=0.0 if i % 37 == 0 else float(rng.uniform(0.3, 3)))
            for i, response_id in enumerate(ids)
            if i % 11 != 0
        ]
    )
    return run


def _streamed(survey, request, *, memory=export.CROSSTAB_MEMORY, chunk_size=64):
    spec, questions = export.check_request(survey=survey, request=request)
    analysis = export.StreamedAnalysis(questions, weighted=request.weighted, memory=memory)
    run = WeightingRun.objects.filter(survey=survey).first() if request.weighted else None
    records = export.iter_records(
        survey=survey, spec=spec, request=request, weight_run=run, store=analysis.store, chunk_size=chunk_size
    )
    count = sum(1 for _ in records)
    summary = export.summary_tables(analysis.summaries(), weighted=request.weighted, language=request.language)
    return count, summary, analysis.crosstabs(request.language)


def _in_memory(survey, request):
    results = analysis_results.get_results(survey=survey, filters=request.result_filters())
    summary = export.summary_tables(results.summaries, weighted=request.weighted, language=request.language)
    weights = None
    if request.weighted:
        from analysis import selectors

        weights = selectors.get_active_weights(survey=survey)
    crosstabs = export.crosstab_tables(
        survey=survey, questions=results.questions, request=request, weights_by_id=weights
    )
    return results.response_count, summary, crosstabs


def _assert_same_crosstabs(streamed, in_memory):
    assert len(streamed) == len(in_memory) > 0
    for mine, reference in zip(streamed, in_memory, strict=True):
        assert (mine.question_key, mine.segment_key, mine.test) == (
            reference.question_key,
            reference.segment_key,
            reference.test,
        )
        assert mine.row_labels == reference.row_labels and mine.column_labels == reference.column_labels
        assert mine.column_bases == reference.column_bases
        assert [[(c.count, c.mark) for c in row] for row in mine.cells] == [
            [(c.count, c.mark) for c in row] for row in reference.cells
        ]
        assert [c.share for row in mine.cells for c in row] == pytest.approx(
            [c.share for row in reference.cells for c in row], rel=1e-12, abs=1e-15
        )
        # the engine pads each call's tables to its widest variable: sums may differ in the last bit
        if reference.statistic is None:
            assert mine.statistic is None and mine.p_value is None
        else:
            assert mine.statistic == pytest.approx(reference.statistic, rel=1e-9)
            assert mine.p_value == pytest.approx(reference.p_value, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"completed_only": True},
        {"segment_key": "area", "segment_values": ("urban",)},
    ],
)
def test_streamed_summary_and_crosstabs_equal_the_in_memory_ones(survey, fields):
    request = export.ExportRequest(language="en", **fields)
    count, summary, crosstabs = _streamed(survey, request, memory=1)  # one question × segment per engine call
    reference_count, reference_summary, reference_crosstabs = _in_memory(survey, request)
    assert count == reference_count
    assert summary == reference_summary
    _assert_same_crosstabs(crosstabs, reference_crosstabs)
    assert any(label.endswith(("▲", "▼")) for table in crosstabs for label in table.column_labels)
    _count, _summary, one_call = _streamed(survey, request)  # everything in one engine call
    _assert_same_crosstabs(one_call, reference_crosstabs)


def test_streamed_weighted_summary_and_crosstabs_equal_the_in_memory_ones(survey):
    _weigh(survey)
    request = export.ExportRequest(language="en", weighted=True)
    _count, summary, crosstabs = _streamed(survey, request, memory=1)
    _reference_count, reference_summary, reference_crosstabs = _in_memory(survey, request)
    assert len(summary) == len(reference_summary) > 0
    for mine, reference in zip(summary, reference_summary, strict=True):
        assert (mine.question_key, mine.base, mine.is_weighted) == (reference.question_key, reference.base, True)
        assert [(row.label, row.count) for row in mine.rows] == [(row.label, row.count) for row in reference.rows]
        assert [row.share for row in mine.rows] == pytest.approx([row.share for row in reference.rows], rel=1e-12)
        assert mine.effective_base == pytest.approx(reference.effective_base, rel=1e-12)
    _assert_same_crosstabs(crosstabs, reference_crosstabs)


def test_workbook_summary_and_crosstabs_sheets_come_first_and_hold_the_in_memory_values(survey):
    request = export.ExportRequest(language="en")
    output = io.BytesIO()
    export.export_survey(survey=survey, request=request, output=output)
    book = openpyxl.load_workbook(io.BytesIO(output.getvalue()))
    assert book.sheetnames[:2] == ["Summary", "Crosstabs"]
    assert book.sheetnames[-2:] == ["Responses", "Codebook"]
    _count, reference_summary, reference_crosstabs = _in_memory(survey, request)
    summary_rows = list(book["Summary"].iter_rows(values_only=True))
    for table in reference_summary:
        for row in table.rows:
            assert (row.label, row.count, pytest.approx(row.share)) in [tuple(r[:3]) for r in summary_rows]
    marks = [cell for row in book["Crosstabs"].iter_rows(values_only=True) for cell in row if cell in ("▲", "▼")]
    expected = [cell.mark for table in reference_crosstabs for row in table.cells for cell in row if cell.mark]
    assert sorted(marks) == sorted(expected)


def test_no_responses_give_empty_summaries_and_no_crosstabs_like_in_memory(db):
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="W", owner=owner)
    survey = create_insight_survey(workspace, owner)
    request = export.ExportRequest(language="en")
    count, summary, crosstabs = _streamed(survey, request)
    assert (count, crosstabs) == (0, [])
    assert summary == _in_memory(survey, request)[1]
