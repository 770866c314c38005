from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from config.history_admin import HistoryIdsMixin
from evidence.models import Evidence

from .crossref import (
    DoiLookupError,
    crossref_fetch,
    lookup_change_reason,
    study_fields_from_crossref,
)
from .forms import (
    IMPORT_COMMAND,
    MAX_UPLOAD_BYTES,
    CitationImportForm,
    DoiLookupForm,
    StudyAdminForm,
)
from .importers import CitationFileError
from .models import EntryMethod, Study
from .services import citations_import

# The fields Crossref gave for a DOI, kept until the curator saves the study.
DOI_LOOKUP_SESSION_KEY = "studies_doi_lookup"


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
class StudyAdmin(HistoryIdsMixin, SimpleHistoryAdmin):
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
    readonly_fields = ["entry_method", "entry_source", "created", "updated"]
    form = StudyAdminForm
    inlines = [EvidenceOfStudyInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_per_page = 50
    ordering = ["-year", "title", "pk"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "authors",
                    "authors_et_al",
                    ("year", "journal"),
                    "loaded_updated",
                ]
            },
        ),
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
            "Retraction",
            {
                "fields": ["retracted", ("retraction_date", "retraction_url")],
                "classes": ["collapse"],
                "description": "A retracted study's links stay visible, flagged, and stop counting.",
            },
        ),
        (
            "Provenance",
            {
                "fields": ["entry_method", "entry_source", "created", "updated"],
                "classes": ["collapse"],
            },
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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "import/",
                view(self.import_citations_view),
                name="studies_study_import",
            ),
            path(
                "add-by-doi/",
                view(self.doi_lookup_view),
                name="studies_study_doi_lookup",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, template, title, **context):
        return TemplateResponse(
            request,
            f"admin/studies/study/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )

    def import_citations_view(self, request):
        """Upload a citation file; show what became of each entry."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CitationImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            upload.seek(0)
            try:
                report = citations_import(
                    file=upload.file,
                    file_name=upload.name,
                    format=form.cleaned_data["format"] or None,
                    user=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                )
            except CitationFileError as error:
                form.add_error(
                    "file",
                    f"{upload.name} was not imported, nothing was stored. {error}",
                )
        return self._page(
            request,
            "import_citations.html",
            "Import citations",
            form=form,
            report=report,
            command=IMPORT_COMMAND,
            max_upload_bytes=MAX_UPLOAD_BYTES,
        )

    def doi_lookup_view(self, request):
        """Look a DOI up in Crossref and open the add form filled in with what it knows."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DoiLookupForm(request.POST or None)
        context = {"form": form, "add_url": reverse("admin:studies_study_add")}
        if request.method == "POST" and form.is_valid():
            doi = form.cleaned_data["doi"]
            existing = Study.objects.filter(doi=doi).first()
            if existing:
                context["existing"] = existing
            else:
                try:
                    fields = study_fields_from_crossref(crossref_fetch(doi))
                except DoiLookupError as error:
                    context["lookup_error"] = str(error)
                else:
                    request.session[DOI_LOOKUP_SESSION_KEY] = {
                        "doi": doi,
                        "fields": fields,
                    }
                    return redirect(
                        f"{context['add_url']}?{urlencode({'doi_lookup': doi})}"
                    )
        return self._page(request, "doi_lookup.html", "Add study by DOI", **context)

    def _looked_up(self, request):
        """The Crossref fields for the DOI this add form was opened for, if any."""
        looked_up = request.session.get(DOI_LOOKUP_SESSION_KEY)
        doi = request.GET.get("doi_lookup")
        if doi and looked_up and looked_up.get("doi") == doi:
            return looked_up
        return None

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.pop("doi_lookup", None)
        looked_up = self._looked_up(request)
        if looked_up:
            initial.update(looked_up["fields"])
        return initial

    def save_model(self, request, obj, form, change):
        looked_up = None if change else self._looked_up(request)
        if looked_up and obj.doi == looked_up["doi"]:
            obj.entry_method = EntryMethod.DOI_LOOKUP
            obj.entry_source = f"doi:{obj.doi}"
            obj._change_reason = lookup_change_reason(obj.doi)
        super().save_model(request, obj, form, change)
        if looked_up:
            request.session.pop(DOI_LOOKUP_SESSION_KEY, None)
