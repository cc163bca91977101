import pytest
from django.urls import reverse

from surveys import services
from tests.frontend.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def gender(page):
    return services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Giới tính?"},
        choices=[{"value": "m", "label": {"vi": "Nam"}}, {"value": "f", "label": {"vi": "Nữ"}}],
    )


@pytest.fixture
def reason(page, gender):
    return services.create_question(page=page, type="long_text", text={"vi": "Vì sao?"})


def add_condition(client, target, kind="question", headers=HTMX, **fields):
    prefix = f"l{kind[0]}{target.id}"
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(reverse("frontend:logic-add", kwargs={"kind": kind, "target_id": target.id}), data, **headers)


def test_condition_on_an_earlier_question_is_saved(signed_in, gender, reason):
    response = add_condition(signed_in, reason, question=gender.key, operator="equals", value="f")

    reason.refresh_from_db()
    assert response.status_code == 200
    assert reason.logic == {
        "match": "all",
        "conditions": [{"question": gender.key, "operator": "equals", "value": "f"}],
    }
    assert "Show this question only when" in response.content.decode()


def test_logic_editor_refuses_a_later_question_with_a_visible_error_and_no_change(signed_in, gender, reason):
    response = add_condition(signed_in, gender, question=reason.key, operator="answered")

    content = response.content.decode()
    assert response.status_code == 400
    assert f"Display logic may only test an earlier question; “{reason.key}” is not one." in content
    assert 'role="alert"' in content
    gender.refresh_from_db()
    assert gender.logic is None


def test_logic_editor_refuses_a_later_question_without_javascript_too(signed_in, survey, gender, reason):
    response = add_condition(signed_in, gender, headers={}, question=reason.key, operator="answered")

    content = response.content.decode()
    assert response.status_code == 400
    assert "<html" in content
    assert "Your change was not saved." in content
    assert f'href="#q-{gender.id}"' in content
    gender.refresh_from_db()
    assert gender.logic is None


def test_a_test_that_does_not_suit_the_question_type_is_refused(signed_in, gender, reason):
    response = add_condition(signed_in, reason, question=gender.key, operator="gt", value="3")

    assert response.status_code == 400
    assert "This test does not apply to a “Single choice” question." in response.content.decode()
    reason.refresh_from_db()
    assert reason.logic is None


def test_an_option_the_question_does_not_have_is_refused(signed_in, gender, reason):
    response = add_condition(signed_in, reason, question=gender.key, operator="equals", value="x")

    assert response.status_code == 400
    assert "has no option “x”" in response.content.decode()


def test_list_tests_take_several_options_and_match_any_is_saved(signed_in, page, gender, reason):
    nps = services.create_question(page=page, type="nps", text={"vi": "NPS"}, position=1)
    add_condition(signed_in, reason, question=gender.key, operator="any_of", value=["m", "f"])
    add_condition(signed_in, reason, question=nps.key, operator="lte", value="6")

    signed_in.post(
        reverse("frontend:logic-match", kwargs={"kind": "question", "target_id": reason.id}), {"match": "any"}
    )

    reason.refresh_from_db()
    assert reason.logic == {
        "match": "any",
        "conditions": [
            {"question": gender.key, "operator": "any_of", "value": ["m", "f"]},
            {"question": nps.key, "operator": "lte", "value": 6},
        ],
    }


def test_remove_a_condition(signed_in, gender, reason):
    add_condition(signed_in, reason, question=gender.key, operator="answered")

    response = signed_in.post(
        reverse("frontend:logic-remove", kwargs={"kind": "question", "target_id": reason.id}), {"index": 0}
    )

    reason.refresh_from_db()
    assert response.status_code == 302
    assert reason.logic is None


def test_page_logic_may_test_questions_on_earlier_pages(signed_in, survey, gender):
    second = services.create_page(survey=survey)

    response = add_condition(signed_in, second, kind="page", question=gender.key, operator="equals", value="m")

    second.refresh_from_db()
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="builder-pages"')
    assert second.logic["conditions"] == [{"question": gender.key, "operator": "equals", "value": "m"}]


def test_condition_form_offers_the_tests_of_the_picked_question(signed_in, page, gender, reason):
    nps = services.create_question(page=page, type="nps", text={"vi": "NPS"})
    url = reverse("frontend:logic-condition-form", kwargs={"kind": "question", "target_id": nps.id})

    response = signed_in.get(url, {f"lq{nps.id}-question": gender.key}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="any_of"' in content
    assert 'value="gt"' not in content
    assert f'type="checkbox" name="lq{nps.id}-value" value="f"' in content
