from django.urls import path

from responses import api

app_name = "responses"

urlpatterns = [
    path("surveys/<slug:slug>/collectors/", api.CollectorListApi.as_view(), name="collector-list"),
    path("surveys/<slug:slug>/quotas/", api.QuotaListApi.as_view(), name="quota-list"),
    path("surveys/<slug:slug>/responses/", api.ResponseListApi.as_view(), name="response-list"),
    path("collectors/<int:collector_id>/", api.CollectorDetailApi.as_view(), name="collector-detail"),
    path("quotas/<int:quota_id>/", api.QuotaDetailApi.as_view(), name="quota-detail"),
    path("collectors/<int:collector_id>/contacts/", api.ContactUploadApi.as_view(), name="contact-upload"),
    path("collectors/<int:collector_id>/invitations/", api.InvitationListApi.as_view(), name="invitation-list"),
    path("collectors/<int:collector_id>/invitations/send/", api.InvitationSendApi.as_view(), name="invitation-send"),
    path(
        "collectors/<int:collector_id>/invitations/remind/",
        api.InvitationRemindApi.as_view(),
        name="invitation-remind",
    ),
    path(
        "collectors/<int:collector_id>/invitations/tasks/<str:task_id>/",
        api.InvitationSendProgressApi.as_view(),
        name="invitation-progress",
    ),
    path("collectors/<int:collector_id>/qr/<str:image_format>/", api.CollectorQrApi.as_view(), name="collector-qr"),
    path("surveys/<slug:slug>/responses/import/", api.ResponseImportApi.as_view(), name="response-import"),
    path(
        "public/collectors/<slug:slug>/responses/",
        api.PublicSubmissionApi.as_view(),
        name="public-response-create",
    ),
]
