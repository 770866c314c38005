from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from .models import SiteIntro


@admin.register(SiteIntro)
class SiteIntroAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it (or to adding it)."""

    fields = ["subject", "intro", "topic_order"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteIntro.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        intro = SiteIntro.objects.first()
        if intro is None:
            return redirect(reverse("admin:sitecontent_siteintro_add"))
        return redirect(reverse("admin:sitecontent_siteintro_change", args=[intro.pk]))
