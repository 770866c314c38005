from django.contrib import admin
from django.urls import include, path

from core.views import favicon, healthz

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for it on pages without an icon link (the admin's).
    path("favicon.ico", favicon),
    path("account/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("studies/", include("evidence.study_urls")),
    path("report/", include("feedback.urls")),
    path("", include("evidence.urls")),
]
