from django.urls import path

from . import views

app_name = "studies"

urlpatterns = [
    path("", views.StudyListView.as_view(), name="list"),
    path("<int:pk>/", views.StudyDetailView.as_view(), name="detail"),
    path(
        "<int:pk>/cite.<str:citation_format>",
        views.study_citation_file,
        name="citation-file",
    ),
]
