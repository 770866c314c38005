"""Data releases, read-only in the admin."""

from django.contrib import admin

from ..models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Releases are made by ``manage.py make_release`` and never change."""

    list_display = ["name", "created", "size", "licence", "sha256"]
    readonly_fields = ["name", "created", "file", "size", "sha256", "licence", "counts"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
