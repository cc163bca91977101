from django.urls import path

from responses import api

app_name = "responses"

urlpatterns = [
    path("surveys/<slug:slug>/collectors/", api.CollectorListApi.as_view(), name="collector-list"),
    path("surveys/<slug:slug>/quotas/", api.QuotaListApi.as_view(), name="quota-list"),
    path("surveys/<slug:slug>/responses/", api.ResponseListApi.as_view(), name="response-list"),
    path("collectors/<int:collector_id>/", api.CollectorDetailApi.as_view(), name="collector-detail"),
    path("quotas/<int:quota_id>/", api.QuotaDetailApi.as_view(), name="quota-detail"),
    path(
        "public/collectors/<slug:slug>/responses/",
        api.PublicSubmissionApi.as_view(),
        name="public-response-create",
    ),
]
