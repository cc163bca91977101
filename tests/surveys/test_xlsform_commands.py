import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from surveys import selectors, services
from surveys.core.roles import Role
from surveys.demo import DEMO_EMAIL
from surveys.models import Choice, Membership, Page, Question, Survey, Workspace
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "xlsform"


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def row_counts() -> tuple[int, int, int, int, int]:
    return (
        Workspace.objects.count(),
        Survey.objects.count(),
        Page.objects.count(),
        Question.objects.count(),
        Choice.objects.count(),
    )


@pytest.fixture
def workspace():
    return services.create_workspace(name="Quán cà phê", owner=UserFactory())


def test_import_prints_only_the_new_surveys_slug(workspace):
    stdout, stderr = run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"), "--workspace", "Quán cà phê")
    survey = Survey.objects.get(slug=stdout.strip())
    assert stdout == f"{survey.slug}\n"
    assert stderr == ""
    assert (survey.workspace, survey.created_by, survey.questions.count()) == (workspace, None, 10)


def test_import_without_a_workspace_fills_the_first_superusers_imported_workspace():
    admin = UserFactory(is_superuser=True, is_staff=True)
    first, _ = run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"))
    second, _ = run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"))
    surveys = Survey.objects.filter(slug__in=[first.strip(), second.strip()])
    assert {(survey.workspace.name, survey.created_by) for survey in surveys} == {("Imported", admin)}
    workspace = surveys[0].workspace
    assert Membership.objects.get(workspace=workspace).user == admin
    assert Membership.objects.get(workspace=workspace).role == Role.OWNER


def test_import_without_a_workspace_fills_the_demo_accounts_workspace_after_seed_demo():
    demo = UserFactory(email=DEMO_EMAIL)
    demo_workspace = services.create_workspace(name="Cửa hàng Demo", owner=demo)
    UserFactory(is_superuser=True)
    slug, _ = run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"))
    survey = Survey.objects.get(slug=slug.strip())
    assert (survey.workspace, survey.created_by) == (demo_workspace, demo)


def test_import_without_a_workspace_or_a_superuser_is_refused():
    with pytest.raises(CommandError, match="createsuperuser"):
        run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"))


def test_a_broken_file_lists_each_problem_on_stderr_exits_1_and_writes_nothing():
    UserFactory(is_superuser=True)
    before = row_counts()
    stderr = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("import_survey", str(FIXTURES / "broken_survey.xlsx"), stdout=io.StringIO(), stderr=stderr)
    lines = stderr.getvalue().splitlines()
    assert caught.value.returncode == 1
    assert len(lines) == 9
    assert lines[0] == "sheet survey, row 3, column type: List “colours” has no choices on the choices sheet."
    assert lines[1] == "sheet survey, row 4, column type: Unknown question type “no_such_type”."
    assert lines[-1] == "sheet choices, row 2, column name: A choice needs a name (its code)."
    # Not even the "Imported" workspace the import would have gone into is left behind.
    assert row_counts() == before


def test_a_file_that_is_not_a_workbook_is_refused_with_one_line(workspace):
    stderr = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command(
            "import_survey",
            str(FIXTURES / "not_a_workbook.xlsx"),
            "--workspace",
            workspace.name,
            stdout=io.StringIO(),
            stderr=stderr,
        )
    assert stderr.getvalue().startswith("This is not an Excel workbook (.xlsx)")


def test_import_into_an_unknown_workspace_is_refused():
    with pytest.raises(CommandError, match="No workspace is called “Nowhere”"):
        run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"), "--workspace", "Nowhere")


def test_import_of_a_missing_file_is_refused(workspace, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_survey", str(tmp_path / "missing.xlsx"), "--workspace", workspace.name)


def test_export_then_import_through_the_commands_gives_the_same_questionnaire(workspace, tmp_path):
    first_slug = run("import_survey", str(FIXTURES / "kobo_cafe_survey.xlsx"), "--workspace", workspace.name)[0]
    out = tmp_path / "cafe.xlsx"
    stdout, _ = run("export_survey", first_slug.strip(), str(out))
    assert stdout.startswith(f"Wrote survey {first_slug.strip()} to ")
    second_slug = run("import_survey", str(out), "--workspace", workspace.name)[0]
    first, second = (Survey.objects.get(slug=slug.strip()) for slug in (first_slug, second_slug))
    assert selectors.get_survey_spec(survey=second) == selectors.get_survey_spec(survey=first)


def test_export_of_an_unknown_slug_is_refused_and_writes_no_file(tmp_path):
    out = tmp_path / "nothing.xlsx"
    with pytest.raises(CommandError, match="No survey has the slug “nope”"):
        run("export_survey", "nope", str(out))
    assert not out.exists()
