from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("studies/", include("studies.urls")),
    path("", include("evidence.urls")),
]
