"""Reads that check workspace membership and adapt rows into core dataclasses.

Every read of a workspace's data goes through a ``get_…_for_user`` selector: a user who is not
a member gets "not found" (so the existence of other workspaces' surveys is not revealed), a
member without the capability gets "permission denied".
"""

import io

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from surveys.core.questionnaire import (
    ChoiceSpec,
    Logic,
    PageSpec,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
)
from surveys.core.roles import Capability, Role, has_capability
from surveys.core.versions import SurveyDiff, diff_surveys
from surveys.core.xlsform import write_xlsform
from surveys.errors import InvalidInput, NotFound, PermissionDenied
from surveys.models import Choice, Membership, Page, Question, Survey, SurveyVersion, Workspace

User = AbstractBaseUser | AnonymousUser


def get_membership(*, workspace: Workspace, user: User) -> Membership | None:
    """Return the user's membership of ``workspace``, or None."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(workspace=workspace, user=user).first()


def _require(*, membership: Membership | None, capability: Capability) -> Membership:
    if membership is None:
        raise NotFound()
    if not has_capability(membership.role, capability):
        raise PermissionDenied()
    return membership


def list_workspaces_for_user(*, user: User) -> QuerySet[Workspace]:
    """Return the workspaces the user belongs to."""
    if not user.is_authenticated:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user).order_by("name", "id")


def get_workspace_for_user(*, slug: str, user: User, capability: Capability = Capability.VIEW) -> Workspace:
    """Return a workspace the user may act on with ``capability``."""
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise NotFound()
    _require(membership=get_membership(workspace=workspace, user=user), capability=capability)
    return workspace


def get_role(*, workspace: Workspace, user: User) -> Role | None:
    """Return the user's role in ``workspace``, or None when not a member."""
    membership = get_membership(workspace=workspace, user=user)
    return Role(membership.role) if membership else None


def list_members(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("id")


def get_member_for_user(*, membership_id: int, workspace: Workspace) -> Membership:
    membership = Membership.objects.filter(workspace=workspace, id=membership_id).select_related("user").first()
    if membership is None:
        raise NotFound()
    return membership


def list_surveys_for_user(*, user: User, workspace: Workspace | None = None) -> QuerySet[Survey]:
    """Return the surveys of every workspace the user belongs to (or of one of them)."""
    if not user.is_authenticated:
        return Survey.objects.none()
    surveys = Survey.objects.filter(workspace__memberships__user=user).select_related("workspace")
    if workspace is not None:
        surveys = surveys.filter(workspace=workspace)
    return surveys.order_by("-created_at", "-id")


def get_survey_for_user(*, slug: str, user: User, capability: Capability = Capability.VIEW) -> Survey:
    """Return a survey the user may act on with ``capability``."""
    survey = Survey.objects.select_related("workspace").filter(slug=slug).first()
    if survey is None:
        raise NotFound()
    _require(membership=get_membership(workspace=survey.workspace, user=user), capability=capability)
    return survey


def get_page_for_user(*, page_id: int, user: User, capability: Capability = Capability.VIEW) -> Page:
    page = Page.objects.select_related("survey__workspace").filter(id=page_id).first()
    if page is None:
        raise NotFound()
    _require(membership=get_membership(workspace=page.survey.workspace, user=user), capability=capability)
    return page


def get_question_for_user(*, question_id: int, user: User, capability: Capability = Capability.VIEW) -> Question:
    question = Question.objects.select_related("survey__workspace", "page").filter(id=question_id).first()
    if question is None:
        raise NotFound()
    _require(membership=get_membership(workspace=question.survey.workspace, user=user), capability=capability)
    return question


def get_choice_for_user(*, choice_id: int, user: User, capability: Capability = Capability.VIEW) -> Choice:
    choice = Choice.objects.select_related("question__survey__workspace").filter(id=choice_id).first()
    if choice is None:
        raise NotFound()
    _require(membership=get_membership(workspace=choice.question.survey.workspace, user=user), capability=capability)
    return choice


def list_pages(*, survey: Survey) -> QuerySet[Page]:
    """Return the survey's pages with their questions and choices, in order."""
    return (
        Page.objects.filter(survey=survey)
        .order_by("position", "id")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("position", "id").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("kind", "position", "id"))
                ),
            )
        )
    )


def get_page_of_survey(*, survey: Survey, page_id: int, field: str = "page") -> Page:
    """Return page ``page_id`` of ``survey``; an id of another survey's page is invalid input."""
    page = Page.objects.filter(survey=survey, id=page_id).select_related("survey").first()
    if page is None:
        message = _("This survey has no page with id {id}.").format(id=page_id)
        raise InvalidInput(message, fields={field: [message]})
    return page


