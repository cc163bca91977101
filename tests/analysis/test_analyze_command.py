"""``manage.py analyze SLUG --json``: the full analysis, run now, printed with its warnings."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analysis.models import Insight
from surveys import services as survey_services
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "kind",
    "question",
    "segment_variable",
    "segment",
    "direction",
    "statement_vi",
    "statement_en",
    "evidence",
    "criteria",
    "status",
}


@pytest.fixture
def survey():
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    return create_insight_survey(workspace, owner)


def analyze(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("analyze", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_lists_the_candidates_with_their_evidence_and_the_warnings(survey):
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    out, _ = analyze(survey.slug, "--json")
    document = json.loads(out)
    assert document["responses"] == 400 and document["weighted"] is False
    assert any("theme concentrations were skipped" in w for w in document["warnings"])
    candidates = document["candidates"]
    assert candidates and all(set(c) >= FIELDS for c in candidates)
    young = next(c for c in candidates if c["fingerprint"] == "segment:aspects.delivery_speed:mean:age_band:0")
    assert young["segment_variable"] == "age_band" and young["direction"] == "lower"
    assert young["status"] == "candidate" and young["evidence"]["q_value"] < 0.05
    assert young["criteria"]["validated"]["value"] is True
    assert young["id"] == Insight.objects.get(fingerprint=young["fingerprint"]).id
    assert [c["rank"] for c in candidates] == sorted(c["rank"] for c in candidates)


def test_text_output_and_settings(survey):
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    out, err = analyze(survey.slug, "--min-effect", "0.5", "--alpha", "0.01")
    assert "candidate insights from 400 responses (unweighted)" in out
    assert "Respondents with age “18–24” rate “Delivery speed” lower" in out
    assert "Warning:" in err
    assert all(abs(i.evidence["effect_size"]) >= 0.5 for i in Insight.objects.filter(kind="segment_difference"))


def test_too_few_answers_says_so(survey):
    add_responses(survey, synthetic_answers(30, seed=1, planted=True))
    document = json.loads(analyze(survey.slug, "--json")[0])
    assert not [c for c in document["candidates"] if c["kind"] == "segment_difference"]
    assert any("Only 30 finished responses" in w for w in document["warnings"])


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("no-such-survey",), "No survey has the slug"),
        (("{slug}", "--alpha", "7"), "alpha"),
        (("{slug}", "--min-group-n", "abc"), "min_group_n"),
    ],
)
def test_bad_input_is_an_error_and_stores_nothing(survey, args, text):
    args = tuple(a.format(slug=survey.slug) for a in args)
    with pytest.raises(CommandError, match=text):
        analyze(*args)
    assert not Insight.objects.exists() and not survey.analysis_runs.exists()
