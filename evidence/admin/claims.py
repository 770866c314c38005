"""The claim admin, with its evidence links inline."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..admin_queue import AddedByMeFilter
from ..models import Claim, Evidence
from ..workflow import editor_only_fields, is_editor, item_save_or_revise
from .forms import EvidenceInlineForm, form_for_user
from .links import EFFECT_FIELDSET
from .moderated import ModeratedAdmin, save_report
from .rendering import profile_bar, profile_table
from .widgets import PreloadedAutocompleteSelect

# A claim with more links than this is edited through the evidence list
# rather than an inline that would render every one of them.
INLINE_LINK_LIMIT = 200


class EvidenceInline(admin.StackedInline):
    model = Evidence
    form = EvidenceInlineForm
    extra = 0
    can_delete = False  # links are removed (or retracted) from their own page
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("study", "evidence_type", "direction", "status"),
                    "finding",
                    "quote",
                    "loaded_updated",
                ]
            },
        ),
        EFFECT_FIELDSET,
    ]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .select_related("study", "claim")  # both named in each link's title
        )

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_user(self.form, request.user)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "study":
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Claim)
class ClaimAdmin(ModeratedAdmin):
    list_display = [
        "statement",
        "topic",
        "status",
        "verdict_direction",
        "certainty",
        "evidence_profile",
        "updated",
    ]
    list_filter = [
        "topic",
        "status",
        "verdict_direction",
        "certainty",
        AddedByMeFilter,
    ]
    search_fields = ["statement", "description", "aliases", "slug"]
    autocomplete_fields = ["related_claims"]
    readonly_fields = [
        "evidence_profile_detail",
        "certainty_detail",
        "version_links",
        "large_claim_links",
        "created",
        "updated",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "slug",
                    "topic",
                    "status",
                    "description",
                    "effect_favours_claim",
                    "aliases",
                    "related_claims",
                    "loaded_updated",
                ]
            },
        ),
        (
            "Verdict",
            {
                "fields": [
                    "certainty_detail",
                    ("direction_override", "certainty_override"),
                    "certainty_override_reason",
                    "version_links",
                ]
            },
        ),
        (
            "Review",
            {
                "fields": ["review_comment", "retraction_reason"],
                "classes": ["collapse"],
            },
        ),
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
        # Links keep the same rules as on their own page: each changed field is
        # saved or held for review (evidence.workflow); new links record their adder.
        report = save_report(request)
        formset.save(commit=False)
        for link_form in formset.initial_forms:
            if not link_form.has_changed():
                continue
            report.links.append(
                item_save_or_revise(
                    instance=link_form.instance,
                    changes=link_form.cleaned_data,
                    user=request.user,
                )
            )
        for link in formset.new_objects:
            if link.added_by_id is None:
                link.added_by = request.user
            link.save()
            report.links_added += 1
        formset.save_m2m()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        readonly += editor_only_fields(request.user, "claim", existing=obj is not None)
        if (
            obj is not None
            and obj.ever_published
            and not is_editor(request.user, "claim")
        ):
            # A suggested revision holds field values, not relations: on work
            # the public has seen, editors relate claims.
            readonly.append("related_claims")
        return readonly

    @admin.display(description="Verdict")
    def certainty_detail(self, obj):
        steps = format_html_join(
            "", "<li>{}</li>", ((step,) for step in obj.certainty_steps)
        )
        override = (
            format_html(
                "<p><strong>Overridden by an editor to {}, {} certainty</strong>: {}</p>",
                obj.get_verdict_direction_display().lower(),
                obj.get_certainty_display().lower(),
                obj.certainty_override_reason,
            )
            if obj.verdict_overridden
            else ""
        )
        return format_html(
            "<p>{}</p><p>Computed: <strong>{}, {} certainty</strong></p><ol>{}</ol>{}",
            obj.verdict_text,
            obj.get_verdict_direction_computed_display().lower(),
            obj.get_certainty_computed_display().lower(),
            steps,
            override,
        )

    @admin.display(description="Published versions")
    def version_links(self, obj):
        if not obj.version:
            return "Not published yet."
        return format_html(
            '<a href="{}">Version {}</a> (the public page lists all versions)',
            reverse("evidence:claim-version", args=[obj.slug, obj.version]),
            obj.version,
        )

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
