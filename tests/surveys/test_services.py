import pytest

from surveys import selectors, services
from surveys.errors import Conflict, InvalidInput
from surveys.models import Choice, Question, SurveyVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    user = UserFactory()
    workspace = services.create_workspace(name="Cửa hàng", owner=user)
    return services.create_survey(
        workspace=workspace, created_by=user, title={"vi": "Khảo sát"}, languages=["vi", "en"]
    )


def test_create_survey_starts_with_one_page(survey):
    assert [p.key for p in survey.pages.all()] == ["p1"]
    assert survey.status == "draft"


def test_questions_get_sequential_keys_and_contiguous_positions(survey):
    page = survey.pages.get()
    first = services.create_question(page=page, type="short_text", text={"vi": "Tên?"})
    second = services.create_question(page=page, type="long_text", text={"vi": "Góp ý?"}, position=0)
    assert (first.key, second.key) == ("q1", "q2")
    assert list(page.questions.order_by("position").values_list("key", "position")) == [("q2", 0), ("q1", 1)]


def test_logic_on_a_later_question_is_refused_and_nothing_changes(survey):
    page = survey.pages.get()
    q1 = services.create_question(page=page, type="short_text", text={"vi": "A"})
    logic = {"conditions": [{"question": "q2", "operator": "answered"}]}
    with pytest.raises(InvalidInput):
        services.update_question(question=q1, logic=logic)
    q1.refresh_from_db()
    assert q1.logic is None


def test_moving_a_question_above_the_one_its_logic_tests_is_refused(survey):
    page = survey.pages.get()
    services.create_question(page=page, type="nps", text={"vi": "NPS"})
    q2 = services.create_question(
        page=page,
        type="long_text",
        text={"vi": "Vì sao?"},
        logic={"conditions": [{"question": "q1", "operator": "lte", "value": 6}]},
    )
    with pytest.raises(InvalidInput):
        services.move_question(question=q2, position=0)
    assert list(page.questions.order_by("position").values_list("key", flat=True)) == ["q1", "q2"]


def test_deleting_a_choice_that_logic_refers_to_is_refused(survey):
    page = survey.pages.get()
    q1 = services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Giới tính"},
        choices=[{"value": "m", "label": {"vi": "Nam"}}, {"value": "f", "label": {"vi": "Nữ"}}],
    )
    services.create_question(
        page=page,
        type="short_text",
        text={"vi": "X"},
        logic={"conditions": [{"question": "q1", "operator": "equals", "value": "f"}]},
    )
    with pytest.raises(InvalidInput):
        services.delete_choice(choice=q1.choices.get(value="f"))
    assert Choice.objects.filter(question=q1).count() == 2


def test_publish_freezes_a_version_and_opens_the_survey(survey):
    services.create_question(page=survey.pages.get(), type="nps", text={"vi": "NPS"})
    version = services.publish_survey(survey=survey, published_by=None)
    survey.refresh_from_db()
    assert (version.number, survey.status) == (1, "open")
    assert version.snapshot == selectors.get_survey_spec(survey=survey).to_dict()


def test_publish_without_changes_is_a_conflict(survey):
    services.create_question(page=survey.pages.get(), type="nps", text={"vi": "NPS"})
    services.publish_survey(survey=survey, published_by=None)
    with pytest.raises(Conflict):
        services.publish_survey(survey=survey, published_by=None)


def test_editing_an_open_survey_publishes_as_the_next_version(survey):
    question = services.create_question(page=survey.pages.get(), type="nps", text={"vi": "NPS"})
    first = services.publish_survey(survey=survey, published_by=None)
    services.update_question(question=question, text={"vi": "Bạn có giới thiệu không?"})
    second = services.publish_survey(survey=survey, published_by=None)
    assert second.number == 2
    first.refresh_from_db()
    assert first.snapshot["pages"][0]["questions"][0]["text"] == {"vi": "NPS"}


def test_published_versions_cannot_be_changed(survey):
    services.create_question(page=survey.pages.get(), type="nps", text={"vi": "NPS"})
    version = services.publish_survey(survey=survey, published_by=None)
    version.snapshot = {}
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(ValueError):
        SurveyVersion.objects.filter(pk=version.pk).update(snapshot={})
    with pytest.raises(ValueError):
        version.delete()


