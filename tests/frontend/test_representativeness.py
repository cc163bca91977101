"""The representativeness and target-set pages: attach, map, compare, weight; without JavaScript."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from analysis import selectors as analysis_selectors
from analysis import services as analysis_services
from analysis.models import SurveyTargetMapping, TargetSet, WeightingRun
from surveys import services as survey_services
from surveys.core.roles import Role
from tests.analysis.conftest import add_responses, build_demographic_spec, skewed_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SHARES = [
    {
        "name": "sex",
        "categories": [
            {"code": "male", "value": 0.5, "label_vi": "Nam"},
            {"code": "female", "value": 0.5, "label_vi": "Nữ"},
        ],
    },
    {"name": "area", "categories": [{"code": "urban", "value": 0.3}, {"code": "rural", "value": 0.7}]},
]


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.com")


@pytest.fixture
def workspace(owner):
    return survey_services.create_workspace(name="Cửa hàng", owner=owner)


@pytest.fixture
def survey(workspace, owner):
    survey = survey_services.create_survey_from_spec(
        workspace=workspace, spec=build_demographic_spec(), created_by=owner
    )
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="Test", confirm_warnings=True)
    add_responses(
        survey, skewed_answers({("f", "urban"): 40, ("m", "urban"): 30, ("f", "rural"): 20, ("m", "rural"): 10})
    )
    return survey


@pytest.fixture
def targets(workspace, owner):
    return analysis_services.create_target_set(
        workspace=workspace, name="Khách hàng", variables=SHARES, created_by=owner
    )


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def _url(name, **kwargs):
    return reverse(f"frontend:{name}", kwargs=kwargs)


def test_attach_map_and_weight_with_plain_form_posts(survey, targets, owner, django_capture_on_commit_callbacks):
    client = _client(owner)
    page = client.get(_url("representativeness", slug=survey.slug))
    assert page.status_code == 200
    assert "No target set is attached" in page.content.decode()

    response = client.post(_url("representativeness-attach", slug=survey.slug), {"target_set": targets.id})
    assert response.status_code == 302
    mapping = analysis_selectors.get_target_mapping(survey=survey)
    assert {vm.target_variable.name: vm.question_key for vm in mapping.variables.all()} == {
        "sex": "gender",
        "area": "area",
    }

    body = client.get(_url("representativeness", slug=survey.slug)).content.decode()
    # 70 % urban against a 30 % target: flagged, with the rule explained on the page.
    assert "Over-represented" in body and "Under-represented" in body
    assert "standardised difference" in body
    assert 'name="recode-sex-another"' in body  # every option is listed in the recoding table

    # Merge "another" into female? No: map explicitly and choose to exclude the rest.
    form = {
        "question-sex": "gender",
        "recode-sex-f": "female",
        "recode-sex-m": "male",
        "recode-sex-another": "",
        "recode-sex-prefer_not_to_say": "",
        "question-area": "area",
        "recode-area-urban": "urban",
        "recode-area-rural": "rural",
        "unmatched_policy": "exclude",
    }
    assert client.post(_url("representativeness-mapping", slug=survey.slug), form).status_code == 302
    assert analysis_selectors.get_target_mapping(survey=survey).unmatched_policy == "exclude"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("representativeness-run-create", slug=survey.slug), {"upper_bound": "5"})
    assert response.status_code == 302
    run = WeightingRun.objects.get()
    assert run.status == "succeeded", run.error_message
    body = client.get(_url("representativeness", slug=survey.slug)).content.decode()
    assert "Design effect (Kish)" in body and "Effective sample size" in body
    assert "After weighting" in body


def test_a_refused_run_shows_its_reason_on_the_page(survey, workspace, owner, django_capture_on_commit_callbacks):
    nobody_rural = analysis_services.create_target_set(
        workspace=workspace,
        name="Ba vùng",
        variables=[
            {
                "name": "region",
                "categories": [
                    {"code": "north", "value": 0.4},
                    {"code": "south", "value": 0.4},
                    {"code": "central", "value": 0.2},
                ],
            }
        ],
    )
    analysis_services.save_target_mapping(
        survey=survey,
        target_set=nobody_rural,
        variables={"region": {"question_key": "region", "recoding": {"north": "north", "south": "south"}}},
    )
    client = _client(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("representativeness-run-create", slug=survey.slug))
    body = client.get(_url("representativeness", slug=survey.slug)).content.decode()
    assert "Nobody answered central for region, so its target share cannot be reached." in body
    assert analysis_selectors.get_active_weights(survey=survey) is None


def test_the_run_status_fragment_asks_htmx_to_reload_when_done(
    survey, targets, owner, django_capture_on_commit_callbacks
):
    analysis_services.save_target_mapping(
        survey=survey, target_set=targets, unmatched_policy=SurveyTargetMapping.UnmatchedPolicy.EXCLUDE
    )
    client = _client(owner)
    run = analysis_services.create_weighting_run(survey=survey)  # queued: on_commit does not fire in this test
    fragment = client.get(
        _url("representativeness-run", slug=survey.slug, run_id=run.id) + "?poll=1", HTTP_HX_REQUEST="true"
    )
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    analysis_services.run_weighting(run_id=run.id)
    fragment = client.get(
        _url("representativeness-run", slug=survey.slug, run_id=run.id) + "?poll=1", HTTP_HX_REQUEST="true"
    )
    assert fragment["HX-Refresh"] == "true"


def test_viewers_read_but_cannot_attach_or_weight(survey, targets, workspace):
    viewer = UserFactory()
    MembershipFactory(workspace=workspace, user=viewer, role=Role.VIEWER)
    client = _client(viewer)
    assert client.get(_url("representativeness", slug=survey.slug)).status_code == 200
    assert (
        client.post(_url("representativeness-attach", slug=survey.slug), {"target_set": targets.id}).status_code == 403
    )
    assert client.post(_url("representativeness-run-create", slug=survey.slug)).status_code == 403
    assert (
        client.post(_url("target-set-preset", slug=workspace.slug), {"preset": "vietnam_census_2019"}).status_code
        == 403
    )
    assert not SurveyTargetMapping.objects.exists()


def test_strangers_get_not_found(survey, workspace):
    client = _client(UserFactory())
    assert client.get(_url("representativeness", slug=survey.slug)).status_code == 404
    assert client.get(_url("target-sets", slug=workspace.slug)).status_code == 404


def test_target_sets_page_adds_the_census_preset_and_typed_targets(workspace, owner):
    client = _client(owner)
    assert client.get(_url("target-sets", slug=workspace.slug)).status_code == 200
    client.post(_url("target-set-preset", slug=workspace.slug), {"preset": "vietnam_census_2019"})
    census = TargetSet.objects.get(workspace=workspace)
    assert [v.name for v in census.variables.all()] == ["sex", "area", "region"]
    page = client.get(_url("target-sets", slug=workspace.slug)).content.decode()
    assert "Red River Delta" in page and "22,543,607" in page

    typed = {"name": "Khách quen", "kind": "share", "rows": "sex,female,0.6,Nữ,Female\nsex,male,0.4,Nam,Male\n"}
    assert client.post(_url("target-set-create", slug=workspace.slug), typed).status_code == 302
    assert TargetSet.objects.filter(name="Khách quen").exists()

    bad = {"name": "Sai", "kind": "share", "rows": "sex,female,0.6\nsex,male,abc\n"}
    response = client.post(_url("target-set-create", slug=workspace.slug), bad)
    assert response.status_code == 400
    assert "Row 3" in response.content.decode()
    assert not TargetSet.objects.filter(name="Sai").exists()


def test_uploading_a_bad_file_lists_every_bad_row_and_saves_nothing(workspace, owner):
    client = _client(owner)
    data = b"variable,category,share\nsex,female,0.6\nsex,female,0.4\nage,18-24,=1+1\n"
    upload = SimpleUploadedFile("targets.csv", data, "text/csv")
    response = client.post(_url("target-set-upload", slug=workspace.slug), {"name": "Tệp", "file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Row 3" in body and "appears twice" in body
    assert "Row 4" in body
    assert not TargetSet.objects.exists()


def test_editing_an_attached_set_may_change_values_but_not_categories(survey, targets, owner):
    analysis_services.save_target_mapping(survey=survey, target_set=targets)
    client = _client(owner)
    page = client.get(_url("target-set-edit", target_set_id=targets.id)).content.decode()
    assert "sex,male,0.5,Nam," in page
    ok = {
        "name": "Khách hàng",
        "kind": "share",
        "rows": "sex,male,0.45,Nam,\nsex,female,0.55,Nữ,\narea,urban,0.3\narea,rural,0.7\n",
    }
    assert client.post(_url("target-set-edit", target_set_id=targets.id), ok).status_code == 302
    assert targets.variables.get(name="sex").categories.get(code="male").value == 0.45
    renamed = {**ok, "rows": ok["rows"].replace("urban", "city")}
    response = client.post(_url("target-set-edit", target_set_id=targets.id), renamed)
    assert response.status_code == 400
    assert "Surveys use this target set" in response.content.decode()


def test_editing_the_census_keeps_its_exact_counts(workspace, owner):
    census = analysis_services.create_target_set_from_preset(workspace=workspace)
    client = _client(owner)
    page = client.get(_url("target-set-edit", target_set_id=census.id)).content.decode()
    assert "sex,male,47881061,Nam,Male" in page
    rows = analysis_services.preset_variables("vietnam_census_2019")
    lines = [f"{v.name},{c.code},{int(c.value)},{c.label_vi},{c.label_en}" for v in rows for c in v.categories]
    form = {"name": census.name, "kind": "count", "rows": "\n".join(lines)}
    assert client.post(_url("target-set-edit", target_set_id=census.id), form).status_code == 302
    assert census.variables.get(name="region").categories.get(code="southeast").value == 17_828_907


def test_a_survey_without_responses_says_so_per_variable(workspace, owner, targets):
    empty = survey_services.create_survey_from_spec(
        workspace=workspace, spec=build_demographic_spec(), created_by=owner
    )
    analysis_services.save_target_mapping(survey=empty, target_set=targets)
    body = _client(owner).get(_url("representativeness", slug=empty.slug)).content.decode()
    assert body.count("There are no respondents to weight.") == 2


def test_discarding_weights_needs_confirmation_and_makes_the_results_unweighted(
    survey, targets, workspace, owner, django_capture_on_commit_callbacks
):
    analysis_services.save_target_mapping(
        survey=survey, target_set=targets, unmatched_policy=SurveyTargetMapping.UnmatchedPolicy.EXCLUDE
    )
    with django_capture_on_commit_callbacks(execute=True):
        analysis_services.create_weighting_run(survey=survey)
    analyst = UserFactory()
    MembershipFactory(workspace=workspace, user=analyst, role=Role.ANALYST)
    client = _client(analyst)
    page = _url("representativeness", slug=survey.slug)
    discard = _url("representativeness-discard-weights", slug=survey.slug)
    body = client.get(page).content.decode()
    assert f'action="{discard}"' in body and 'name="confirm" value="1" required' in body
    assert "Weighted results." in client.get(_url("survey-results", slug=survey.slug) + "?weighted=1").content.decode()

    # Without the ticked box nothing happens.
    response = client.post(discard, follow=True)
    assert "Tick the box to confirm" in response.content.decode()
    assert analysis_selectors.get_active_run(survey=survey) is not None

    response = client.post(discard, {"confirm": "1"}, follow=True)
    body = response.content.decode()
    assert "The weights are discarded." in body
    assert "were discarded: results, crosstabs and exports are unweighted" in body
    assert "weights discarded" in body  # the latest run's badge
    assert f'action="{discard}"' not in body
    assert analysis_selectors.get_active_run(survey=survey) is None
    assert WeightingRun.objects.get().status == "succeeded"  # kept as history
    dashboard = client.get(_url("survey-results", slug=survey.slug) + "?weighted=1").content.decode()
    assert "Unweighted results: the weights were discarded." in dashboard and "Weighted results." not in dashboard

    # Discarding again says there is nothing to discard.
    response = client.post(discard, {"confirm": "1"}, follow=True)
    assert "This survey has no weights to discard." in response.content.decode()


def test_viewers_cannot_discard_weights_and_strangers_do_not_see_the_survey(
    survey, targets, workspace, django_capture_on_commit_callbacks
):
    analysis_services.save_target_mapping(
        survey=survey, target_set=targets, unmatched_policy=SurveyTargetMapping.UnmatchedPolicy.EXCLUDE
    )
    with django_capture_on_commit_callbacks(execute=True):
        analysis_services.create_weighting_run(survey=survey)
    viewer = UserFactory()
    MembershipFactory(workspace=workspace, user=viewer, role=Role.VIEWER)
    discard = _url("representativeness-discard-weights", slug=survey.slug)
    assert (
        f'action="{discard}"' not in _client(viewer).get(_url("representativeness", slug=survey.slug)).content.decode()
    )
    assert _client(viewer).post(discard, {"confirm": "1"}).status_code == 403
    assert _client(UserFactory()).post(discard, {"confirm": "1"}).status_code == 404
    assert analysis_selectors.get_active_run(survey=survey) is not None


def test_the_workspace_page_links_to_the_population_targets(workspace, owner):
    viewer = UserFactory()
    MembershipFactory(workspace=workspace, user=viewer, role=Role.VIEWER)
    for user in (owner, viewer):
        body = _client(user).get(_url("workspace-detail", slug=workspace.slug)).content.decode()
        assert f'href="{_url("target-sets", slug=workspace.slug)}"' in body