def list_choices(*, question: Question, kind: str | None = None) -> QuerySet[Choice]:
    """Return the question's options and rows (or those of one ``kind``), in order."""
    choices = Choice.objects.filter(question=question)
    if kind is not None:
        choices = choices.filter(kind=kind)
    return choices.order_by("kind", "position", "id")


def list_questions(*, survey: Survey) -> QuerySet[Question]:
    return (
        Question.objects.filter(survey=survey)
        .select_related("page")
        .order_by("page__position", "position", "id")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("kind", "position", "id")))
    )


def _question_spec(question: Question) -> QuestionSpec:
    choices = list(question.choices.all())
    return QuestionSpec(
        key=question.key,
        type=QuestionType(question.type),
        text=Text.from_value(question.text),
        help_text=Text.from_value(question.help_text),
        required=question.required,
        choices=tuple(_choice_spec(c) for c in choices if c.kind == Choice.Kind.OPTION),
        rows=tuple(_choice_spec(c) for c in choices if c.kind == Choice.Kind.ROW),
        min_value=question.min_value,
        max_value=question.max_value,
        allow_not_applicable=question.allow_not_applicable,
        randomize_choices=question.randomize_choices,
        role=RoleSpec(RoleKind(question.role_kind), question.role_variable) if question.role_kind else None,
        logic=Logic.from_dict(question.logic) if question.logic else None,
    )


def _choice_spec(choice: Choice) -> ChoiceSpec:
    return ChoiceSpec(
        value=choice.value,
        label=Text.from_value(choice.label),
        is_exclusive=choice.is_exclusive,
        is_other=choice.is_other,
    )


def get_survey_spec(*, survey: Survey) -> SurveySpec:
    """Return the survey's current (working) questionnaire as a SurveySpec."""
    return SurveySpec(
        title=Text.from_value(survey.title),
        description=Text.from_value(survey.description),
        languages=tuple(survey.languages),
        default_language=survey.default_language,
        pages=tuple(
            PageSpec(
                key=page.key,
                title=Text.from_value(page.title),
                questions=tuple(_question_spec(q) for q in page.questions.all()),
                logic=Logic.from_dict(page.logic) if page.logic else None,
                randomize_questions=page.randomize_questions,
            )
            for page in list_pages(survey=survey)
        ),
    )


def list_versions(*, survey: Survey) -> QuerySet[SurveyVersion]:
    return SurveyVersion.objects.filter(survey=survey).select_related("published_by").order_by("-number")


def get_version(*, survey: Survey, number: int) -> SurveyVersion:
    version = SurveyVersion.objects.filter(survey=survey, number=number).first()
    if version is None:
        raise NotFound()
    return version


def get_latest_version(*, survey: Survey) -> SurveyVersion | None:
    return SurveyVersion.objects.filter(survey=survey).order_by("-number").first()


def get_version_diff(*, survey: Survey, from_number: int, to_number: int) -> SurveyDiff:
    """Return what changed in the questionnaire from version ``from_number`` to ``to_number``."""
    before = get_version(survey=survey, number=from_number)
    after = get_version(survey=survey, number=to_number)
    return diff_surveys(before.spec(), after.spec())


def has_unpublished_changes(*, survey: Survey) -> bool:
    """Return whether the working questionnaire differs from the latest published version."""
    latest = get_latest_version(survey=survey)
    return latest is None or latest.snapshot != get_survey_spec(survey=survey).to_dict()


def get_workspace_by_name(*, name: str, user: User | None = None) -> Workspace:
    """Return the workspace called ``name`` (one the user belongs to, when a user is given)."""
    workspaces = Workspace.objects.filter(name=name)
    if user is not None:
        workspaces = workspaces.filter(memberships__user=user)
    workspace = workspaces.order_by("id").first()
    if workspace is None:
        raise NotFound(_("No workspace is called “{name}”.").format(name=name))
    return workspace


def get_survey_by_slug(*, slug: str) -> Survey:
    """Return the survey with ``slug`` in any workspace: for trusted callers such as commands."""
    survey = Survey.objects.select_related("workspace").filter(slug=slug).first()
    if survey is None:
        raise NotFound(_("No survey has the slug “{slug}”.").format(slug=slug))
    return survey


def render_survey_xlsform(*, survey: Survey) -> bytes:
    """Return the survey's working questionnaire as an XLSForm workbook (.xlsx bytes)."""
    buffer = io.BytesIO()
    write_xlsform(get_survey_spec(survey=survey), buffer)
    return buffer.getvalue()