def test_publish_refuses_an_incomplete_questionnaire(survey):
    services.create_question(page=survey.pages.get(), type="single_choice", text={"vi": "Chọn"})
    with pytest.raises(services.SurveyNotPublishable):
        services.publish_survey(survey=survey, published_by=None)
    assert not SurveyVersion.objects.exists()


def test_last_owner_cannot_leave(survey):
    membership = survey.workspace.memberships.get()
    with pytest.raises(Conflict):
        services.change_member_role(membership=membership, role="viewer")
    assert Question.objects.count() == 0


@pytest.mark.parametrize(
    "operations",
    [
        [("add", 0), ("add", 0), ("add", 5), ("move", 2, 0), ("delete", 1), ("add", 1), ("move", 0, 9)],
        [("add", None), ("add", None), ("add", None), ("delete", 0), ("delete", 0), ("add", 0), ("move", 1, 0)],
    ],
)
def test_positions_stay_contiguous_through_any_sequence_of_edits(survey, operations):
    page = survey.pages.get()
    for operation in operations:
        questions = list(page.questions.order_by("position"))
        if operation[0] == "add":
            services.create_question(page=page, type="short_text", text={"vi": "?"}, position=operation[1])
        elif operation[0] == "delete":
            services.delete_question(question=questions[operation[1]])
        else:
            services.move_question(question=questions[operation[1]], position=operation[2])
        positions = list(page.questions.order_by("position").values_list("position", flat=True))
        assert positions == list(range(len(positions)))


def test_moving_a_question_to_another_page_renumbers_both_pages(survey):
    first = survey.pages.get()
    second = services.create_page(survey=survey, title={"vi": "Trang 2"})
    q1 = services.create_question(page=first, type="short_text", text={"vi": "A"})
    services.create_question(page=first, type="short_text", text={"vi": "B"})
    services.create_question(page=second, type="short_text", text={"vi": "C"})
    services.move_question(question=q1, page=second, position=0)
    assert list(first.questions.values_list("key", "position")) == [("q2", 0)]
    assert list(second.questions.order_by("position").values_list("key", "position")) == [("q1", 0), ("q3", 1)]


def test_duplicate_question_key_is_a_conflict(survey):
    page = survey.pages.get()
    services.create_question(page=page, type="short_text", text={"vi": "A"}, key="age")
    with pytest.raises(Conflict):
        services.create_question(page=page, type="short_text", text={"vi": "B"}, key="age")
    assert page.questions.count() == 1


def test_a_new_rating_question_starts_as_a_five_point_scale(survey):
    question = services.create_question(page=survey.pages.get(), type="rating", text={"vi": "Hài lòng?"})
    assert list(question.choices.values_list("value", flat=True)) == ["1", "2", "3", "4", "5"]


def test_deleting_a_published_survey_is_refused(survey):
    services.create_question(page=survey.pages.get(), type="nps", text={"vi": "NPS"})
    services.publish_survey(survey=survey, published_by=None)
    with pytest.raises(Conflict):
        services.delete_survey(survey=survey)
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_invalid_text_shape_is_refused(survey):
    with pytest.raises(InvalidInput):
        services.create_question(page=survey.pages.get(), type="short_text", text={"fr": "Bonjour"})
    assert Question.objects.count() == 0


def test_changing_type_drops_options_the_new_type_cannot_have(survey):
    question = services.create_question(
        page=survey.pages.get(),
        type="single_choice",
        text={"vi": "Kênh?"},
        choices=[{"value": "web", "label": {"vi": "Web"}}, {"value": "app", "label": {"vi": "App"}}],
    )
    services.update_question(question=question, type="long_text")
    assert question.choices.count() == 0
    services.update_question(question=question, type="rating")
    assert list(question.choices.values_list("value", flat=True)) == ["1", "2", "3", "4", "5"]


def test_changing_type_is_refused_when_later_logic_uses_its_options(survey):
    page = survey.pages.get()
    question = services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Kênh?"},
        choices=[{"value": "web", "label": {"vi": "Web"}}, {"value": "app", "label": {"vi": "App"}}],
    )
    services.create_question(
        page=page,
        type="short_text",
        text={"vi": "X"},
        logic={"conditions": [{"question": question.key, "operator": "equals", "value": "web"}]},
    )
    with pytest.raises(InvalidInput):
        services.update_question(question=question, type="long_text")
    question.refresh_from_db()
    assert (question.type, question.choices.count()) == ("single_choice", 2)
