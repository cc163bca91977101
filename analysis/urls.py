from django.urls import path

from analysis import api

app_name = "analysis"

urlpatterns = [
    path("workspaces/<slug:slug>/target-sets/", api.TargetSetListApi.as_view(), name="target-set-list"),
    path("workspaces/<slug:slug>/target-sets/upload/", api.TargetSetUploadApi.as_view(), name="target-set-upload"),
    path("workspaces/<slug:slug>/target-sets/preset/", api.TargetSetPresetApi.as_view(), name="target-set-preset"),
    path("target-sets/<int:target_set_id>/", api.TargetSetDetailApi.as_view(), name="target-set-detail"),
    path("surveys/<slug:slug>/target-mapping/", api.TargetMappingApi.as_view(), name="target-mapping"),
    path("surveys/<slug:slug>/representativeness/", api.RepresentativenessApi.as_view(), name="representativeness"),
    path("surveys/<slug:slug>/weighting-runs/", api.WeightingRunListApi.as_view(), name="weighting-run-list"),
    path("weighting-runs/<int:run_id>/", api.WeightingRunDetailApi.as_view(), name="weighting-run-detail"),
    path("weighting-runs/<int:run_id>/weights/", api.WeightingRunWeightsApi.as_view(), name="weighting-run-weights"),
]
