from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from studies.models import Design

from .models import Claim, Evidence
from .profile import DIRECTIONS, EVIDENCE_TYPES, TYPE_LABELS

admin.site.site_header = "Evidence Atlas curation"
admin.site.site_title = "Evidence Atlas"
admin.site.index_title = "Claims, studies and evidence"

# A claim with more links than this is edited through the evidence list
# rather than an inline that would render every one of them.
INLINE_LINK_LIMIT = 200


def profile_bar(profile):
    """A compact supports / mixed / contradicts bar with the counts as text."""
    by_direction = profile.by_direction()
    if not profile.total:
        return mark_safe('<span class="ea-muted">no published evidence</span>')
    segments = format_html_join(
        "",
        '<span class="ea-bar-{}" style="flex-grow:{}" title="{} {}"></span>',
        (
            (direction, by_direction[direction], by_direction[direction], direction)
            for direction in DIRECTIONS
            if by_direction[direction]
        ),
    )
    return format_html(
        '<span class="ea-bar" aria-hidden="true">{}</span> '
        "<span>{} · {} for, {} against, {} mixed</span>",
        segments,
        profile.strength_label,
        by_direction["supports"],
        by_direction["contradicts"],
        by_direction["mixed"],
    )


def profile_table(profile):
    rows = format_html_join(
        "",
        "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                TYPE_LABELS[etype].capitalize(),
                profile.count(etype, "supports"),
                profile.count(etype, "contradicts"),
                profile.count(etype, "mixed"),
            )
            for etype in EVIDENCE_TYPES
        ),
    )
    reasons = format_html_join(
        "", "<li>{}</li>", ((reason,) for reason in profile.reasons)
    )
    return format_html(
        "<p><strong>{}</strong> (score {})</p>"
        "<table><thead><tr><th>Published links</th><th>Supports</th><th>Contradicts</th>"
        "<th>Mixed</th></tr></thead><tbody>{}</tbody></table><ul>{}</ul>",
        profile.strength_label,
        profile.score,
        rows,
        reasons,
    )


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that renders an already-loaded choice without a query.

    Django's widget looks up its selected option with one query per form,
    which makes an inline of n links cost n queries.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        selected = [str(item) for item in value if item not in (None, "")]
        if self.preloaded is None or selected != [str(self.preloaded.pk)]:
            return super().optgroups(name, value, attr)
        options = (
            [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        )
        options.append(
            self.create_option(
                name,
                str(self.preloaded.pk),
                str(self.preloaded),
                True,
                len(options),
                attrs=attr,
            )
        )
        return [(None, options, 0)]


class EvidenceInlineForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            widget = self.fields["study"].widget
            getattr(widget, "widget", widget).preloaded = self.instance.study


class EvidenceInline(admin.StackedInline):
    model = Evidence
    form = EvidenceInlineForm
    extra = 0
    fields = [("study", "evidence_type", "direction", "status"), "finding", "quote"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("study")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "study":
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = ["statement", "topic", "status", "evidence_profile", "updated"]
    list_filter = ["topic", "status"]
    search_fields = ["statement", "description", "slug"]
    readonly_fields = [
        "evidence_profile_detail",
        "large_claim_links",
        "created",
        "updated",
    ]
    fieldsets = [
        (None, {"fields": ["statement", "slug", "topic", "status", "description"]}),
        (
            "Evidence profile",
            {"fields": ["evidence_profile_detail", "large_claim_links"]},
        ),
        ("Dates", {"fields": ["created", "updated"], "classes": ["collapse"]}),
    ]
    list_per_page = 50

    class Media:
        css = {"all": ["admin/evidence-admin.css"]}

    def save_formset(self, request, form, formset, change):
        # The inline's new links record the curator who added them.
        for link in formset.save(commit=False):
            if link.pk is None and link.added_by_id is None:
                link.added_by = request.user
            link.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("slug")  # permanent: citations link to it
        return readonly

    def get_inlines(self, request, obj):
        if obj is not None and self._link_total(obj) > INLINE_LINK_LIMIT:
            return []
        return [EvidenceInline]

    def _link_total(self, obj):
        if not hasattr(obj, "_link_total"):
            obj._link_total = obj.evidence.count()
        return obj._link_total

    @admin.display(description="Evidence profile", ordering="strength_score")
    def evidence_profile(self, obj):
        return profile_bar(obj.profile)

    @admin.display(description="Profile of published evidence")
    def evidence_profile_detail(self, obj):
        return profile_table(obj.profile)

    @admin.display(description="All links")
    def large_claim_links(self, obj):
        if obj.pk is None:
            return "Save the claim first, then add evidence links."
        url = (
            reverse("admin:evidence_evidence_changelist")
            + f"?claim__id__exact={obj.pk}"
        )
        total = self._link_total(obj)
        note = " (too many to edit inline here)" if total > INLINE_LINK_LIMIT else ""
        return format_html(
            '<a href="{}">{} links in the evidence list</a>{}', url, total, note
        )


class StudyDesignFilter(admin.SimpleListFilter):
    title = "study design"
    parameter_name = "design"

    def lookups(self, request, model_admin):
        return Design.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(study__design=self.value())
        return queryset


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = [
        "claim_statement",
        "study_citation",
        "evidence_type",
        "direction",
        "status",
        "added_by",
        "updated",
    ]
    list_filter = ["evidence_type", "direction", "status", StudyDesignFilter, "claim"]
    list_select_related = ["claim", "study", "added_by"]
    search_fields = [
        "claim__statement",
        "claim__slug",
        "study__title",
        "study__doi",
        "finding",
    ]
    autocomplete_fields = ["claim", "study"]
    readonly_fields = ["added_by", "created", "updated"]
    fields = [
        ("claim", "study"),
        ("evidence_type", "direction", "status"),
        "finding",
        "quote",
        ("added_by", "created", "updated"),
    ]
    list_per_page = 50

    @admin.display(description="Claim", ordering="claim__statement")
    def claim_statement(self, obj):
        return obj.claim.statement

    @admin.display(description="Study", ordering="study__year")
    def study_citation(self, obj):
        return obj.study.citation_short

    def save_model(self, request, obj, form, change):
        if obj.pk is None and obj.added_by_id is None:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
