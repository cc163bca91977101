"""The linter API: lint one question, lint a survey's working questionnaire, list the rules.

Messages come in the interface language of the request (the language cookie or Accept-Language).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from surveys import linting, selectors
from surveys.api import SURVEY_SLUG, JsonApi, PaginatedApi, errors, validated
from surveys.core.linter import RULES, QuestionInput, detect_language, lint_question
from surveys.serializers_lint import (
    LintQuestionInputSerializer,
    LintQuestionOutputSerializer,
    LintRuleOutputSerializer,
    SurveyLintOutputSerializer,
    survey_lint_data,
)


class QuestionLintApi(JsonApi):
    @extend_schema(
        tags=["linter"],
        summary="Lint one question's wording and options",
        description="Finds wording and options that bias or break answers, with a neutral rewrite where one "
        "can be produced. Nothing is stored.",
        request=LintQuestionInputSerializer,
        responses={200: LintQuestionOutputSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        data = validated(LintQuestionInputSerializer, request.data)
        lang = data["lang"] or detect_language(data["text"])
        question = QuestionInput(text=data["text"], options=tuple(data["options"]), type=data["type"], lang=lang)
        findings = [linting.finding_as_dict(finding, translate=_) for finding in lint_question(question)]
        return Response({"lang": lang, "findings": findings})


class SurveyLintApi(JsonApi):
    @extend_schema(
        tags=["linter"],
        summary="Lint a survey's working questionnaire in each of its languages",
        description="Findings per question key and for the survey as a whole, the estimated completion time, "
        "and whether an error would block publishing.",
        parameters=[SURVEY_SLUG],
        responses={200: SurveyLintOutputSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        spec = selectors.get_survey_spec(survey=survey)
        lint = linting.lint_survey_spec(spec)
        return Response(survey_lint_data(lint, [question.key for question in spec.questions()]))


class LintRuleListApi(PaginatedApi):
    @extend_schema(
        tags=["linter"],
        summary="List the linter's rules with their documentation",
        responses={200: LintRuleOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request) -> Response:
        rules = [
            {
                "id": rule.id,
                "category": rule.category.value,
                "severity": rule.severity.value,
                "scope": rule.scope.value,
                "title": _(rule.summary),
                "doc": linting.read_rule_doc(rule.id) or "",
            }
            for rule in sorted(RULES.values(), key=lambda rule: rule.id)
        ]
        return self.paginated(request, rules, LintRuleOutputSerializer)
