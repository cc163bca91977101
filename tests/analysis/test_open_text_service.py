"""Open-text service: first run, incremental runs, analyst edits that survive, overrides, permissions."""

import pytest

from analysis import services_open_text as services
from analysis.models import AnswerAnalysis, OpenTextCodebook, OpenTextRun, SentimentOverride, ThemeAssignment
from surveys.core.roles import Capability, Role
from surveys.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.analysis.open_text_world import build_open_text_world, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_open_text_world()


def _run(world, **kwargs) -> OpenTextRun:
    run = services.start_open_text_run(survey=world.survey, question_key="improve", **kwargs)
    return services.run_open_text_analysis(run_id=run.id)  # the task's work (on_commit does not fire here)


def _themes(world) -> dict[str, services.ThemeView]:
    question = services.get_open_question(survey=world.survey, question_key="improve")
    return {t.id: t for t in services.get_theme_overview(survey=world.survey, question=question).themes}


def _theme_with(world, word: str) -> services.ThemeView:
    """The discovered theme whose keywords mention ``word`` (themes get ids, not fixed names)."""
    for theme in _themes(world).values():
        if any(word in k for words in theme.keywords.values() for k in words):
            return theme
    raise AssertionError(f"no theme about {word}: {[t.keywords for t in _themes(world).values()]}")


def test_first_run_discovers_themes_and_stores_every_answer(world, django_capture_on_commit_callbacks):
    responses = world.add(synthetic_answers(120))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_open_text_run(survey=world.survey, question_key="improve", created_by=world.owner)
    run.refresh_from_db()
    assert run.status == OpenTextRun.Status.SUCCEEDED, run.error_message
    assert run.mode == OpenTextRun.Mode.DISCOVER
    assert run.progress == 100 and run.counts["answers"] == 120 and run.counts["processed"] == 120
    assert AnswerAnalysis.objects.filter(survey=world.survey).count() == 120
    non_answer = AnswerAnalysis.objects.get(response=responses[0])  # "không có" / "n/a" / "."
    assert non_answer.is_non_answer and non_answer.themes == []
    themes = _themes(world)
    assert len(themes) >= 3 and "other" in themes
    delivery = _theme_with(world, "giao")
    assert delivery.n_answers >= 20
    assert len(delivery.quotes) == 3
    assert delivery.sentiment.get("negative", 0) > delivery.sentiment.get("positive", 0)
    assert OpenTextCodebook.objects.get(survey=world.survey).version == 1


def test_incremental_run_processes_only_new_answers_and_keeps_the_codebook(world):
    world.add(synthetic_answers(100))
    _run(world)
    before = OpenTextCodebook.objects.get(survey=world.survey).data
    first_ids = set(AnswerAnalysis.objects.values_list("id", flat=True))
    new = world.add([{"area": "rural", "nps": 3, "improve": "giao hàng chậm quá, chờ 10 ngày"}] * 3)
    world.add([{"area": "rural", "nps": 3, "improve": ""}, {"area": "rural", "nps": 3}])  # not answers
    question = services.get_open_question(survey=world.survey, question_key="improve")
    assert services.get_theme_overview(survey=world.survey, question=question).n_pending == 3
    run = _run(world)
    assert run.mode == OpenTextRun.Mode.INCREMENTAL and run.status == OpenTextRun.Status.SUCCEEDED
    # new answers plus those still in "Other" are processed; the others keep their rows
    in_other = run.counts["processed"] - 3
    assert 3 <= run.counts["processed"] < 100
    kept = set(AnswerAnalysis.objects.filter(id__in=first_ids).values_list("id", flat=True))
    assert len(kept) >= 100 - in_other
    delivery = _theme_with(world, "giao")
    for response in new:
        assert AnswerAnalysis.objects.get(response=response).themes[0] == delivery.id
    after = OpenTextCodebook.objects.get(survey=world.survey).data
    assert [t["id"] for t in after["themes"]][: len(before["themes"])] == [t["id"] for t in before["themes"]]


