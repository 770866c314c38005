"""Studies under the review workflow (the studies app knows nothing of it)."""

from django.contrib import admin
from django.urls import path

from studies.admin import StudyAdmin
from studies.models import Study

from ..admin_queue import AddedByMeFilter
from ..study_admin import EvidenceOfStudyInline
from .forms import StudyModeratedForm
from .moderated import ModeratedAdmin
from .study_links import (
    link_to_claims_button,
    link_to_claims_list_link,
    link_to_claims_view,
)


class ModeratedStudyAdmin(ModeratedAdmin, StudyAdmin):
    """Studies under the review workflow (the studies app knows nothing of it)."""

    form = StudyModeratedForm
    list_filter = [*StudyAdmin.list_filter, AddedByMeFilter]
    inlines = [*StudyAdmin.inlines, EvidenceOfStudyInline]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "link_to_claims_column"]

    @admin.display(description="Evidence")
    def link_to_claims_column(self, obj):
        return link_to_claims_list_link(obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.insert(1, ("Claims", {"fields": ["link_to_claims"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "link_to_claims"]

    @admin.display(description="Evidence links")
    def link_to_claims(self, obj):
        return link_to_claims_button(obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/link-claims/",
                self.admin_site.admin_view(self.link_to_claims_view),
                name="studies_study_link_claims",
            ),
            *super().get_urls(),
        ]

    def link_to_claims_view(self, request, object_id):
        return link_to_claims_view(self, request, object_id)


admin.site.unregister(Study)
admin.site.register(Study, ModeratedStudyAdmin)
