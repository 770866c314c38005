from django.urls import path

from . import views
from .study_pages import claim_citation_file

app_name = "evidence"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<slug:slug>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path(
        "claims/<slug:slug>/forest/<str:measure>.svg",
        views.claim_forest_svg,
        name="claim-forest",
    ),
    path(
        "claims/<slug:slug>/studies.<str:citation_format>",
        claim_citation_file,
        name="claim-citation-file",
    ),
    path(
        "claims/<slug:slug>/v/<int:number>/",
        views.ClaimVersionView.as_view(),
        name="claim-version",
    ),
    path("methods/", views.MethodsView.as_view(), name="methods"),
    path("releases/", views.ReleaseListView.as_view(), name="release-list"),
    path(
        "releases/<str:name>/download/",
        views.release_download,
        name="release-download",
    ),
]
