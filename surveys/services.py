"""Writes: workspaces, members, the questionnaire, publishing.

Every questionnaire write runs in a transaction that re-reads the resulting questionnaire and
validates it as a whole (keys, logic on earlier questions only, options that logic refers to);
a write that would leave it invalid is refused and rolled back, so nothing changes.
"""

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token

from surveys import audit, linting, planner, selectors
from surveys.core.questionnaire import (
    CHOICE_TYPES,
    LANGUAGES,
    ChoiceSpec,
    Logic,
    LogicError,
    Problem,
    QuestionSpec,
    QuestionType,
    RoleSpec,
    SurveySpec,
    Text,
    validate_survey,
)
from surveys.core.roles import Role
from surveys.core.survey_plan import SurveyPlan
from surveys.core.xlsform import XLSFormError, XLSFormProblem, read_xlsform
from surveys.errors import Conflict, InvalidInput
from surveys.models import Choice, Membership, Page, Question, Survey, SurveyVersion, Workspace

User = AbstractBaseUser


# --- errors -------------------------------------------------------------------------------


def problems_as_fields(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """Return problems as translated messages grouped by path."""
    fields: dict[str, list[str]] = {}
    for problem in problems:
        fields.setdefault(problem.path, []).append(problem.message.render(_))
    return fields


class QuestionnaireInvalid(InvalidInput):
    code = "questionnaire_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            _("The questionnaire would be invalid: {first}").format(first=self.problems[0].message.render(_)),
            fields=problems_as_fields(self.problems),
        )


def _check_questionnaire(survey: Survey) -> None:
    problems = validate_survey(selectors.get_survey_spec(survey=survey), for_publish=False)
    if problems:
        raise QuestionnaireInvalid(problems)


# --- workspaces and members ---------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A name is required."), fields={"name": [_("A name is required.")]})
    if len(name) > 120:
        raise InvalidInput(
            _("A name has at most 120 characters."), fields={"name": [_("A name has at most 120 characters.")]}
        )
    return name


@transaction.atomic
def create_workspace(*, name: str, owner: User) -> Workspace:
    """Create a workspace with ``owner`` as its first owner."""
    workspace = Workspace.objects.create(name=_clean_name(name))
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    audit.record(owner, workspace, audit.Action.CREATED, workspace)
    return workspace


@transaction.atomic
def rename_workspace(*, workspace: Workspace, name: str) -> Workspace:
    workspace.name = _clean_name(name)
    workspace.save(update_fields=["name"])
    audit.record(None, workspace, audit.Action.EDITED, workspace, fields=["name"])
    return workspace


@transaction.atomic
def delete_workspace(*, workspace: Workspace) -> None:
    """Delete a workspace that holds no published survey (published data is never deleted)."""
    if SurveyVersion.objects.filter(survey__workspace=workspace).exists():
        raise Conflict(_("This workspace has published surveys; archive them instead of deleting the workspace."))
    audit.record(None, workspace, audit.Action.DELETED, workspace)  # the line outlives the workspace
    Survey.objects.filter(workspace=workspace).delete()
    workspace.delete()


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(
            _("Unknown role “{role}”.").format(role=role),
            fields={"role": [_("Unknown role “{role}”.").format(role=role)]},
        ) from None


@transaction.atomic
def add_member(*, workspace: Workspace, email: str, role: str) -> Membership:
    """Add the user with ``email`` to the workspace with ``role``."""
    role = _role(role)
    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        message = _("No account uses the address “{email}”; ask them to sign up first.").format(email=email)
        raise InvalidInput(message, fields={"email": [message]})
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise Conflict(_("This person is already a member."))
    membership = Membership.objects.create(workspace=workspace, user=user, role=role)
    audit.record(None, workspace, audit.Action.MEMBER_ADDED, membership, role=role.value)
    return membership


def _ensure_an_owner_remains(workspace: Workspace, leaving: Membership) -> None:
    owners = Membership.objects.select_for_update().filter(workspace=workspace, role=Role.OWNER)
    if leaving.role == Role.OWNER and not owners.exclude(id=leaving.id).exists():
        raise Conflict(_("A workspace needs at least one owner."))


