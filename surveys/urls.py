from django.urls import path

from surveys import api, api_audit, api_lint, api_planner
from surveys.planner import KINDS as SAMPLE_SIZE_KINDS

app_name = "surveys"

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="token-obtain"),
    path("lint/question/", api_lint.QuestionLintApi.as_view(), name="lint-question"),
    path("lint/rules/", api_lint.LintRuleListApi.as_view(), name="lint-rule-list"),
    path("workspaces/", api.WorkspaceListApi.as_view(), name="workspace-list"),
    path("workspaces/<slug:slug>/", api.WorkspaceDetailApi.as_view(), name="workspace-detail"),
    path("workspaces/<slug:slug>/members/", api.MemberListApi.as_view(), name="member-list"),
    path("workspaces/<slug:slug>/members/<int:member_id>/", api.MemberDetailApi.as_view(), name="member-detail"),
    path("workspaces/<slug:slug>/audit/", api_audit.AuditLogApi.as_view(), name="audit-log"),
    path("surveys/", api.SurveyListApi.as_view(), name="survey-list"),
    # Before the survey routes: "import" would otherwise be read as a survey slug.
    path("surveys/import/", api.SurveyImportApi.as_view(), name="survey-import"),
    path("surveys/<slug:slug>/", api.SurveyDetailApi.as_view(), name="survey-detail"),
    path("surveys/<slug:slug>/questionnaire/", api.SurveyQuestionnaireApi.as_view(), name="survey-questionnaire"),
    path("surveys/<slug:slug>/export.xlsx", api.SurveyExportApi.as_view(), name="survey-export"),
    path("surveys/<slug:slug>/publish/", api.SurveyPublishApi.as_view(), name="survey-publish"),
    path("surveys/<slug:slug>/lint/", api_lint.SurveyLintApi.as_view(), name="survey-lint"),
    path("surveys/<slug:slug>/close/", api.SurveyCloseApi.as_view(), name="survey-close"),
    path("surveys/<slug:slug>/reopen/", api.SurveyReopenApi.as_view(), name="survey-reopen"),
    path("surveys/<slug:slug>/archive/", api.SurveyArchiveApi.as_view(), name="survey-archive"),
    path("surveys/<slug:slug>/pages/", api.PageListApi.as_view(), name="page-list"),
    path("surveys/<slug:slug>/questions/", api.QuestionListApi.as_view(), name="question-list"),
    path("surveys/<slug:slug>/plan/", api_planner.SurveyPlanApi.as_view(), name="survey-plan"),
    path("surveys/<slug:slug>/versions/", api.VersionListApi.as_view(), name="version-list"),
    path("surveys/<slug:slug>/versions/diff/", api.VersionDiffApi.as_view(), name="version-diff"),
    path("surveys/<slug:slug>/versions/<int:number>/", api.VersionDetailApi.as_view(), name="version-detail"),
    path("pages/<int:page_id>/", api.PageDetailApi.as_view(), name="page-detail"),
    path("questions/<int:question_id>/", api.QuestionDetailApi.as_view(), name="question-detail"),
    path("questions/<int:question_id>/move/", api.QuestionMoveApi.as_view(), name="question-move"),
    path("questions/<int:question_id>/choices/", api.ChoiceListApi.as_view(), name="choice-list"),
    path("choices/<int:choice_id>/", api.ChoiceDetailApi.as_view(), name="choice-detail"),
    *(
        path(f"sample-size/{kind}/", api_planner.calculation_view(kind), name=f"sample-size-{kind}")
        for kind in SAMPLE_SIZE_KINDS
    ),
]
