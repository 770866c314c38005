from django.contrib import admin
from django.db import models
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from evidence.models import Evidence

from .models import Study


class DecadeFilter(admin.SimpleListFilter):
    title = "year"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).exclude(year__isnull=True)
        decades = sorted(
            {
                year // 10 * 10
                for year in years.values_list("year", flat=True).distinct()
            },
            reverse=True,
        )
        return [(str(decade), f"{decade}s") for decade in decades] + [
            ("none", "Undated")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(year__isnull=True)
        if value and value.isdigit():
            decade = int(value)
            return queryset.filter(year__gte=decade, year__lt=decade + 10)
        return queryset


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
        return super().get_queryset(request).select_related("claim")


@admin.register(Study)
class StudyAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "authors_display",
        "year",
        "design",
        "population",
        "dose",
        "claims_informed",
    ]
    list_filter = ["design", "population", "dose", DecadeFilter, "entry_method"]
    search_fields = ["title", "authors", "doi", "pmid", "journal"]
    readonly_fields = ["entry_method", "created", "updated"]
    inlines = [EvidenceOfStudyInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "authors", "authors_et_al", ("year", "journal")]}),
        ("Identifiers", {"fields": [("doi", "pmid"), "url"]}),
        (
            "Design",
            {
                "fields": [
                    ("design", "design_detail"),
                    ("population", "population_detail"),
                    ("sample_size", "dose"),
                ]
            },
        ),
        ("Abstract", {"fields": ["abstract"]}),
        (
            "Provenance",
            {"fields": ["entry_method", "created", "updated"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(_claims_informed=Count("evidence"))
        )

    @admin.display(description="Authors")
    def authors_display(self, obj):
        return obj.authors_display

    @admin.display(description="Claims", ordering="_claims_informed")
    def claims_informed(self, obj):
        return obj._claims_informed
