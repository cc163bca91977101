from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.health import health_view

# An unknown URL under /api/ answers in the API's error format (pages keep the HTML 404 page).
handler404 = "config.api.handle_not_found"
# A database or broker outage raised outside a view is a retryable 503, anything else the 500 page.
handler500 = "config.unavailable.handle_server_error"

urlpatterns = [
    path("healthz", health_view, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="frontend/api/redoc.html"),
        name="api-redoc",
    ),
    path("api/", include("surveys.urls")),
    path("api/", include("responses.urls")),
    path("api/", include("analysis.urls")),
    path("api/", include("analysis.urls_results")),
    path("", include("frontend.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