@transaction.atomic
def change_member_role(*, membership: Membership, role: str) -> Membership:
    new_role = _role(role)
    if new_role != Role.OWNER:
        _ensure_an_owner_remains(membership.workspace, membership)
    previous, membership.role = membership.role, new_role
    membership.save(update_fields=["role"])
    audit.record(
        None, membership.workspace, audit.Action.ROLE_CHANGED, membership, **{"from": previous, "to": new_role}
    )
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    _ensure_an_owner_remains(membership.workspace, membership)
    audit.record(None, membership.workspace, audit.Action.MEMBER_REMOVED, membership, role=membership.role)
    membership.delete()


# --- surveys ------------------------------------------------------------------------------


def _clean_text(value: Any, field: str, *, required: bool = False, limit: int = 2000) -> dict[str, str]:
    if value is None:
        value = {}
    if isinstance(value, str):
        value = {"vi": value}
    if not isinstance(value, Mapping) or any(k not in LANGUAGES or not isinstance(v, str) for k, v in value.items()):
        message = _("Give the text as an object with “vi” and/or “en” strings.")
        raise InvalidInput(message, fields={field: [message]})
    text = {language: value[language].strip() for language in LANGUAGES if value.get(language, "").strip()}
    if required and not text:
        message = _("This text is required in at least one language.")
        raise InvalidInput(message, fields={field: [message]})
    if any(len(v) > limit for v in text.values()):
        message = _("This text has at most {limit} characters.").format(limit=limit)
        raise InvalidInput(message, fields={field: [message]})
    return text


def _clean_languages(languages: Any, default_language: Any) -> tuple[list[str], str]:
    if not isinstance(languages, (list, tuple)) or not languages or any(lang not in LANGUAGES for lang in languages):
        message = _("Survey languages must be “vi” and/or “en”.")
        raise InvalidInput(message, fields={"languages": [message]})
    languages = list(dict.fromkeys(languages))
    if default_language not in languages:
        message = _("The default language must be one of the survey languages.")
        raise InvalidInput(message, fields={"default_language": [message]})
    return languages, default_language


@transaction.atomic
def create_survey(
    *,
    workspace: Workspace,
    created_by: User | None,
    title: Any,
    description: Any = None,
    languages: Sequence[str] = ("vi",),
    default_language: str = "vi",
) -> Survey:
    """Create a draft survey with one empty page."""
    languages, default_language = _clean_languages(languages, default_language)
    survey = Survey.objects.create(
        workspace=workspace,
        created_by=created_by,
        title=_clean_text(title, "title", required=True, limit=200),
        description=_clean_text(description, "description"),
        languages=languages,
        default_language=default_language,
    )
    Page.objects.create(survey=survey, key="p1", position=0)
    audit.record(created_by, workspace, audit.Action.CREATED, survey)
    return survey


SURVEY_TARGET_FIELDS = tuple(planner.TARGET_FIELDS)


def _planned_targets(survey: Survey, changes: Mapping[str, Any]) -> tuple[dict[str, Any], SurveyPlan]:
    """Return the survey's targets with ``changes`` applied and the plan they imply, checked by the core.

    With a margin of error the answers needed are derived from it, so they are recomputed unless
    they were given explicitly (which, with a margin, the core refuses).
    """
    targets = {name: changes.get(name, getattr(survey, name)) for name in SURVEY_TARGET_FIELDS}
    if "target_sample_size" not in changes and targets["target_margin_of_error"] is not None:
        targets["target_sample_size"] = None
    plan = planner.plan_for_targets(targets)
    targets["target_sample_size"] = plan.required_responses
    return targets, plan