def test_edits_survive_a_rerun_and_new_answers(world):
    world.add(synthetic_answers(100))
    _run(world)
    delivery = _theme_with(world, "giao")
    services.edit_codebook(
        survey=world.survey,
        question_key="improve",
        edit={"op": "rename", "theme": delivery.id, "label": "Giao hàng"},
        edited_by=world.owner,
    )
    price = _theme_with(world, "gia")
    services.edit_codebook(
        survey=world.survey, question_key="improve", edit={"op": "add_rule", "theme": price.id, "rule": "phí ship"}
    )
    services.edit_codebook(
        survey=world.survey,
        question_key="improve",
        edit={"op": "pin", "theme": delivery.id, "text": "Giao hàng chậm quá, đợi cả tuần mới nhận được"},
    )
    world.add([{"area": "urban", "nps": 8, "improve": "giao hang lau qua"}])
    _run(world)
    themes = _themes(world)
    assert themes[delivery.id].label == "Giao hàng"
    assert "phi ship" in themes[price.id].rules
    assert themes[delivery.id].quotes[0] == "Giao hàng chậm quá, đợi cả tuần mới nhận được"
    assert services.get_latest_run(survey=world.survey, question_key="improve").mode == OpenTextRun.Mode.INCREMENTAL


def test_delete_and_merge_reassign_every_answer(world):
    world.add(synthetic_answers(100))
    _run(world)
    ids = [t.id for t in _themes(world).values() if not t.is_other]
    victim = ids[-1]
    n_victim = _themes(world)[victim].n_answers
    services.edit_codebook(survey=world.survey, question_key="improve", edit={"op": "delete", "theme": victim})
    assert victim not in _themes(world)
    assert not ThemeAssignment.objects.filter(survey=world.survey, theme_id=victim).exists()
    assert n_victim > 0
    a, b = ids[0], ids[1]
    n_a, n_b = _themes(world)[a].n_answers, _themes(world)[b].n_answers
    services.edit_codebook(survey=world.survey, question_key="improve", edit={"op": "merge", "themes": [a, b]})
    merged = _themes(world)
    assert b not in merged and merged[a].n_answers >= max(n_a, n_b)


def test_bad_edit_changes_nothing(world):
    world.add(synthetic_answers(60))
    _run(world)
    before = OpenTextCodebook.objects.get(survey=world.survey)
    with pytest.raises(InvalidInput):
        services.edit_codebook(survey=world.survey, question_key="improve", edit={"op": "rename", "theme": "T99"})
    with pytest.raises(InvalidInput):
        services.edit_codebook(survey=world.survey, question_key="improve", edit={"op": "explode"})
    after = OpenTextCodebook.objects.get(survey=world.survey)
    assert after.version == before.version and after.data == before.data


def test_sentiment_override_is_used_now_and_in_later_runs(world):
    responses = world.add(synthetic_answers(60))
    _run(world)
    target = next(r for r in responses if "chậm quá" in r.answers["improve"])
    assert AnswerAnalysis.objects.get(response=target).sentiment == "negative"
    services.set_sentiment_override(
        survey=world.survey, question_key="improve", response_id=target.id, label="positive", by=world.owner
    )
    answer = AnswerAnalysis.objects.get(response=target)
    assert (answer.sentiment, answer.sentiment_source) == ("positive", "analyst") and answer.score > 0
    assert set(ThemeAssignment.objects.filter(response=target).values_list("sentiment", flat=True)) == {"positive"}
    _run(world, rediscover=True)
    assert AnswerAnalysis.objects.get(response=target).sentiment == "positive"
    assert SentimentOverride.objects.get(response=target).created_by == world.owner
    services.clear_sentiment_override(survey=world.survey, question_key="improve", response_id=target.id)
    assert AnswerAnalysis.objects.get(response=target).sentiment == "negative"
    with pytest.raises(InvalidInput):
        services.set_sentiment_override(
            survey=world.survey, question_key="improve", response_id=target.id, label="angry"
        )


