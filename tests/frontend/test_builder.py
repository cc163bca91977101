import pytest
from django.urls import reverse

from surveys import services
from surveys.models import Choice, Question
from tests.frontend.conftest import HTMX

pytestmark = pytest.mark.django_db


def builder_url(survey):
    return reverse("frontend:survey-builder", kwargs={"slug": survey.slug})


@pytest.fixture
def question(page):
    return services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Bạn là?", "en": "You are?"},
        choices=[{"value": "m", "label": {"vi": "Nam", "en": "Male"}}, {"value": "f", "label": {"vi": "Nữ"}}],
    )


def question_form(question, **overrides):
    data = {
        f"q{question.id}-type": question.type,
        f"q{question.id}-text_vi": question.text.get("vi", ""),
        f"q{question.id}-text_en": question.text.get("en", ""),
        f"q{question.id}-role": "",
    }
    data.update({f"q{question.id}-{name}": value for name, value in overrides.items()})
    return data


def test_builder_shows_pages_questions_options_and_translated_type_names(signed_in, survey, question):
    content = signed_in.get(builder_url(survey)).content.decode()

    assert 'id="builder-pages"' in content
    assert f'id="q-{question.id}"' in content
    assert "Bạn là?" in content
    assert "You are?" in content
    assert "Single choice" in content
    assert "Net Promoter Score (0–10)" in content  # the type picker
    assert 'value="Nam"' in content


def test_add_question_by_plain_post_redirects_to_its_card(signed_in, survey, page):
    response = signed_in.post(reverse("frontend:question-add", kwargs={"page_id": page.id}), {"type": "nps"})

    created = page.questions.get()
    assert created.type == "nps"
    assert response.status_code == 302
    assert response.url == f"{builder_url(survey)}#q-{created.id}"


