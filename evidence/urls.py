from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<slug:slug>/", views.ClaimDetailView.as_view(), name="claim-detail"),
]
