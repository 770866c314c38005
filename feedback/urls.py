from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("claim/<slug:slug>/", views.report_claim, name="claim"),
    path("study/<int:pk>/", views.report_study, name="study"),
    path("thanks/", views.thanks, name="thanks"),
]
