"""The study pages' addresses (namespace ``studies``), served with what
evidence adds to them (evidence/study_pages.py)."""

from django.urls import path

from studies import views as study_views

from . import study_pages

app_name = "studies"

urlpatterns = [
    path("", study_pages.StudyListView.as_view(), name="list"),
    path("<int:pk>/", study_pages.StudyDetailView.as_view(), name="detail"),
    path(
        "<int:pk>/cite.<str:citation_format>",
        study_views.study_citation_file,
        name="citation-file",
    ),
]
