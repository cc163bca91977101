"""Request and response shapes of the surveys API.

Input serializers check types and shapes only; every domain rule (text lengths, keys, display
logic on earlier questions, options that logic refers to) lives in the services and the core, so
the API, the pages and the XLSForm importer refuse the same things with the same messages.
Text, display logic and questionnaire snapshots pass through as JSON; the serializers named after
them exist so the OpenAPI schema describes that JSON exactly.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from surveys import selectors
from surveys.core.questionnaire import LANGUAGES, Operator, QuestionType
from surveys.core.versions import ChangeKind
from surveys.models import Choice, Membership, Survey

LANGUAGE_CHOICES = [(language, language) for language in LANGUAGES]
QUESTION_TYPE_CHOICES = [(question_type.value, question_type.value) for question_type in QuestionType]


# Choice sets used under several field names are named components, so the schema has one
# enum per set instead of one per field name.
@extend_schema_field(
    {"type": "string", "enum": list(LANGUAGES), "description": "`vi` Vietnamese, `en` English."},
    component_name="Language",
)
class LanguageField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=LANGUAGE_CHOICES, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": list(Choice.Kind.values),
        "description": "`option` an answer option, `row` a matrix row",
    },
    component_name="ChoiceKind",
)
class ChoiceKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Choice.Kind.choices, **kwargs)


# --- JSON documented by serializers ---------------------------------------------------------


class TextSerializer(serializers.Serializer):
    """A label in each survey language; a language without text is left out."""

    vi = serializers.CharField(required=False, allow_blank=True)
    en = serializers.CharField(required=False, allow_blank=True)


@extend_schema_field(TextSerializer)
class TextField(serializers.JSONField):
    """Text per language, passed to the services as given so they can check it."""


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "array", "items": {"type": "string"}}],
        "description": "A code, a number or a date (YYYY-MM-DD); a list of codes for any_of / none_of. "
        "Left out for answered / not_answered.",
    }
)
class ConditionValueField(serializers.JSONField):
    """The value a condition compares an earlier answer with."""


class ConditionSerializer(serializers.Serializer):
    """One test on the answer to an earlier question."""

    question = serializers.CharField(help_text="Key of an earlier question, e.g. q1.")
    operator = serializers.ChoiceField(choices=[(operator.value, operator.value) for operator in Operator])
    value = ConditionValueField(required=False)


class DisplayLogicSerializer(serializers.Serializer):
    """Show the page or question only when all (or any) of the conditions hold."""

    match = serializers.ChoiceField(choices=[("all", "all"), ("any", "any")], default="all")
    conditions = ConditionSerializer(many=True)


@extend_schema_field(DisplayLogicSerializer)
class DisplayLogicField(serializers.JSONField):
    """Display logic, checked by the services against the questions before it."""


class QuestionnaireChoiceOutputSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = TextField()
    is_exclusive = serializers.BooleanField(required=False)
    is_other = serializers.BooleanField(required=False)


class QuestionnaireQuestionOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=QUESTION_TYPE_CHOICES)
    text = TextField()
    required = serializers.BooleanField()
    help_text = TextField(required=False)
    choices = QuestionnaireChoiceOutputSerializer(many=True, required=False)
    rows = QuestionnaireChoiceOutputSerializer(many=True, required=False)
    min_value = serializers.FloatField(required=False)
    max_value = serializers.FloatField(required=False)
    allow_not_applicable = serializers.BooleanField(required=False)
    randomize_choices = serializers.BooleanField(required=False)
    role = serializers.CharField(required=False, help_text="demographic:<variable> or kpi:<variable>.")
    logic = DisplayLogicSerializer(required=False)


class QuestionnairePageOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = TextField()
    questions = QuestionnaireQuestionOutputSerializer(many=True)
    logic = DisplayLogicSerializer(required=False)
    randomize_questions = serializers.BooleanField(required=False)


class QuestionnaireOutputSerializer(serializers.Serializer):
    """A whole questionnaire: what respondents see, as frozen in a published version."""

    title = TextField()
    description = TextField()
    languages = serializers.ListField(child=LanguageField())
    default_language = LanguageField()
    pages = QuestionnairePageOutputSerializer(many=True)


@extend_schema_field(QuestionnaireOutputSerializer)
class QuestionnaireField(serializers.JSONField):
    """A questionnaire snapshot, returned exactly as stored."""


# --- errors ----------------------------------------------------------------------------------


class ErrorDetailOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. invalid, not_found.")
    message = serializers.CharField(help_text="Translated message for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Translated messages per field or questionnaire path (e.g. questions.q3.logic.conditions.0).",
    )


class ErrorOutputSerializer(serializers.Serializer):
    """The one error format of every endpoint."""

    error = ErrorDetailOutputSerializer()


# --- authentication --------------------------------------------------------------------------


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(source="key", help_text="Send as the header `Authorization: Token <token>`.")


# --- workspaces and members ------------------------------------------------------------------


class WorkspaceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)


class WorkspaceOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()


class MemberCreateInputSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="The address of an existing account.")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    created_at = serializers.DateTimeField()


# --- surveys ---------------------------------------------------------------------------------


class SurveyFilterInputSerializer(serializers.Serializer):
    workspace = serializers.CharField(required=False, help_text="Only the surveys of this workspace (its slug).")


class SurveyCreateInputSerializer(serializers.Serializer):
    workspace = serializers.CharField(help_text="Slug of the workspace the survey belongs to.")
    title = TextField()
    description = TextField(required=False)
    languages = serializers.ListField(child=LanguageField(), required=False)
    default_language = LanguageField(required=False)


def _open_unit_interval(value: float | None, *, include_one: bool = False) -> float | None:
    if value is not None and not (0 < value < 1 or (include_one and value == 1)):
        if include_one:
            raise serializers.ValidationError(_("Enter a number above 0 and at most 1."))
        raise serializers.ValidationError(_("Enter a number above 0 and below 1."))
    return value


class SurveyUpdateInputSerializer(serializers.Serializer):
    title = TextField(required=False)
    description = TextField(required=False)
    languages = serializers.ListField(child=LanguageField(), required=False)
    default_language = LanguageField(required=False)
    target_population = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    target_margin_of_error = serializers.FloatField(
        min_value=0, max_value=1, required=False, allow_null=True, help_text="Between 0 and 1, exclusive."
    )
    target_confidence_level = serializers.FloatField(
        min_value=0, max_value=1, required=False, allow_null=True, help_text="Between 0 and 1, exclusive."
    )
    target_response_rate = serializers.FloatField(
        min_value=0, max_value=1, required=False, allow_null=True, help_text="Above 0, at most 1."
    )
    target_sample_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate_target_margin_of_error(self, value: float | None) -> float | None:
        return _open_unit_interval(value)

    def validate_target_confidence_level(self, value: float | None) -> float | None:
        return _open_unit_interval(value)

    def validate_target_response_rate(self, value: float | None) -> float | None:
        return _open_unit_interval(value, include_one=True)


class SurveyOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    workspace = serializers.CharField(source="workspace.slug")
    title = TextField()
    description = TextField()
    status = serializers.ChoiceField(choices=Survey.Status.choices)
    languages = serializers.ListField(child=LanguageField())
    default_language = LanguageField()
    target_population = serializers.IntegerField(allow_null=True)
    target_margin_of_error = serializers.FloatField(allow_null=True)
    target_confidence_level = serializers.FloatField(allow_null=True)
    target_response_rate = serializers.FloatField(allow_null=True)
    target_sample_size = serializers.IntegerField(allow_null=True)
    latest_version = serializers.SerializerMethodField()
    has_unpublished_changes = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="Null until first published."))
    def get_latest_version(self, survey: Survey) -> int | None:
        latest = selectors.get_latest_version(survey=survey)
        return latest.number if latest else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_unpublished_changes(self, survey: Survey) -> bool:
        return selectors.has_unpublished_changes(survey=survey)


class SurveyPublishInputSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why the survey is published despite the linter's errors; kept on the version.",
    )
    confirm_warnings = serializers.BooleanField(
        required=False, default=False, help_text="True: the linter's warnings were reviewed; publish anyway."
    )


class SurveyImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An XLSForm workbook (.xlsx).")
    workspace = serializers.CharField(help_text="Slug of the workspace the survey is imported into.")


# --- pages, questions, choices ---------------------------------------------------------------


class PageInputSerializer(serializers.Serializer):
    title = TextField(required=False)
    position = serializers.IntegerField(min_value=0, required=False, help_text="0-based; at the end when left out.")
    logic = DisplayLogicField(required=False, allow_null=True)
    randomize_questions = serializers.BooleanField(required=False)


class PageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    position = serializers.IntegerField()
    title = TextField()
    logic = DisplayLogicField(allow_null=True)
    randomize_questions = serializers.BooleanField()


class QuestionChoiceInputSerializer(serializers.Serializer):
    value = serializers.CharField(required=False, allow_blank=True, help_text="Stable code; numbered when blank.")
    label = TextField(required=False)
    is_exclusive = serializers.BooleanField(required=False)
    is_other = serializers.BooleanField(required=False)


class QuestionUpdateInputSerializer(serializers.Serializer):
    """Fields of a question; `choices` and `rows` given as lists replace the existing ones."""

    type = serializers.ChoiceField(choices=QUESTION_TYPE_CHOICES, required=False)
    key = serializers.CharField(max_length=64, required=False, help_text="Stable key; q1, q2, … when left out.")
    text = TextField(required=False)
    help_text = TextField(required=False)
    required = serializers.BooleanField(required=False)
    min_value = serializers.FloatField(required=False, allow_null=True)
    max_value = serializers.FloatField(required=False, allow_null=True)
    allow_not_applicable = serializers.BooleanField(required=False)
    randomize_choices = serializers.BooleanField(required=False)
    role = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="demographic:<variable> or kpi:<variable>."
    )
    logic = DisplayLogicField(required=False, allow_null=True)
    choices = QuestionChoiceInputSerializer(many=True, required=False)
    rows = QuestionChoiceInputSerializer(many=True, required=False)


class QuestionCreateInputSerializer(QuestionUpdateInputSerializer):
    """A new question on `page`; a rating question without `choices` gets a 1–5 scale."""

    page = serializers.IntegerField(help_text="Id of a page of this survey.")
    type = serializers.ChoiceField(choices=QUESTION_TYPE_CHOICES)
    position = serializers.IntegerField(min_value=0, required=False, help_text="0-based; at the end when left out.")


class QuestionMoveInputSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, help_text="0-based position on the target page.")
    page = serializers.IntegerField(required=False, help_text="Id of a page of the same survey; its own by default.")


class ChoiceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.IntegerField(source="question_id")
    kind = ChoiceKindField()
    position = serializers.IntegerField()
    value = serializers.CharField()
    label = TextField()
    is_exclusive = serializers.BooleanField()
    is_other = serializers.BooleanField()


class QuestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    page = serializers.IntegerField(source="page_id")
    key = serializers.CharField()
    position = serializers.IntegerField()
    type = serializers.ChoiceField(choices=QUESTION_TYPE_CHOICES)
    text = TextField()
    help_text = TextField()
    required = serializers.BooleanField()
    min_value = serializers.FloatField(allow_null=True)
    max_value = serializers.FloatField(allow_null=True)
    allow_not_applicable = serializers.BooleanField()
    randomize_choices = serializers.BooleanField()
    role = serializers.SerializerMethodField()
    logic = DisplayLogicField(allow_null=True)
    choices = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="demographic:<variable> or kpi:<variable>."))
    def get_role(self, question) -> str | None:
        return f"{question.role_kind}:{question.role_variable}" if question.role_kind else None

    @extend_schema_field(ChoiceOutputSerializer(many=True))
    def get_choices(self, question) -> list[dict]:
        # all() keeps the prefetched choices of a question list; filter() would query per question.
        options = [choice for choice in question.choices.all() if choice.kind == Choice.Kind.OPTION]
        return ChoiceOutputSerializer(options, many=True).data

    @extend_schema_field(ChoiceOutputSerializer(many=True))
    def get_rows(self, question) -> list[dict]:
        rows = [choice for choice in question.choices.all() if choice.kind == Choice.Kind.ROW]
        return ChoiceOutputSerializer(rows, many=True).data


class ChoiceFilterInputSerializer(serializers.Serializer):
    kind = ChoiceKindField(required=False, help_text="Only options or rows.")


class ChoiceUpdateInputSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=64, required=False, help_text="Stable code used in answers and logic.")
    label = TextField(required=False)
    is_exclusive = serializers.BooleanField(required=False)
    is_other = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class ChoiceCreateInputSerializer(ChoiceUpdateInputSerializer):
    kind = ChoiceKindField(default=Choice.Kind.OPTION)
    value = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Stable code; numbered when blank."
    )
    label = TextField(default=dict)


# --- versions --------------------------------------------------------------------------------


class VersionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = serializers.EmailField(source="published_by.email", allow_null=True)
    lint_override_reason = serializers.CharField()


class VersionDetailOutputSerializer(VersionOutputSerializer):
    snapshot = QuestionnaireField()


class VersionDiffInputSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so the fields cannot be declared as class attributes.
        return {
            "from": serializers.IntegerField(min_value=1, help_text="The earlier version number."),
            "to": serializers.IntegerField(min_value=1, help_text="The later version number."),
        }


class FieldChangeOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class QuestionChangeOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=[(kind.value, kind.value) for kind in ChangeKind])
    fields = FieldChangeOutputSerializer(many=True)


class VersionDiffOutputSerializer(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    is_empty = serializers.BooleanField(source="diff.is_empty")
    survey_fields = FieldChangeOutputSerializer(source="diff.survey_fields", many=True)
    questions = QuestionChangeOutputSerializer(source="diff.questions", many=True)
