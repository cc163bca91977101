from django.urls import path

from analysis import api, api_export, api_insights, api_open_text

app_name = "analysis"

urlpatterns = [
    path("workspaces/<slug:slug>/target-sets/", api.TargetSetListApi.as_view(), name="target-set-list"),
    path("workspaces/<slug:slug>/target-sets/upload/", api.TargetSetUploadApi.as_view(), name="target-set-upload"),
    path("workspaces/<slug:slug>/target-sets/preset/", api.TargetSetPresetApi.as_view(), name="target-set-preset"),
    path("target-sets/<int:target_set_id>/", api.TargetSetDetailApi.as_view(), name="target-set-detail"),
    path("surveys/<slug:slug>/target-mapping/", api.TargetMappingApi.as_view(), name="target-mapping"),
    path("surveys/<slug:slug>/representativeness/", api.RepresentativenessApi.as_view(), name="representativeness"),
    path("surveys/<slug:slug>/weighting-runs/", api.WeightingRunListApi.as_view(), name="weighting-run-list"),
    path("surveys/<slug:slug>/weights/", api.SurveyWeightsApi.as_view(), name="survey-weights"),
    path("weighting-runs/<int:run_id>/", api.WeightingRunDetailApi.as_view(), name="weighting-run-detail"),
    path("weighting-runs/<int:run_id>/weights/", api.WeightingRunWeightsApi.as_view(), name="weighting-run-weights"),
    path("surveys/<slug:slug>/analysis-runs/", api_insights.AnalysisRunListApi.as_view(), name="analysis-run-list"),
    path("analysis-runs/<int:run_id>/", api_insights.AnalysisRunDetailApi.as_view(), name="analysis-run-detail"),
    path("surveys/<slug:slug>/insights/", api_insights.InsightListApi.as_view(), name="insight-list"),
    path("insights/<int:insight_id>/", api_insights.InsightDetailApi.as_view(), name="insight-detail"),
    path(
        "insights/<int:insight_id>/transition/", api_insights.InsightTransitionApi.as_view(), name="insight-transition"
    ),
    path("insights/<int:insight_id>/tracking/", api_insights.InsightTrackingApi.as_view(), name="insight-tracking"),
    path("insights/<int:insight_id>/crosstab/", api_insights.InsightCrosstabApi.as_view(), name="insight-crosstab"),
    path("surveys/<slug:slug>/benchmarks/", api_insights.BenchmarkListApi.as_view(), name="benchmark-list"),
    path("benchmarks/<int:benchmark_id>/", api_insights.BenchmarkDetailApi.as_view(), name="benchmark-detail"),
    path("surveys/<slug:slug>/previous-wave/", api_insights.PreviousWaveApi.as_view(), name="previous-wave"),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/runs/",
        api_open_text.OpenTextRunListApi.as_view(),
        name="open-text-run-list",
    ),
    path("open-text-runs/<int:run_id>/", api_open_text.OpenTextRunDetailApi.as_view(), name="open-text-run-detail"),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/themes/",
        api_open_text.ThemeListApi.as_view(),
        name="open-text-theme-list",
    ),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/themes/<slug:theme_id>/",
        api_open_text.ThemeDetailApi.as_view(),
        name="open-text-theme-detail",
    ),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/edits/",
        api_open_text.CodebookEditApi.as_view(),
        name="open-text-edit",
    ),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/answers/",
        api_open_text.AnswerListApi.as_view(),
        name="open-text-answer-list",
    ),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/answers/<int:response_id>/sentiment/",
        api_open_text.SentimentOverrideApi.as_view(),
        name="open-text-sentiment",
    ),
    path(
        "surveys/<slug:slug>/open-text/<slug:question_key>/segments/",
        api_open_text.SegmentComparisonApi.as_view(),
        name="open-text-segments",
    ),
    path("surveys/<slug:slug>/exports/", api_export.ExportJobListApi.as_view(), name="export-list"),
    path("exports/<int:job_id>/", api_export.ExportJobDetailApi.as_view(), name="export-detail"),
    path("exports/<int:job_id>/download/", api_export.ExportJobDownloadApi.as_view(), name="export-download"),
]