def test_add_question_by_htmx_returns_the_page_list_partial(signed_in, page):
    response = signed_in.post(reverse("frontend:question-add", kwargs={"page_id": page.id}), {"type": "matrix"}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="builder-pages"')
    assert 'id="survey-status" class="survey-status" hx-swap-oob="true"' in content
    assert page.questions.get().type == "matrix"


def test_unknown_question_type_is_refused_and_nothing_is_added(signed_in, page):
    response = signed_in.post(reverse("frontend:question-add", kwargs={"page_id": page.id}), {"type": "essay"})

    assert response.status_code == 400
    assert "Choose a question type." in response.content.decode()
    assert not page.questions.exists()


def test_edit_question_by_plain_post_saves_text_help_required_and_role(signed_in, survey, question):
    data = question_form(question, text_en="Your gender?", help_vi="Chọn một", required="on", role="demographic:gender")

    response = signed_in.post(reverse("frontend:question-update", kwargs={"question_id": question.id}), data)

    question.refresh_from_db()
    assert response.status_code == 302
    assert response.url == f"{builder_url(survey)}#q-{question.id}"
    assert question.text == {"vi": "Bạn là?", "en": "Your gender?"}
    assert question.help_text == {"vi": "Chọn một"}
    assert question.required is True
    assert (question.role_kind, question.role_variable) == ("demographic", "gender")


def test_edit_question_by_htmx_returns_only_the_card(signed_in, question):
    data = question_form(question, text_vi="Giới tính của bạn?")

    response = signed_in.post(reverse("frontend:question-update", kwargs={"question_id": question.id}), data, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith(f'<article class="card question-card" id="q-{question.id}"')
    assert "<html" not in content
    assert "Saved." in content
    question.refresh_from_db()
    assert question.text["vi"] == "Giới tính của bạn?"


def test_custom_role_needs_a_valid_variable_name(signed_in, question):
    url = reverse("frontend:question-update", kwargs={"question_id": question.id})

    refused = signed_in.post(url, question_form(question, role="kpi:*", role_custom="bad name"), **HTMX)
    accepted = signed_in.post(url, question_form(question, role="kpi:*", role_custom="loyalty"), **HTMX)

    assert refused.status_code == 400
    assert "Name the variable with letters" in refused.content.decode()
    assert accepted.status_code == 200
    question.refresh_from_db()
    assert (question.role_kind, question.role_variable) == ("kpi", "loyalty")


def test_number_limits_that_contradict_are_refused_with_a_visible_error_and_no_change(signed_in, survey, page):
    number = services.create_question(page=page, type="number", text={"vi": "Tuổi?"}, min_value=18)
    data = question_form(number, min_value="65", max_value="18")

    response = signed_in.post(reverse("frontend:question-update", kwargs={"question_id": number.id}), data)

    content = response.content.decode()
    assert response.status_code == 400
    assert "Your change was not saved." in content
    assert "The minimum is larger than the maximum." in content
    assert 'value="65"' in content  # what was typed is shown again
    number.refresh_from_db()
    assert (number.min_value, number.max_value) == (18, None)


def test_changing_a_number_question_into_text_drops_its_limits(signed_in, page):
    number = services.create_question(page=page, type="number", text={"vi": "Tuổi?"}, min_value=18, max_value=99)

    response = signed_in.post(
        reverse("frontend:question-update", kwargs={"question_id": number.id}),
        question_form(number, type="short_text", min_value="18", max_value="99"),
    )

    number.refresh_from_db()
    assert response.status_code == 302
    assert (number.type, number.min_value, number.max_value) == ("short_text", None, None)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_move_question_down_reorders_the_page(signed_in, page, question, headers):
    second = services.create_question(page=page, type="short_text", text={"vi": "Tên?"})

    response = signed_in.post(
        reverse("frontend:question-move", kwargs={"question_id": question.id}), {"direction": "down"}, **headers
    )

    assert response.status_code == (200 if headers else 302)
    assert list(page.questions.order_by("position").values_list("key", flat=True)) == [second.key, question.key]


def test_moving_a_question_above_the_one_its_logic_tests_is_refused(signed_in, page, question):
    follow_up = services.create_question(
        page=page,
        type="short_text",
        text={"vi": "Vì sao?"},
        logic={"conditions": [{"question": question.key, "operator": "answered"}]},
    )

    response = signed_in.post(
        reverse("frontend:question-move", kwargs={"question_id": follow_up.id}), {"direction": "up"}, **HTMX
    )

    assert response.status_code == 400
    assert "Display logic may only test an earlier question" in response.content.decode()
    assert list(page.questions.order_by("position").values_list("key", flat=True)) == [question.key, follow_up.key]


def test_move_question_to_another_page(signed_in, survey, question):
    second_page = services.create_page(survey=survey)

    response = signed_in.post(
        reverse("frontend:question-move-page", kwargs={"question_id": question.id}), {"page": second_page.id}
    )

    question.refresh_from_db()
    assert response.status_code == 302
    assert question.page_id == second_page.id


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_delete_question(signed_in, question, headers):
    response = signed_in.post(reverse("frontend:question-delete", kwargs={"question_id": question.id}), **headers)

    assert response.status_code == (200 if headers else 302)
    assert not Question.objects.filter(id=question.id).exists()


def test_deleting_a_question_that_later_logic_tests_is_refused(signed_in, page, question):
    services.create_question(
        page=page,
        type="short_text",
        text={"vi": "Vì sao?"},
        logic={"conditions": [{"question": question.key, "operator": "equals", "value": "f"}]},
    )

    response = signed_in.post(reverse("frontend:question-delete", kwargs={"question_id": question.id}))

    assert response.status_code == 400
    assert "Your change was not saved." in response.content.decode()
    assert Question.objects.filter(id=question.id).exists()


# --- options and matrix rows ---------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_add_option_with_labels_in_each_language(signed_in, question, headers):
    prefix = f"no{question.id}"

    response = signed_in.post(
        reverse("frontend:choice-add", kwargs={"question_id": question.id}),
        {"kind": "option", f"{prefix}-label_vi": "Khác", f"{prefix}-label_en": "Other", f"{prefix}-is_other": "on"},
        **headers,
    )

    added = question.choices.get(position=2)
    assert response.status_code == (200 if headers else 302)
    assert (added.value, added.label, added.is_other) == ("1", {"vi": "Khác", "en": "Other"}, True)
    if headers:
        assert (
            response.content.decode().lstrip().startswith(f'<article class="card question-card" id="q-{question.id}"')
        )


def test_add_matrix_row(signed_in, page):
    matrix = services.create_question(page=page, type="matrix", text={"vi": "Đánh giá"})

    signed_in.post(
        reverse("frontend:choice-add", kwargs={"question_id": matrix.id}),
        {"kind": "row", f"nr{matrix.id}-label_vi": "Giá", f"nr{matrix.id}-value": "price"},
    )

    assert list(matrix.choices.filter(kind=Choice.Kind.ROW).values_list("value", "label")) == [("price", {"vi": "Giá"})]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_edit_option_label_code_and_exclusive_flag(signed_in, question, headers):
    choice = question.choices.get(value="f")
    prefix = f"c{choice.id}"

    response = signed_in.post(
        reverse("frontend:choice-update", kwargs={"choice_id": choice.id}),
        {f"{prefix}-label_vi": "Nữ", f"{prefix}-label_en": "Female", f"{prefix}-value": "female"},
        **headers,
    )

    choice.refresh_from_db()
    assert response.status_code == (200 if headers else 302)
    assert (choice.value, choice.label) == ("female", {"vi": "Nữ", "en": "Female"})


def test_a_code_used_twice_is_refused_with_409_and_nothing_changes(signed_in, question):
    choice = question.choices.get(value="f")

    response = signed_in.post(
        reverse("frontend:choice-update", kwargs={"choice_id": choice.id}),
        {f"c{choice.id}-label_vi": "Nữ", f"c{choice.id}-value": "m"},
        **HTMX,
    )

    assert response.status_code == 409
    assert "Code “m” is already used in this question." in response.content.decode()
    choice.refresh_from_db()
    assert choice.value == "f"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_reorder_options(signed_in, question, headers):
    first = question.choices.get(value="m")

    signed_in.post(reverse("frontend:choice-move", kwargs={"choice_id": first.id}), {"direction": "down"}, **headers)

    assert list(question.choices.order_by("position").values_list("value", flat=True)) == ["f", "m"]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_delete_option(signed_in, question, headers):
    choice = question.choices.get(value="m")

    response = signed_in.post(reverse("frontend:choice-delete", kwargs={"choice_id": choice.id}), **headers)

    assert response.status_code == (200 if headers else 302)
    assert list(question.choices.values_list("value", flat=True)) == ["f"]


# --- pages ---------------------------------------------------------------------------------


def test_add_rename_and_reorder_pages(signed_in, survey, page):
    signed_in.post(reverse("frontend:page-add", kwargs={"slug": survey.slug}))
    second = survey.pages.get(position=1)

    signed_in.post(
        reverse("frontend:page-update", kwargs={"page_id": second.id}),
        {f"p{second.id}-title_vi": "Thông tin", f"p{second.id}-title_en": "About you"},
    )
    signed_in.post(reverse("frontend:page-move", kwargs={"page_id": second.id}), {"direction": "up"}, **HTMX)

    second.refresh_from_db()
    assert second.title == {"vi": "Thông tin", "en": "About you"}
    assert list(survey.pages.order_by("position").values_list("id", flat=True)) == [second.id, page.id]


def test_the_last_page_cannot_be_deleted(signed_in, survey, page):
    response = signed_in.post(reverse("frontend:page-delete", kwargs={"page_id": page.id}))

    assert response.status_code == 409
    assert "A survey keeps at least one page." in response.content.decode()
    assert survey.pages.count() == 1


def test_survey_settings_change_title_and_languages(signed_in, survey):
    response = signed_in.post(
        reverse("frontend:survey-settings", kwargs={"slug": survey.slug}),
        {"title_vi": "Khảo sát mới", "title_en": "", "languages": ["vi"], "default_language": "vi"},
    )

    survey.refresh_from_db()
    assert response.status_code == 302
    assert (survey.title, survey.languages) == ({"vi": "Khảo sát mới"}, ["vi"])


def test_survey_settings_refuse_a_default_language_outside_the_languages(signed_in, survey):
    response = signed_in.post(
        reverse("frontend:survey-settings", kwargs={"slug": survey.slug}),
        {"title_vi": "Khảo sát", "languages": ["vi"], "default_language": "en"},
    )

    assert response.status_code == 400
    assert "The default language must be one of the survey languages." in response.content.decode()
    survey.refresh_from_db()
    assert survey.languages == ["vi", "en"]


def test_htmx_partials_refresh_the_unpublished_badge_once(signed_in, survey, page, question):
    services.publish_survey(survey=survey, published_by=None)

    response = signed_in.post(
        reverse("frontend:question-add", kwargs={"page_id": page.id}), {"type": "short_text"}, **HTMX
    )

    content = response.content.decode()
    assert content.count('id="survey-status"') == 1
    assert "Unpublished changes" in content