@transaction.atomic
def update_survey_plan(*, survey: Survey, **changes: Any) -> SurveyPlan:
    """Store the survey's sample-size targets and return the plan; a bad target changes nothing.

    Targets left out keep their stored value; pass None to clear one.
    """
    unknown = set(changes) - set(SURVEY_TARGET_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: {names}.").format(names=", ".join(sorted(unknown))))
    targets, plan = _planned_targets(survey, changes)
    for name, value in targets.items():
        setattr(survey, name, value)
    survey.save(update_fields=[*SURVEY_TARGET_FIELDS, "updated_at"])
    audit.record_edit(survey, fields=sorted(changes))
    return plan


@transaction.atomic
def update_survey(*, survey: Survey, **changes: Any) -> Survey:
    """Change a survey's title, description, languages or planner targets."""
    unknown = set(changes) - {"title", "description", "languages", "default_language", *SURVEY_TARGET_FIELDS}
    if unknown:
        raise InvalidInput(_("Unknown fields: {names}.").format(names=", ".join(sorted(unknown))))
    # Checked before anything is set, so a refused target leaves the instance as it was.
    targets = _planned_targets(survey, changes)[0] if any(name in changes for name in SURVEY_TARGET_FIELDS) else {}
    if "title" in changes:
        survey.title = _clean_text(changes["title"], "title", required=True, limit=200)
    if "description" in changes:
        survey.description = _clean_text(changes["description"], "description")
    if "languages" in changes or "default_language" in changes:
        survey.languages, survey.default_language = _clean_languages(
            changes.get("languages", survey.languages), changes.get("default_language", survey.default_language)
        )
    for name, value in targets.items():
        setattr(survey, name, value)
    survey.save()
    audit.record_edit(survey, fields=sorted(changes))
    return survey


@transaction.atomic
def delete_survey(*, survey: Survey) -> None:
    """Delete a survey that was never published (published ones are archived, never deleted)."""
    if SurveyVersion.objects.filter(survey=survey).exists():
        raise Conflict(_("A published survey cannot be deleted; archive it instead."))
    audit.record(None, survey.workspace, audit.Action.DELETED, survey)
    survey.delete()


# --- pages --------------------------------------------------------------------------------


def _renumber(items: Iterable[Any]) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def _insert_at(siblings: list[Any], item: Any, position: int | None) -> None:
    siblings = [s for s in siblings if s.pk != item.pk]
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(index, item)
    _renumber(siblings)


def _next_key(existing: Iterable[str], prefix: str) -> str:
    numbers = [int(k[len(prefix) :]) for k in existing if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _clean_logic(value: Any, field: str = "logic") -> dict[str, Any] | None:
    if value in (None, {}, ""):
        return None
    try:
        return Logic.from_dict(value).to_dict()
    except LogicError as error:
        message = _("Invalid display logic: {reason}.").format(reason=error.message.render(_))
        raise InvalidInput(message, fields={field: [message]}) from None


@transaction.atomic
def create_page(
    *,
    survey: Survey,
    title: Any = None,
    position: int | None = None,
    logic: Any = None,
    randomize_questions: bool = False,
) -> Page:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    page = Page(
        survey=survey,
        key=_next_key(Page.objects.filter(survey=survey).values_list("key", flat=True), "p"),
        position=Page.objects.filter(survey=survey).count(),
        title=_clean_text(title, "title", limit=200),
        logic=_clean_logic(logic),
        randomize_questions=bool(randomize_questions),
    )
    page.save()
    _insert_at(list(Page.objects.filter(survey=survey).order_by("position", "id")), page, position)
    _check_questionnaire(survey)
    audit.record_edit(survey, page, change="added")
    return page


@transaction.atomic
def update_page(*, page: Page, **changes: Any) -> Page:
    unknown = set(changes) - {"title", "logic", "randomize_questions", "position"}
    if unknown:
        raise InvalidInput(_("Unknown fields: {names}.").format(names=", ".join(sorted(unknown))))
    if "title" in changes:
        page.title = _clean_text(changes["title"], "title", limit=200)
    if "logic" in changes:
        page.logic = _clean_logic(changes["logic"])
    if "randomize_questions" in changes:
        page.randomize_questions = bool(changes["randomize_questions"])
    page.save()
    if "position" in changes:
        _insert_at(list(Page.objects.filter(survey=page.survey).order_by("position", "id")), page, changes["position"])
    _check_questionnaire(page.survey)
    audit.record_edit(page.survey, page, fields=sorted(changes))
    return page


@transaction.atomic
def delete_page(*, page: Page) -> None:
    """Delete a page and its questions, unless it is the last page or later logic needs them."""
    survey = page.survey
    if Page.objects.filter(survey=survey).count() <= 1:
        raise Conflict(_("A survey keeps at least one page."))
    audit.record(None, survey.workspace, audit.Action.DELETED, page)
    page.delete()
    _renumber(Page.objects.filter(survey=survey).order_by("position", "id"))
    _check_questionnaire(survey)


# --- questions ----------------------------------------------------------------------------


def _clean_choices(raw: Any, field: str) -> list[ChoiceSpec]:
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        message = _("Give the options as a list.")
        raise InvalidInput(message, fields={field: [message]})
    choices = []
    for index, item in enumerate(raw):
        if isinstance(item, ChoiceSpec):
            choices.append(item)
            continue
        if not isinstance(item, Mapping):
            message = _("Each option needs a label.")
            raise InvalidInput(message, fields={f"{field}.{index}": [message]})
        value = str(item.get("value") or index + 1).strip()
        choices.append(
            ChoiceSpec(
                value=value,
                label=Text.from_value(_clean_text(item.get("label"), f"{field}.{index}.label", limit=500)),
                is_exclusive=bool(item.get("is_exclusive", False)),
                is_other=bool(item.get("is_other", False)),
            )
        )
    return choices


def _clean_role(value: Any) -> tuple[str, str]:
    if value in (None, ""):
        return "", ""
    try:
        role = RoleSpec.parse(str(value))
    except ValueError:
        message = _("A role looks like “demographic:age” or “kpi:nps”.")
        raise InvalidInput(message, fields={"role": [message]}) from None
    return role.kind.value, role.variable


def _clean_number(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        message = _("Enter a number.")
        raise InvalidInput(message, fields={field: [message]}) from None
    if number != number or number in (float("inf"), float("-inf")):
        message = _("Enter a finite number.")
        raise InvalidInput(message, fields={field: [message]})
    return number


def _write_choices(question: Question, kind: str, choices: Sequence[ChoiceSpec]) -> None:
    Choice.objects.filter(question=question, kind=kind).delete()
    Choice.objects.bulk_create(
        Choice(
            question=question,
            kind=kind,
            position=position,
            value=choice.value,
            label=choice.label.to_dict(),
            is_exclusive=choice.is_exclusive,
            is_other=choice.is_other,
        )
        for position, choice in enumerate(choices)
    )


def _default_choices(question_type: QuestionType) -> list[ChoiceSpec]:
    # A new rating question starts as the usual 5-point scale; other types start empty.
    if question_type == QuestionType.RATING:
        return [ChoiceSpec(str(point)) for point in range(1, 6)]
    return []


QUESTION_FIELDS = {
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
    "key",
    "type",
}


def _apply_question_changes(question: Question, changes: Mapping[str, Any]) -> tuple[list | None, list | None]:
    if "text" in changes:
        question.text = _clean_text(changes["text"], "text")
    if "help_text" in changes:
        question.help_text = _clean_text(changes["help_text"], "help_text", limit=1000)
    for name in ("required", "allow_not_applicable", "randomize_choices"):
        if name in changes:
            setattr(question, name, bool(changes[name]))
    for name in ("min_value", "max_value"):
        if name in changes:
            setattr(question, name, _clean_number(changes[name], name))
    if "role" in changes:
        question.role_kind, question.role_variable = _clean_role(changes["role"])
    if "logic" in changes:
        question.logic = _clean_logic(changes["logic"])
    if "key" in changes:
        question.key = str(changes["key"] or "").strip()
    if "type" in changes:
        try:
            question.type = QuestionType(changes["type"]).value
        except ValueError:
            message = _("Unknown question type “{type}”.").format(type=changes["type"])
            raise InvalidInput(message, fields={"type": [message]}) from None
    choices = _clean_choices(changes["choices"], "choices") if "choices" in changes else None
    rows = _clean_choices(changes["rows"], "rows") if "rows" in changes else None
    return choices, rows


def _save_question(question: Question) -> None:
    try:
        with transaction.atomic():
            question.save()
    except IntegrityError:
        message = _("Question key “{key}” is already used in this survey.").format(key=question.key)
        raise Conflict(message, fields={"key": [message]}) from None


@transaction.atomic
def create_question(*, page: Page, type: str, position: int | None = None, **fields: Any) -> Question:
    """Add a question to ``page`` (at the end unless ``position`` is given)."""
    unknown = set(fields) - QUESTION_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown fields: {names}.").format(names=", ".join(sorted(unknown))))
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    question = Question(survey=survey, page=page, position=page.questions.count(), type="")
    choices, rows = _apply_question_changes(question, {"type": type, **fields})
    if not question.key:
        question.key = _next_key(Question.objects.filter(survey=survey).values_list("key", flat=True), "q")
    _save_question(question)
    _write_choices(
        question, Choice.Kind.OPTION, choices if choices is not None else _default_choices(QuestionType(question.type))
    )
    _write_choices(question, Choice.Kind.ROW, rows or [])
    _insert_at(list(page.questions.order_by("position", "id")), question, position)
    _check_questionnaire(survey)
    audit.record_edit(survey, question, change="added")
    return question


@transaction.atomic
def update_question(*, question: Question, **changes: Any) -> Question:
    """Change a question; ``choices``/``rows`` given as lists replace the existing ones."""
    unknown = set(changes) - QUESTION_FIELDS
    if unknown:
        raise InvalidInput(_("Unknown fields: {names}.").format(names=", ".join(sorted(unknown))))
    old_type = question.type
    choices, rows = _apply_question_changes(question, changes)
    new_type = QuestionType(question.type)
    if new_type != old_type:
        # Options a new type cannot have are dropped rather than blocking the change; logic that
        # still refers to them makes the questionnaire invalid and refuses the change as a whole.
        if choices is None and (new_type not in CHOICE_TYPES or new_type == QuestionType.RATING):
            choices = _default_choices(new_type)
        if rows is None and new_type != QuestionType.MATRIX:
            rows = []
    _save_question(question)
    if choices is not None:
        _write_choices(question, Choice.Kind.OPTION, choices)
    if rows is not None:
        _write_choices(question, Choice.Kind.ROW, rows)
    _check_questionnaire(question.survey)
    audit.record_edit(question.survey, question, fields=sorted(changes))
    return question


@transaction.atomic
def move_question(*, question: Question, position: int, page: Page | None = None) -> Question:
    """Move a question to ``position`` on ``page`` (its own page by default)."""
    target = page or question.page
    if target.survey_id != question.survey_id:
        raise InvalidInput(_("A question can only move within its survey."))
    source = question.page
    question.page = target
    question.save(update_fields=["page"])
    if source.pk != target.pk:
        _renumber(source.questions.order_by("position", "id"))
    _insert_at(list(target.questions.order_by("position", "id")), question, position)
    _check_questionnaire(question.survey)
    audit.record_edit(question.survey, question, change="moved")
    return question


@transaction.atomic
def delete_question(*, question: Question) -> None:
    """Delete a question unless later display logic or piping depends on it."""
    survey, page = question.survey, question.page
    audit.record(None, survey.workspace, audit.Action.DELETED, question)
    question.delete()
    _renumber(page.questions.order_by("position", "id"))
    _check_questionnaire(survey)


# --- choices ------------------------------------------------------------------------------


@transaction.atomic
def create_choice(
    *,
    question: Question,
    label: Any,
    value: str | None = None,
    kind: str = Choice.Kind.OPTION,
    is_exclusive: bool = False,
    is_other: bool = False,
    position: int | None = None,
) -> Choice:
    if kind not in Choice.Kind.values:
        raise InvalidInput(_("Unknown kind “{kind}”.").format(kind=kind))
    siblings = Choice.objects.filter(question=question, kind=kind)
    value = (value or "").strip() or _next_key(siblings.values_list("value", flat=True), "")
    if siblings.filter(value=value).exists():
        message = _("Code “{value}” is already used in this question.").format(value=value)
        raise Conflict(message, fields={"value": [message]})
    choice = Choice.objects.create(
        question=question,
        kind=kind,
        position=siblings.count(),
        value=value,
        label=_clean_text(label, "label", limit=500),
        is_exclusive=bool(is_exclusive),
        is_other=bool(is_other),
    )
    _insert_at(list(siblings.order_by("position", "id")), choice, position)
    _check_questionnaire(question.survey)
    audit.record_edit(question.survey, choice, change="added")
    return choice


@transaction.atomic
def update_choice(*, choice: Choice, **changes: Any) -> Choice:
    unknown = set(changes) - {"label", "value", "is_exclusive", "is_other", "position"}
    if unknown:
        raise InvalidInput(_("Unknown fields: {names}.").format(names=", ".join(sorted(unknown))))
    if "label" in changes:
        choice.label = _clean_text(changes["label"], "label", limit=500)
    if "value" in changes:
        choice.value = str(changes["value"] or "").strip()
        if (
            Choice.objects.filter(question=choice.question, kind=choice.kind, value=choice.value)
            .exclude(id=choice.id)
            .exists()
        ):
            message = _("Code “{value}” is already used in this question.").format(value=choice.value)
            raise Conflict(message, fields={"value": [message]})
    for name in ("is_exclusive", "is_other"):
        if name in changes:
            setattr(choice, name, bool(changes[name]))
    choice.save()
    if "position" in changes:
        siblings = Choice.objects.filter(question=choice.question, kind=choice.kind).order_by("position", "id")
        _insert_at(list(siblings), choice, changes["position"])
    _check_questionnaire(choice.question.survey)
    audit.record_edit(choice.question.survey, choice, fields=sorted(changes))
    return choice


@transaction.atomic
def delete_choice(*, choice: Choice) -> None:
    question = choice.question
    choice.delete()
    _renumber(Choice.objects.filter(question=question, kind=choice.kind).order_by("position", "id"))
    _check_questionnaire(question.survey)
    audit.record_edit(question.survey, choice, change="removed")


# --- whole questionnaires -----------------------------------------------------------------


@transaction.atomic
def create_survey_from_spec(*, workspace: Workspace, spec: SurveySpec, created_by: User | None) -> Survey:
    """Create a draft survey holding ``spec`` (an imported questionnaire), all or nothing."""
    problems = validate_survey(spec, for_publish=False)
    if problems:
        raise QuestionnaireInvalid(problems)
    languages, default_language = _clean_languages(list(spec.languages), spec.default_language)
    survey = Survey.objects.create(
        workspace=workspace,
        created_by=created_by,
        title=spec.title.to_dict() or {default_language: _("Untitled survey")},
        description=spec.description.to_dict(),
        languages=languages,
        default_language=default_language,
    )
    for page_position, page_spec in enumerate(spec.pages):
        page = Page.objects.create(
            survey=survey,
            key=page_spec.key,
            position=page_position,
            title=page_spec.title.to_dict(),
            logic=page_spec.logic.to_dict() if page_spec.logic else None,
            randomize_questions=page_spec.randomize_questions,
        )
        for position, question_spec in enumerate(page_spec.questions):
            _create_question_from_spec(survey, page, position, question_spec)
    if not spec.pages:
        Page.objects.create(survey=survey, key="p1", position=0)
    _check_questionnaire(survey)
    audit.record(created_by, workspace, audit.Action.CREATED, survey, source="import")
    return survey


def _create_question_from_spec(survey: Survey, page: Page, position: int, spec: QuestionSpec) -> Question:
    question = Question.objects.create(
        survey=survey,
        page=page,
        key=spec.key,
        position=position,
        type=spec.type.value,
        text=spec.text.to_dict(),
        help_text=spec.help_text.to_dict(),
        required=spec.required,
        min_value=spec.min_value,
        max_value=spec.max_value,
        allow_not_applicable=spec.allow_not_applicable,
        randomize_choices=spec.randomize_choices,
        role_kind=spec.role.kind.value if spec.role else "",
        role_variable=spec.role.variable if spec.role else "",
        logic=spec.logic.to_dict() if spec.logic else None,
    )
    _write_choices(question, Choice.Kind.OPTION, spec.choices)
    _write_choices(question, Choice.Kind.ROW, spec.rows)
    return question


# --- publishing and status ----------------------------------------------------------------


class SurveyNotPublishable(InvalidInput):
    code = "not_publishable"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            _("The survey cannot be published yet: {first}").format(first=self.problems[0].message.render(_)),
            fields=problems_as_fields(self.problems),
        )


class LintFindingsUnresolved(Conflict):
    """The linter's errors (without an override reason) or warnings (unconfirmed) stop publishing.

    ``findings`` holds every finding still needing the researcher's decision, errors first.
    """

    def __init__(self, findings: Sequence[linting.SurveyFinding], message: str) -> None:
        self.findings = list(findings)
        fields: dict[str, list[str]] = {}
        for item in self.findings:
            path = f"questions.{item.question_key}" if item.question_key else "survey"
            fields.setdefault(path, []).append(item.finding.message.render(_))
        super().__init__(message, fields=fields)


class LintBlocksPublish(LintFindingsUnresolved):
    code = "lint_errors"


class LintWarningsUnconfirmed(LintFindingsUnresolved):
    code = "lint_warnings_unconfirmed"


def _check_lint(spec: SurveySpec, *, override_reason: str, confirm_warnings: bool) -> None:
    lint = linting.lint_survey_spec(spec)
    errors = lint.errors if not override_reason else ()
    warnings = lint.warnings if not confirm_warnings else ()
    if errors:
        message = ngettext(
            "The linter found {count} error that biases or breaks answers; fix it or give a reason to publish anyway.",
            "The linter found {count} errors that bias or break answers; fix them or give a reason to publish anyway.",
            len(errors),
        ).format(count=len(errors))
        raise LintBlocksPublish([*errors, *warnings], message)
    if warnings:
        message = ngettext(
            "The linter found {count} warning; review it and confirm to publish.",
            "The linter found {count} warnings; review them and confirm to publish.",
            len(warnings),
        ).format(count=len(warnings))
        raise LintWarningsUnconfirmed(warnings, message)


@transaction.atomic
def publish_survey(
    *, survey: Survey, published_by: User | None, override_reason: str = "", confirm_warnings: bool = False
) -> SurveyVersion:
    """Freeze the working questionnaire as the next immutable version and open the survey.

    The linter's errors block publishing unless ``override_reason`` says why (it is kept on the
    version); its warnings need ``confirm_warnings``.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == Survey.Status.ARCHIVED:
        raise Conflict(_("An archived survey cannot be published."))
    spec = selectors.get_survey_spec(survey=survey)
    problems = validate_survey(spec, for_publish=True)
    if problems:
        raise SurveyNotPublishable(problems)
    override_reason = (override_reason or "").strip()
    _check_lint(spec, override_reason=override_reason, confirm_warnings=confirm_warnings)
    snapshot = spec.to_dict()
    latest = selectors.get_latest_version(survey=survey)
    if latest is not None and latest.snapshot == snapshot:
        raise Conflict(
            _("Nothing has changed since version {number}.").format(number=latest.number), code="nothing_to_publish"
        )
    number = (SurveyVersion.objects.filter(survey=survey).aggregate(n=Max("number"))["n"] or 0) + 1
    version = SurveyVersion.objects.create(
        survey=survey,
        number=number,
        snapshot=snapshot,
        published_by=published_by,
        lint_override_reason=override_reason,
    )
    if survey.status != Survey.Status.OPEN:
        survey.mark_open()
    audit.record(
        published_by,
        survey.workspace,
        audit.Action.PUBLISHED,
        survey,
        version=number,
        lint_override=bool(override_reason),
    )
    return version


def close_survey(*, survey: Survey) -> Survey:
    if survey.status != Survey.Status.OPEN:
        raise Conflict(_("Only an open survey can be closed."))
    survey.mark_closed()
    audit.record(None, survey.workspace, audit.Action.CLOSED, survey)
    return survey


def reopen_survey(*, survey: Survey) -> Survey:
    if survey.status != Survey.Status.CLOSED:
        raise Conflict(_("Only a closed survey can be reopened."))
    survey.mark_open()
    audit.record(None, survey.workspace, audit.Action.REOPENED, survey)
    return survey


def archive_survey(*, survey: Survey) -> Survey:
    if survey.status == Survey.Status.ARCHIVED:
        raise Conflict(_("The survey is already archived."))
    survey.mark_archived()
    audit.record(None, survey.workspace, audit.Action.ARCHIVED, survey)
    return survey


def get_or_create_default_workspace(*, user: User) -> Workspace:
    """Return the user's first workspace, creating "My workspace" for a new account."""
    workspace = selectors.list_workspaces_for_user(user=user).first()
    return workspace or create_workspace(name=_("My workspace"), owner=user)


# --- XLSForm ------------------------------------------------------------------------------


def xlsform_problem_location(problem: XLSFormProblem) -> str:
    """Return where a workbook problem sits: "survey!7:type" (sheet!row:column), or "file"."""
    if problem.sheet is None:
        return "file"
    location = problem.sheet
    if problem.row is not None:
        location += f"!{problem.row}"
    if problem.column:
        location += f":{problem.column}" if problem.row is not None else f"!{problem.column}"
    return location


class XLSFormInvalid(InvalidInput):
    code = "xlsform_invalid"

    def __init__(self, problems: Sequence[XLSFormProblem]) -> None:
        self.problems = list(problems)
        fields: dict[str, list[str]] = {}
        for problem in self.problems:
            fields.setdefault(xlsform_problem_location(problem), []).append(problem.message.render(_))
        count = len(self.problems)
        summary = ngettext(
            "The workbook has {count} problem: {first}",
            "The workbook has {count} problems; the first: {first}",
            count,
        ).format(count=count, first=self.problems[0].message.render(_))
        super().__init__(summary, fields=fields)


def import_survey_xlsform(*, workspace: Workspace, file: BinaryIO, created_by: User | None) -> Survey:
    """Create a draft survey from an XLSForm workbook, all or nothing."""
    limit = settings.XLSFORM_MAX_BYTES
    if file.seekable():
        file.seek(0)
    # Read one byte past the limit: enough to know it is too large without holding a huge upload.
    data = file.read(limit + 1)
    if len(data) > limit:
        message = _("The workbook is larger than {size}.").format(size=filesizeformat(limit))
        raise InvalidInput(message, fields={"file": [message]}, code="file_too_large")
    try:
        spec = read_xlsform(io.BytesIO(data))
    except XLSFormError as error:
        raise XLSFormInvalid(error.problems) from None
    return create_survey_from_spec(workspace=workspace, spec=spec, created_by=created_by)


# --- API tokens ---------------------------------------------------------------------------


def issue_api_token(*, email: str, password: str) -> Token:
    """Return the API token of the account with ``email`` and ``password``, creating it on first use."""
    accounts = list(get_user_model().objects.filter(email__iexact=(email or "").strip()).order_by("id")[:5])
    if not accounts:
        # Hash anyway, as Django's login does, so timing does not reveal which addresses have accounts.
        get_user_model()().set_password(password)
    # authenticate() applies the configured backends and refuses inactive accounts.
    user = next(
        (
            authenticated
            for account in accounts
            if (authenticated := authenticate(username=account.get_username(), password=password)) is not None
        ),
        None,
    )
    if user is None:
        raise InvalidInput(_("The email address or password is incorrect."), code="invalid_credentials")
    token, _created = Token.objects.get_or_create(user=user)
    return token
