"""What the study admin shows of evidence: the claims a study informs, as a
read-only inline that evidence adds to the study admin (evidence/admin/studies.py
registers the study admin with it), since ``studies`` knows nothing of claims.
"""

from django.contrib import admin

from .models import Evidence


class EvidenceOfStudyInline(admin.TabularInline):
    """The claims this study informs, read-only: links are edited from the claim."""

    model = Evidence
    fk_name = "study"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["claim", "evidence_type", "direction", "status"]
    readonly_fields = fields
    verbose_name = "claim this study informs"
    verbose_name_plural = "claims this study informs"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "study")