def test_run_refusals(world):
    run = _run(world)
    assert run.status == OpenTextRun.Status.FAILED
    assert "No finished response" in run.error_message
    with pytest.raises(NotFound):
        services.start_open_text_run(survey=world.survey, question_key="area")
    with pytest.raises(InvalidInput):
        services.start_open_text_run(survey=world.survey, question_key="improve", themes=99)
    OpenTextRun.objects.create(survey=world.survey, question_key="improve", status=OpenTextRun.Status.RUNNING)
    with pytest.raises(Conflict):
        services.start_open_text_run(survey=world.survey, question_key="improve")
    with pytest.raises(Conflict):
        services.edit_codebook(survey=world.survey, question_key="improve", edit={"op": "delete", "theme": "T1"})


def test_theme_by_segment_finds_rural_delivery_complaints(world):
    world.add(synthetic_answers(240))
    _run(world)
    delivery = _theme_with(world, "giao")
    comparisons = {c.variable.key: c for c in services.compare_segments(survey=world.survey, question_key="improve")}
    assert set(comparisons) == {"area", "nps"}
    cells = {(c.theme_id, c.segment): c for c in comparisons["area"].table.cells}
    rural = cells[(delivery.id, "rural")]
    assert rural.is_tested and rural.is_significant and rural.lift > 1.5
    assert comparisons["area"].table.family_size == len([c for c in comparisons["area"].table.cells if c.is_tested])
    assert all(c.theme_id != "other" for c in comparisons["area"].table.cells)
    assert {c.segment for c in comparisons["nps"].table.cells} <= {"promoter", "passive", "detractor"}
    strict = services.compare_segments(survey=world.survey, question_key="improve", min_n=500)
    assert all(not c.is_tested for comp in strict for c in comp.table.cells)


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        (Role.VIEWER, Capability.VIEW, True),
        (Role.VIEWER, Capability.ANALYSE, False),
        (Role.ANALYST, Capability.ANALYSE, True),
    ],
)
def test_permissions(world, role, capability, allowed):
    user = UserFactory()
    MembershipFactory(workspace=world.survey.workspace, user=user, role=role)
    call = lambda: services.get_open_question_for_user(  # noqa: E731
        slug=world.survey.slug, question_key="improve", user=user, capability=capability
    )
    if allowed:
        assert call()[1].key == "improve"
    else:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(NotFound):
        services.get_open_question_for_user(slug=world.survey.slug, question_key="improve", user=UserFactory())


@pytest.mark.worker
def test_open_text_run_goes_through_the_worker():
    import time

    world = build_open_text_world()
    world.add(synthetic_answers(60))
    run = services.start_open_text_run(survey=world.survey, question_key="improve")  # committed: task sent
    deadline = time.monotonic() + 60
    while True:
        run.refresh_from_db()
        if run.is_finished or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run.status == OpenTextRun.Status.SUCCEEDED, run.error_message
    assert AnswerAnalysis.objects.filter(survey=world.survey).count() == 60


def test_themes_reach_the_insight_run(world):
    from analysis.services_insights import theme_inputs

    responses = world.add(synthetic_answers(60))
    ids = [r.id for r in responses]
    assert theme_inputs(world.survey, ids)[0] == []
    _run(world)
    (question_key, found), *_ = theme_inputs(world.survey, ids)[0]
    assert question_key == "improve"
    assert found.membership.shape == (60, len(found.themes))
    first = AnswerAnalysis.objects.get(response=responses[1])
    assert found.membership[1].sum() >= 1 and len(first.themes) >= 1
    assert not found.answered[0]  # responses[0] gave a non-answer
    assert found.texts[1] == responses[1].answers["improve"]
