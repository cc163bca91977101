"""Designing a questionnaire through the API: payload shapes, statuses and refusals."""

import pytest
from django.urls import reverse

from surveys.models import Question, Survey, SurveyVersion

pytestmark = pytest.mark.django_db

SURVEY_KEYS = {
    "slug",
    "workspace",
    "title",
    "description",
    "status",
    "languages",
    "default_language",
    "target_population",
    "target_margin_of_error",
    "target_confidence_level",
    "target_response_rate",
    "target_sample_size",
    "latest_version",
    "has_unpublished_changes",
    "created_at",
    "updated_at",
}
QUESTION_KEYS = {
    "id",
    "page",
    "key",
    "position",
    "type",
    "text",
    "help_text",
    "required",
    "min_value",
    "max_value",
    "allow_not_applicable",
    "randomize_choices",
    "role",
    "logic",
    "choices",
    "rows",
}
CHOICE_KEYS = {"id", "question", "kind", "position", "value", "label", "is_exclusive", "is_other"}


def url(name: str, **kwargs) -> str:
    return reverse(f"surveys:{name}", kwargs=kwargs)


def test_creating_a_survey_returns_the_draft_with_planner_and_version_fields(world, owner_client):
    response = owner_client.post(
        url("survey-list"),
        {"workspace": world.workspace.slug, "title": {"vi": "Khảo sát giá", "en": "Price survey"}},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == SURVEY_KEYS
    assert body["status"] == "draft"
    assert body["workspace"] == world.workspace.slug
    assert body["title"] == {"vi": "Khảo sát giá", "en": "Price survey"}
    assert (body["latest_version"], body["has_unpublished_changes"]) == (None, True)


def test_planner_targets_are_saved_and_returned(world, owner_client):
    response = owner_client.patch(
        url("survey-detail", slug=world.survey.slug),
        {"target_population": 1200, "target_margin_of_error": 0.05, "target_confidence_level": 0.95},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["target_population"], body["target_margin_of_error"], body["target_confidence_level"]) == (
        1200,
        0.05,
        0.95,
    )


def test_a_margin_of_error_outside_zero_and_one_is_refused_and_nothing_changes(world, owner_client):
    response = owner_client.patch(
        url("survey-detail", slug=world.survey.slug),
        {"title": {"vi": "Đổi tên"}, "target_margin_of_error": 1},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"target_margin_of_error"}
    world.survey.refresh_from_db()
    assert (world.survey.title, world.survey.target_margin_of_error) == ({"vi": "Khảo sát khách hàng"}, None)


def test_a_question_with_options_and_logic_shows_in_the_questionnaire_preview(world, owner_client):
    page = owner_client.post(url("page-list", slug=world.survey.slug), {"title": {"vi": "Chi tiết"}}, format="json")
    assert page.status_code == 201
    assert set(page.json()) == {"id", "key", "position", "title", "logic", "randomize_questions"}
    created = owner_client.post(
        url("question-list", slug=world.survey.slug),
        {
            "page": page.json()["id"],
            "type": "multiple_choice",
            "text": {"vi": "Vì sao bạn không hài lòng?", "en": "Why not satisfied?"},
            "role": "kpi:satisfaction",
            "choices": [
                {"value": "price", "label": {"vi": "Giá"}},
                {"value": "none", "label": {"vi": "Không lý do nào"}, "is_exclusive": True},
            ],
            "logic": {"match": "all", "conditions": [{"question": "q1", "operator": "equals", "value": "b"}]},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    question = created.json()
    assert set(question) == QUESTION_KEYS
    assert (question["key"], question["role"], question["rows"]) == ("q3", "kpi:satisfaction", [])
    assert [choice["value"] for choice in question["choices"]] == ["price", "none"]
    assert set(question["choices"][0]) == CHOICE_KEYS

    preview = owner_client.get(url("survey-questionnaire", slug=world.survey.slug))
    assert preview.status_code == 200
    spec = preview.json()
    assert set(spec) == {"title", "description", "languages", "default_language", "pages"}
    assert [page["key"] for page in spec["pages"]] == ["p1", "p2", "p3"]
    assert spec["pages"][2]["questions"][0]["logic"] == {
        "match": "all",
        "conditions": [{"question": "q1", "operator": "equals", "value": "b"}],
    }


def test_logic_on_a_later_question_is_refused_with_the_path_and_nothing_changes(world, owner_client):
    response = owner_client.patch(
        url("question-detail", question_id=world.question.id),
        {"text": {"vi": "Đã đổi"}, "logic": {"conditions": [{"question": "q2", "operator": "answered"}]}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "questionnaire_invalid"
    assert list(error["fields"]) == ["questions.q1.logic.conditions.0"]
    world.question.refresh_from_db()
    assert (world.question.logic, world.question.text["vi"]) == (None, "Bạn có hài lòng không?")


def test_logic_without_conditions_is_refused_on_the_logic_field(world, owner_client):
    response = owner_client.patch(
        url("page-detail", page_id=world.spare_page.id), {"logic": {"match": "all", "conditions": []}}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["logic"]


@pytest.mark.parametrize(
    ("logic", "vietnamese", "english"),
    [
        ({"match": "all", "conditions": []}, "danh sách điều kiện", "“conditions” must be a non-empty list"),
        ({"match": "most", "conditions": [{"question": "q1"}]}, "“match”", "“match” must be “all” or “any”"),
        ({"conditions": [{"question": "q1", "operator": "near"}]}, "“near”", "unknown operator “near”"),
    ],
)
def test_why_display_logic_is_refused_is_said_in_the_interface_language(
    world, owner_client, logic, vietnamese, english
):
    path = url("page-detail", page_id=world.spare_page.id)
    message_vi = owner_client.patch(path, {"logic": logic}, format="json").json()["error"]["message"]
    message_en = owner_client.patch(path, {"logic": logic}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert message_vi.startswith("Logic hiển thị không hợp lệ") and vietnamese in message_vi
    assert message_en["error"]["message"] == f"Invalid display logic: {english}."
    world.spare_page.refresh_from_db()
    assert world.spare_page.logic is None


def test_an_unknown_question_type_is_refused_on_the_type_field(world, owner_client):
    response = owner_client.post(
        url("question-list", slug=world.survey.slug), {"page": world.page.id, "type": "essay"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["type"]


def test_a_question_cannot_be_added_to_another_surveys_page(world, owner_client):
    other_page = world.published.pages.get()
    response = owner_client.post(
        url("question-list", slug=world.survey.slug),
        {"page": other_page.id, "type": "short_text", "text": {"vi": "Lạc chỗ"}},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page"]
    assert Question.objects.filter(page=other_page).count() == 2


def test_a_body_that_is_not_json_gets_the_error_format(world, owner_client):
    response = owner_client.post(url("page-list", slug=world.survey.slug), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_moving_a_question_to_another_page_puts_it_at_the_position(world, owner_client):
    response = owner_client.post(
        url("question-move", question_id=world.spare_question.id),
        {"page": world.spare_page.id, "position": 0},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["page"], response.json()["position"]) == (world.spare_page.id, 0)


def test_moving_a_question_above_the_one_its_logic_tests_is_refused(world, owner_client):
    owner_client.patch(
        url("question-detail", question_id=world.spare_question.id),
        {"logic": {"conditions": [{"question": "q1", "operator": "any_of", "value": ["a"]}]}},
        format="json",
    )
    response = owner_client.post(
        url("question-move", question_id=world.spare_question.id), {"position": 0}, format="json"
    )
    assert response.status_code == 400
    assert list(world.page.questions.order_by("position").values_list("key", flat=True)) == ["q1", "q2"]


def test_matrix_rows_are_added_and_listed_apart_from_options(world, owner_client):
    question = owner_client.post(
        url("question-list", slug=world.survey.slug),
        {
            "page": world.page.id,
            "type": "matrix",
            "text": {"vi": "Đánh giá"},
            "choices": [{"value": "1", "label": {"vi": "Tệ"}}, {"value": "2", "label": {"vi": "Tốt"}}],
        },
        format="json",
    ).json()
    row = owner_client.post(
        url("choice-list", question_id=question["id"]),
        {"kind": "row", "value": "service", "label": {"vi": "Phục vụ"}},
        format="json",
    )
    assert row.status_code == 201
    assert set(row.json()) == CHOICE_KEYS
    rows = owner_client.get(url("choice-list", question_id=question["id"]), {"kind": "row"}).json()["results"]
    assert [(choice["kind"], choice["value"]) for choice in rows] == [("row", "service")]


def test_a_duplicate_option_code_conflicts(world, owner_client):
    response = owner_client.post(
        url("choice-list", question_id=world.question.id), {"value": "a", "label": {"vi": "Lặp"}}, format="json"
    )
    assert response.status_code == 409
    assert list(response.json()["error"]["fields"]) == ["value"]


def test_publishing_then_editing_gives_versions_with_snapshots_and_a_diff(world, owner_client):
    slug = world.survey.slug
    first = owner_client.post(url("survey-publish", slug=slug), {}, format="json")
    assert first.status_code == 201
    assert set(first.json()) == {"number", "published_at", "published_by", "lint_override_reason"}
    assert (first.json()["number"], first.json()["published_by"]) == (1, world.founder.email)

    owner_client.patch(url("question-detail", question_id=world.question.id), {"required": True}, format="json")
    owner_client.delete(url("question-detail", question_id=world.spare_question.id))
    survey = owner_client.get(url("survey-detail", slug=slug)).json()
    assert (survey["status"], survey["latest_version"], survey["has_unpublished_changes"]) == ("open", 1, True)

    second = owner_client.post(url("survey-publish", slug=slug), {"override_reason": "Đã duyệt"}, format="json")
    assert (second.status_code, second.json()["lint_override_reason"]) == (201, "Đã duyệt")

    versions = owner_client.get(url("version-list", slug=slug)).json()
    assert [version["number"] for version in versions["results"]] == [2, 1]
    detail = owner_client.get(url("version-detail", slug=slug, number=1)).json()
    assert [q["key"] for q in detail["snapshot"]["pages"][0]["questions"]] == ["q1", "q2"]

    diff = owner_client.get(url("version-diff", slug=slug), {"from": 1, "to": 2})
    assert diff.status_code == 200
    assert diff.json() == {
        "from_version": 1,
        "to_version": 2,
        "is_empty": False,
        "survey_fields": [],
        "questions": [
            {"key": "q1", "kind": "changed", "fields": [{"field": "required", "before": False, "after": True}]},
            {"key": "q2", "kind": "removed", "fields": []},
        ],
    }


def test_publishing_without_changes_conflicts_and_adds_no_version(world, owner_client):
    owner_client.post(url("survey-publish", slug=world.published.slug), {}, format="json")
    response = owner_client.post(url("survey-publish", slug=world.published.slug), {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_publish"
    assert SurveyVersion.objects.filter(survey=world.published).count() == 2


def test_a_survey_without_questions_cannot_be_published(world, owner_client):
    survey = owner_client.post(
        url("survey-list"), {"workspace": world.workspace.slug, "title": {"vi": "Trống"}}, format="json"
    ).json()
    response = owner_client.post(url("survey-publish", slug=survey["slug"]), {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_publishable"
    assert "pages" in response.json()["error"]["fields"]


def test_a_diff_needs_both_version_numbers(world, owner_client):
    response = owner_client.get(url("version-diff", slug=world.published.slug), {"from": 1})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["to"]


def test_a_diff_with_an_unknown_version_is_not_found(world, owner_client):
    response = owner_client.get(url("version-diff", slug=world.published.slug), {"from": 1, "to": 9})
    assert response.status_code == 404


def test_a_published_survey_cannot_be_deleted(world, owner_client):
    response = owner_client.delete(url("survey-detail", slug=world.published.slug))
    assert response.status_code == 409
    assert Survey.objects.filter(id=world.published.id).exists()


def test_close_reopen_and_archive_move_the_status(world, owner_client):
    slug = world.published.slug
    statuses = [
        owner_client.post(url(f"survey-{action}", slug=slug)).json()["status"]
        for action in ("close", "reopen", "archive")
    ]
    assert statuses == ["closed", "open", "archived"]


def test_reopening_a_survey_that_is_not_closed_conflicts(world, owner_client):
    response = owner_client.post(url("survey-reopen", slug=world.survey.slug))
    assert response.status_code == 409
