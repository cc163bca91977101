"""Request and response shapes of the linter API, and the body of a publish refused by the linter."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.response import Response

from surveys import linting
from surveys.core.linter import Category, Scope, Severity
from surveys.serializers import QUESTION_TYPE_CHOICES, ErrorDetailOutputSerializer, LanguageField

# Long enough for any real question; the builder's own limits are 2,000 characters of text and 500 per option.
MAX_TEXT_LENGTH = 2000
MAX_OPTION_LENGTH = 500
MAX_OPTIONS = 200


class LintQuestionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT_LENGTH, trim_whitespace=False, help_text="The question's wording.")
    options = serializers.ListField(
        child=serializers.CharField(max_length=MAX_OPTION_LENGTH, allow_blank=True, trim_whitespace=False),
        max_length=MAX_OPTIONS,
        required=False,
        default=list,
        help_text="The answer options' labels, in order (scale points for a rating or matrix).",
    )
    type = serializers.ChoiceField(
        choices=QUESTION_TYPE_CHOICES, required=False, allow_null=True, default=None, help_text="The question type."
    )
    lang = LanguageField(required=False, allow_null=True, default=None, help_text="Left out: detected from the text.")

    def validate_text(self, value: str) -> str:
        # Not trimmed, so the spans index the text exactly as sent; but it must say something.
        if not value.strip():
            raise serializers.ValidationError(_("Enter the question's text."))
        return value


class LintSuggestionOutputSerializer(serializers.Serializer):
    questions = serializers.ListField(
        child=serializers.CharField(), help_text="Replacement question text; two or more when the question is split."
    )
    options = serializers.ListField(child=serializers.CharField(), help_text="The whole replacement option list.")


class LintFindingOutputSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="Rule id; GET /api/lint/rules/ documents each rule.")
    category = serializers.ChoiceField(choices=[(c.value, c.value) for c in Category])
    severity = serializers.ChoiceField(
        choices=[(s.value, s.value) for s in Severity],
        help_text="`error` blocks publishing unless overridden with a reason; `warning` needs confirmation.",
    )
    start = serializers.IntegerField(help_text="Start of the first span (a character offset).")
    end = serializers.IntegerField(help_text="End of the first span (exclusive).")
    spans = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="Every [start, end) span, in the question text or in option `option_index`'s label.",
    )
    option_index = serializers.IntegerField(
        allow_null=True, help_text="Set when the spans point into an option's label (0 = first option)."
    )
    message = serializers.CharField(help_text="Why it biases or breaks answers, in the interface language.")
    suggestion = LintSuggestionOutputSerializer(allow_null=True)


class LintQuestionOutputSerializer(serializers.Serializer):
    lang = LanguageField(help_text="The language the question was read in (given or detected).")
    findings = LintFindingOutputSerializer(many=True)


class SurveyLintFindingOutputSerializer(LintFindingOutputSerializer):
    question_key = serializers.CharField(allow_null=True, help_text="The question it is about; null: the survey.")
    lang = LanguageField(help_text="The survey language whose wording was linted.")


class LintCountsOutputSerializer(serializers.Serializer):
    error = serializers.IntegerField()
    warning = serializers.IntegerField()
    info = serializers.IntegerField()


class SurveyLintOutputSerializer(serializers.Serializer):
    estimated_seconds = serializers.IntegerField(help_text="Estimated time for a respondent to complete the survey.")
    is_blocking = serializers.BooleanField(help_text="True when an error would block publishing.")
    counts = LintCountsOutputSerializer()
    survey_findings = SurveyLintFindingOutputSerializer(
        many=True, help_text="Findings about the survey as a whole (e.g. its length)."
    )
    questions = serializers.DictField(
        child=SurveyLintFindingOutputSerializer(many=True),
        help_text="Findings per question key, in questionnaire order; every question is listed.",
    )


class LintRuleOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.ChoiceField(choices=[(c.value, c.value) for c in Category])
    severity = serializers.ChoiceField(choices=[(s.value, s.value) for s in Severity])
    scope = serializers.ChoiceField(
        choices=[(s.value, s.value) for s in Scope], help_text="`question` or `survey` (the questionnaire as a whole)."
    )
    title = serializers.CharField(help_text="One line on what the rule catches, in the interface language.")
    doc = serializers.CharField(help_text="The rule's documentation page (Markdown, English).")


class LintRefusalOutputSerializer(serializers.Serializer):
    """A publish refused by the linter: the usual error, and the findings awaiting a decision."""

    error = ErrorDetailOutputSerializer()
    findings = SurveyLintFindingOutputSerializer(
        many=True, required=False, help_text="Present when the linter refused: the findings awaiting a decision."
    )


def survey_finding_data(item: linting.SurveyFinding) -> dict[str, Any]:
    return {**linting.finding_as_dict(item.finding, translate=_), "question_key": item.question_key, "lang": item.lang}


def survey_lint_data(lint: linting.SurveyLint, question_keys: list[str]) -> dict[str, Any]:
    """Return the whole-survey lint grouped per question key (every key listed, in order)."""
    questions: dict[str, list[dict[str, Any]]] = {key: [] for key in question_keys}
    survey_findings = []
    for item in lint.findings:
        data = survey_finding_data(item)
        if item.question_key is None:
            survey_findings.append(data)
        else:
            questions.setdefault(item.question_key, []).append(data)
    return {
        "estimated_seconds": lint.estimated_seconds,
        "is_blocking": lint.is_blocking,
        "counts": {"error": len(lint.errors), "warning": len(lint.warnings), "info": len(lint.infos)},
        "survey_findings": survey_findings,
        "questions": questions,
    }


def lint_refusal_response(refusal: Any) -> Response:
    """Return the 409 for a publish the linter refused: the error format plus the findings."""
    # The same "error" object as every other refusal (config.api.error_body), with the findings beside it.
    body = {
        "error": {"code": refusal.code, "message": str(refusal.message), "fields": refusal.fields},
        "findings": [survey_finding_data(item) for item in refusal.findings],
    }
    return Response(body, status=status.HTTP_409_CONFLICT)
