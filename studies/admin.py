import logging
import os
import secrets
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.history_admin import HistoryAdmin

from .crossref import (
    DoiLookupError,
    NoNetwork,
    crossref_fetch,
    crossref_offline,
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
from .identifiers import normalize_doi
from .importers import CitationFileError
from .imports import citations_import
from .models import EntryMethod, Study

logger = logging.getLogger(__name__)

# The fields Crossref gave for a DOI, kept until the curator saves the study.
DOI_LOOKUP_SESSION_KEY = "studies_doi_lookup"
# A previewed upload is kept this long for "Import these N records".
PREVIEW_SECONDS = 30 * 60
PREVIEW_SALT = "studies.import-preview"
PREVIEW_DIRECTORY = Path(tempfile.gettempdir()) / "evidence-atlas-import-previews"


def preview_keep(*, upload, format, user):
    """Keep an uploaded file for a later confirmation; return its signed token.

    The file goes to a private temporary directory (every worker of the host
    sees it, unlike a per-process cache); previews older than PREVIEW_SECONDS
    are removed on the way.
    """
    PREVIEW_DIRECTORY.mkdir(mode=0o700, exist_ok=True)
    owner = PREVIEW_DIRECTORY.stat()
    if owner.st_uid != os.getuid() or owner.st_mode & 0o077:
        # Someone else made the directory in the shared /tmp: keep out of it.
        raise PermissionError(f"{PREVIEW_DIRECTORY} is not private to this server")
    now = time.time()
    for old in PREVIEW_DIRECTORY.iterdir():
        try:
            if now - old.stat().st_mtime > PREVIEW_SECONDS:
                old.unlink()
        except OSError:
            pass
    name = secrets.token_hex(16)
    upload.seek(0)
    path = PREVIEW_DIRECTORY / name
    with path.open("xb") as kept:
        for chunk in upload.chunks():
            kept.write(chunk)
    path.chmod(0o600)
    return signing.dumps(
        {"file": name, "name": upload.name, "format": format, "user": user.pk},
        salt=PREVIEW_SALT,
    )


def preview_open(*, token, user):
    """(path, file name, format) of the kept upload ``token`` names, or None
    when it has expired, was already imported or belongs to someone else."""
    try:
        kept = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_SECONDS)
    except signing.BadSignature:
        return None
    path = PREVIEW_DIRECTORY / str(kept.get("file", ""))
    if kept.get("user") != user.pk or not path.is_file():
        return None
    return path, kept["name"], kept["format"]


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


@admin.register(Study)
class StudyAdmin(HistoryAdmin):
    revert_permission = "studies.publish_study"
    list_display = [
        "title",
        "authors_display",
        "year",
        "design",
        "population",
        "dose",
        "status",
        "claims_informed",
    ]
    list_filter = [
        "status",
        "design",
        "population",
        "dose",
        DecadeFilter,
        "entry_method",
    ]
    search_fields = ["title", "authors", "doi", "pmid", "journal"]
    readonly_fields = ["entry_method", "entry_source", "created", "updated"]
    form = StudyAdminForm
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
                    ("volume", "issue", "pages"),
                    "status",
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
            "Review",
            {
                "fields": [("review_comment", "withdrawal_reason")],
                "classes": ["collapse"],
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
        """Upload a citation file, preview what becomes of each entry, confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied(
                "Only curators and editors import citations: your account may "
                "not add studies."
            )
        if request.method == "POST" and "confirm" in request.POST:
            return self._import_confirmed(request)
        form = CitationImportForm(request.POST or None, request.FILES or None)
        report, token = None, ""
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            format = form.cleaned_data["format"] or None
            preview = form.cleaned_data["dry_run"]
            upload.seek(0)
            try:
                # A preview lists every entry, the invalid ones as skipped,
                # and the confirmation imports the others.
                report = citations_import(
                    file=upload.file,
                    file_name=upload.name,
                    format=format,
                    user=request.user,
                    dry_run=preview,
                    skip_invalid=preview or form.cleaned_data["skip_invalid"],
                )
            except CitationFileError as error:
                form.add_error(
                    "file",
                    f"{upload.name} was not imported, nothing was stored. {error}",
                )
            else:
                if preview and report.writes:
                    try:
                        token = preview_keep(
                            upload=upload, format=format, user=request.user
                        )
                    except OSError:
                        logger.exception("An import preview could not be kept")
                        messages.warning(
                            request,
                            "The file could not be kept for confirmation: untick "
                            "“Preview first” and upload it again to import it.",
                        )
        return self._import_page(request, form, report, token)

    def _import_confirmed(self, request):
        """Import the file kept by a preview, skipping its invalid entries."""
        form = CitationImportForm()
        kept = preview_open(token=request.POST.get("confirm", ""), user=request.user)
        report = None
        if kept is None:
            form.errors["file"] = form.error_class(
                [
                    "This preview has expired or was imported already: choose "
                    "the file again."
                ]
            )
            return self._import_page(request, form, report, "")
        path, file_name, format = kept
        try:
            with path.open("rb") as file:
                report = citations_import(
                    file=file,
                    file_name=file_name,
                    format=format,
                    user=request.user,
                    skip_invalid=True,
                )
        except CitationFileError as error:
            form.errors["file"] = form.error_class(
                [f"{file_name} was not imported, nothing was stored. {error}"]
            )
        finally:
            path.unlink(missing_ok=True)
        return self._import_page(request, form, report, "")

    def _import_page(self, request, form, report, token):
        return self._page(
            request,
            "import_citations.html",
            "Import citations",
            form=form,
            report=report,
            confirm_token=token,
            command=IMPORT_COMMAND,
            max_upload_bytes=MAX_UPLOAD_BYTES,
        )

    def doi_lookup_view(self, request):
        """Look a DOI up in Crossref and open the add form filled in with what it knows.

        Without a connection to Crossref the page says so, and offers the add
        form with the DOI filled in.
        """
        if not self.has_add_permission(request):
            raise PermissionDenied(
                "Only curators and editors add studies: your account may not."
            )
        add_url = reverse("admin:studies_study_add")
        if request.method == "POST" and "by_hand" in request.POST:
            doi = normalize_doi(request.POST.get("doi", ""))
            query = f"?{urlencode({'doi': doi})}" if doi else ""
            return redirect(f"{add_url}{query}")
        form = DoiLookupForm(request.POST or None)
        context = {
            "form": form,
            "add_url": add_url,
            "offline": crossref_offline(),
        }
        if request.method == "POST" and form.is_valid():
            doi = form.cleaned_data["doi"]
            context["add_url"] = f"{add_url}?{urlencode({'doi': doi})}"
            existing = Study.objects.filter(doi=doi).first()
            if existing:
                context["existing"] = existing
            else:
                try:
                    fields = study_fields_from_crossref(crossref_fetch(doi))
                except DoiLookupError as error:
                    context["lookup_error"] = str(error)
                    context["offline"] = isinstance(error, NoNetwork)
                else:
                    request.session[DOI_LOOKUP_SESSION_KEY] = {
                        "doi": doi,
                        "fields": fields,
                    }
                    return redirect(f"{add_url}?{urlencode({'doi_lookup': doi})}")
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
