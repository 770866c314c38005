from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin_forms import ConcurrentEditForm
from config.history_admin import HistoryAdmin
from studies.admin import StudyAdmin
from studies.forms import StudyAdminForm
from studies.models import Design, Study

from .admin_queue import AddedByMeFilter, NeedsGradingFilter
from .models import (
    Claim,
    Evidence,
    IndirectnessReason,
    Release,
    Revision,
    RevisionStatus,
    Status,
)
from .profile import DIRECTIONS, EVIDENCE_TYPES, TYPE_LABELS
from .workflow import (
    PUBLISH_PERMISSIONS,
    REMOVAL_REASON_FIELD,
    REMOVED_STATUS,
    REVISABLE_FIELDS,
    UNPUBLISHED,
    SaveOutcome,
    editable_changes,
    editor_only_fields,
    is_editor,
    item_remove,
    item_save_or_revise,
    items_set_status,
    may_delete,
    publish_verdict_preview,
    revision_accept,
    revision_reject,
    revision_verdict_preview,
    status_change_check,
)

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
        "<span>{} for, {} against, {} mixed (links counted) · strength {}</span>",
        segments,
        by_direction["supports"],
        by_direction["contradicts"],
        by_direction["mixed"],
        profile.strength_label.lower(),
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


def model_name_of_form(form):
    return form._meta.model._meta.model_name


class ModeratedForm(ConcurrentEditForm):
    """Offers only the statuses the signed-in user may set, and checks the move."""

    user = None  # set per request by ModeratedAdmin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status is not None and self.instance.pk is None:
            status.required = False  # left out: a new item is a draft
        if status is None or self.user is None:
            return
        model_name = self._meta.model._meta.model_name
        if is_editor(self.user, model_name):
            return
        if self.instance.pk and self.instance.status not in UNPUBLISHED:
            status.disabled = True
            status.help_text = (
                "Only editors change the status of published or retracted work."
            )
        else:
            status.choices = [
                choice for choice in status.choices if choice[0] in UNPUBLISHED
            ]
            status.help_text = "Set “In review” to submit it to an editor."

    def clean(self):
        cleaned = super().clean()
        status = self.fields.get("status")
        if (
            self.user is not None
            and status is not None
            and not status.disabled
            and "status" in cleaned
        ):
            try:
                status_change_check(
                    user=self.user,
                    instance=self.instance,
                    new_status=cleaned["status"],
                    comment=cleaned.get("review_comment", ""),
                    reason=cleaned.get(
                        REMOVAL_REASON_FIELD[model_name_of_form(self)], ""
                    ),
                )
            except PermissionDenied as error:
                self.add_error("status", str(error))
        self._refuse_unrevisable(cleaned)
        return cleaned

    def _refuse_unrevisable(self, cleaned):
        """A curator's change to published work may only touch revisable fields."""
        model_name = model_name_of_form(self)
        if not (
            self.user is not None
            and self.instance.pk
            and self.instance.status == Status.PUBLISHED
            and not is_editor(self.user, model_name)
        ):
            return
        revisable = set(REVISABLE_FIELDS[model_name])
        for name in editable_changes(self.instance, dict.fromkeys(self.changed_data)):
            if name not in revisable and name in self.fields:
                self.add_error(
                    name,
                    "Only editors change this field of published work; a suggested "
                    "revision cannot.",
                )


class EvidenceForm(ModeratedForm):
    indirectness_reasons = forms.MultipleChoiceField(
        choices=IndirectnessReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Why the evidence is indirect for this claim.",
    )


class EvidenceInlineForm(ModeratedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            widget = self.fields["study"].widget
            getattr(widget, "widget", widget).preloaded = self.instance.study


def form_for_user(form_class, user):
    return type(form_class.__name__, (form_class,), {"user": user})


class SaveReport:
    """What one admin save did to the item and its inline links, for a true message."""

    def __init__(self):
        self.item: SaveOutcome | None = None
        self.links: list[SaveOutcome] = []
        self.links_added = 0

    @property
    def saved_anything(self):
        return bool(
            (self.item and self.item.saved)
            or any(outcome.saved for outcome in self.links)
            or self.links_added
        )

    @property
    def held_anything(self):
        return bool(
            (self.item and self.item.revision)
            or any(outcome.revision for outcome in self.links)
        )

    def message(self, noun):
        """One message that says exactly what was saved, held and left unchanged."""
        parts = []
        item = self.item
        if item is not None and item.saved:
            parts.append(f"Saved the {noun}'s {', '.join(item.saved)}.")
        if item is not None and item.revision is not None:
            parts.append(
                f"Your change to the {noun}'s {', '.join(item.held)} was saved as "
                f"suggested revision #{item.revision.pk}. The published version stays "
                "public until an editor accepts it."
            )
        saved = [outcome for outcome in self.links if outcome.saved]
        held = [outcome for outcome in self.links if outcome.revision]
        if self.links_added:
            parts.append(f"{self.links_added} evidence link(s) added.")
        if saved:
            parts.append(f"{len(saved)} evidence link(s) saved.")
        if held:
            numbers = ", ".join(f"#{outcome.revision.pk}" for outcome in held)
            parts.append(
                f"Changes to {len(held)} published evidence link(s) were saved as "
                f"suggested revisions ({numbers})."
            )
        if not parts:
            return "Nothing was changed."
        if item is not None and item.unchanged and (saved or held or self.links_added):
            parts.insert(0, f"The {noun} itself was unchanged.")
        return " ".join(parts)


def save_report(request) -> SaveReport:
    if not hasattr(request, "_save_report"):
        request._save_report = SaveReport()
    return request._save_report


def verdict_changes_html(changes, *, verb):
    """Each claim's verdict now → after ``verb`` (publishing, accepting)."""
    if not changes:
        return "No claim's verdict depends on it."
    rows = format_html_join(
        "",
        "<li>{}: <strong>{} → {}</strong>{}</li>",
        (
            (
                change.claim.statement,
                change.before,
                change.after,
                "" if change.moved else " (unchanged)",
            )
            for change in changes
        ),
    )
    return format_html("<p>Verdict now → after {}:</p><ul>{}</ul>", verb, rows)


class RetractForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Shown to editors with the retracted item; the public no longer sees it.",
    )


class ModeratedAdmin(HistoryAdmin):
    """Admin behaviour shared by claims and evidence links (see evidence.workflow)."""

    form = ModeratedForm
    actions = ["submit_for_review", "publish"]

    revert_open_statuses = UNPUBLISHED

    @property
    def revert_permission(self):
        return PUBLISH_PERMISSIONS[self.model._meta.model_name]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_delete_permission(self, request, obj=None):
        # Curators delete their own never-published drafts; published work
        # goes to the retract view (delete_view) whoever asks.
        if obj is not None and obj.status in UNPUBLISHED and not obj.ever_published:
            return may_delete(user=request.user, instance=obj)
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_user(self.form, request.user)
        return super().get_form(request, obj, **kwargs)

    def _previews_publishing(self, request, obj):
        return (
            obj is not None
            and obj.status in UNPUBLISHED
            and is_editor(request.user, self.model._meta.model_name)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self._previews_publishing(request, obj):
            fieldsets.insert(1, ("If published", {"fields": ["publish_preview"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._previews_publishing(request, obj):
            readonly.append("publish_preview")
        return readonly

    @admin.display(description="Verdicts")
    def publish_preview(self, obj):
        return verdict_changes_html(
            publish_verdict_preview(items=[obj]), verb="publishing"
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop(
            "delete_selected", None
        )  # published work is retracted one by one, with a reason
        if not is_editor(request.user, self.model._meta.model_name):
            actions.pop("publish", None)
        return actions

    @admin.action(description="Submit selected for review")
    def submit_for_review(self, request, queryset):
        self._set_status(
            request, queryset.filter(status=Status.DRAFT), Status.IN_REVIEW
        )

    @admin.action(description="Publish selected")
    def publish(self, request, queryset):
        items = list(queryset.filter(status__in=UNPUBLISHED).order_by("pk"))
        if request.POST.get("confirm") != "yes" and items:
            # Editors see how the verdicts move before anything is published.
            context = {
                **self.admin_site.each_context(request),
                "title": f"Publish {len(items)} {self.model._meta.verbose_name_plural}",
                "opts": self.model._meta,
                "items": items,
                "preview": verdict_changes_html(
                    publish_verdict_preview(items=items), verb="publishing"
                ),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/evidence/publish_confirm.html", context
            )
        self._set_status(request, items, Status.PUBLISHED)

    def _set_status(self, request, items, new_status):
        try:
            moved = items_set_status(
                items=list(items), user=request.user, new_status=new_status
            )
        except (PermissionDenied, ValidationError) as error:
            self.message_user(
                request,
                f"Nothing changed: {'; '.join(getattr(error, 'messages', [str(error)]))}",
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            f"{moved} item(s) now {Status(new_status).label.lower()}.",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            if hasattr(obj, "added_by_id") and obj.added_by_id is None:
                obj.added_by = request.user
            super().save_model(request, obj, form, change)
            return
        save_report(request).item = item_save_or_revise(
            instance=obj, changes=form.cleaned_data, user=request.user
        )

    def log_change(self, request, obj, message):
        report = getattr(request, "_save_report", None)
        if report is None or report.saved_anything:
            return super().log_change(request, obj, message)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # Django's "was changed successfully" is replaced by the save report.
        if (
            getattr(request, "_save_report", None) is not None
            and level == messages.SUCCESS
        ):
            return
        super().message_user(request, message, level, *args, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        request._save_report = None  # a new item: Django's own message is true
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        report = getattr(request, "_save_report", None)
        if report is not None:
            level = (
                messages.WARNING
                if report.held_anything
                else messages.SUCCESS
                if report.saved_anything
                else messages.INFO
            )
            messages.add_message(
                request, level, report.message(self.model._meta.verbose_name)
            )
        return super().response_change(request, obj)

    def _url_name(self, view):
        return (
            f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"
        )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/retract/",
                self.admin_site.admin_view(self.retract_view),
                name=f"{info[0]}_{info[1]}_retract",
            ),
            *super().get_urls(),
        ]

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and (obj.status not in UNPUBLISHED or obj.ever_published):
            if not is_editor(request.user, self.model._meta.model_name):
                raise PermissionDenied("Only editors retract published work.")
            return HttpResponseRedirect(
                reverse(self._url_name("retract"), args=[obj.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def retract_view(self, request, object_id):
        """Removing published work: a retraction with a reason, not a deletion."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such item.")
        if not is_editor(request.user, self.model._meta.model_name):
            raise PermissionDenied("Only editors retract published work.")
        removed = REMOVED_STATUS[self.model._meta.model_name]
        verb = "Withdraw" if removed == "withdrawn" else "Retract"
        form = RetractForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = item_remove(
                    instance=obj, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(
                    request, f"{outcome.capitalize()}: {obj}", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse(self._url_name("change"), args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} {self.model._meta.verbose_name}",
            "verb": verb,
            "opts": self.model._meta,
            "object": obj,
            "form": form,
        }
        return TemplateResponse(request, "admin/evidence/retract.html", context)


EFFECT_FIELDSET = (
    "Effect size",
    {
        "fields": [
            "outcome",
            ("comparator", "timepoint"),
            "effect_measure",
            ("mean_treatment", "sd_treatment", "n_treatment", "events_treatment"),
            ("mean_control", "sd_control", "n_control", "events_control"),
            ("reported_estimate", "reported_ci_low", "reported_ci_high"),
        ],
        "classes": ["collapse"],
        "description": "Optional, for a study that measured an outcome against a "
        "comparator: the measure with either both arms' data (means, SDs and n "
        "for smd and md; events and n for log_rr and log_or) or the reported "
        "estimate with its 95% CI (log scale for ratios). Treatment minus control.",
    },
)


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
        return readonly + editor_only_fields(
            request.user, "claim", existing=obj is not None
        )

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
class EvidenceAdmin(ModeratedAdmin):
    form = EvidenceForm
    list_display = [
        "claim_statement",
        "study_citation",
        "evidence_type",
        "direction",
        "status",
        "added_by",
        "updated",
    ]
    list_filter = [
        "evidence_type",
        "direction",
        "status",
        StudyDesignFilter,
        NeedsGradingFilter,
        AddedByMeFilter,
        "claim",
    ]
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
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("claim", "study"),
                    ("evidence_type", "direction", "status"),
                    "finding",
                    "quote",
                    "loaded_updated",
                ]
            },
        ),
        (
            "Certainty (GRADE): reasons to trust this evidence less or more",
            {
                "fields": [
                    ("risk_of_bias", "imprecision"),
                    ("inconsistency", "publication_bias"),
                    "indirectness",
                    "indirectness_reasons",
                    ("large_effect", "dose_response"),
                ],
                "description": "Recorded for this claim. They lower (or raise) the claim's certainty "
                "when they hold for most of its best studies; a domain left “not assessed” is "
                "judged from the data where it can be (see /methods/).",
            },
        ),
        EFFECT_FIELDSET,
        (
            "Review",
            {
                "fields": [("review_comment", "retraction_reason")],
                "classes": ["collapse"],
            },
        ),
        ("Provenance", {"fields": [("added_by", "created", "updated")]}),
    ]
    list_per_page = 50

    @admin.display(description="Claim", ordering="claim__statement")
    def claim_statement(self, obj):
        return obj.claim.statement

    @admin.display(description="Study", ordering="study__year")
    def study_citation(self, obj):
        flag = " [retracted study]" if obj.study.retracted else ""
        return obj.study.citation_short + flag


class StudyModeratedForm(ModeratedForm, StudyAdminForm):
    pass


class ModeratedStudyAdmin(ModeratedAdmin, StudyAdmin):
    """Studies under the review workflow (the studies app knows nothing of it)."""

    form = StudyModeratedForm
    list_filter = [*StudyAdmin.list_filter, AddedByMeFilter]


admin.site.unregister(Study)
admin.site.register(Study, ModeratedStudyAdmin)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Editors accept or reject curators' suggested changes to published work."""

    list_display = ["__str__", "status", "proposed_by", "proposed_at", "reviewed_by"]
    list_filter = ["status"]
    list_select_related = [
        "claim",
        "evidence__claim",
        "evidence__study",
        "study",
        "proposed_by",
        "reviewed_by",
    ]
    readonly_fields = [
        "target_link",
        "comparison",
        "verdict_change",
        "status",
        "proposed_by",
        "proposed_at",
        "reviewed_by",
        "reviewed_at",
    ]
    fields = [
        "target_link",
        "comparison",
        "verdict_change",
        "status",
        "proposed_by",
        "proposed_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    change_form_template = "admin/evidence/revision_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == RevisionStatus.PENDING)

    @admin.display(description="Revision of")
    def target_link(self, obj):
        target = obj.target
        url = reverse(
            f"admin:{target._meta.app_label}_{target._meta.model_name}_change",
            args=[target.pk],
        )
        return format_html('<a href="{}">{}</a>', url, target)

    @admin.display(description="Proposed changes")
    def comparison(self, obj):
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (field, obj.original.get(field, ""), value)
                for field, value in obj.changes.items()
            ),
        )
        return format_html(
            "<table><thead><tr><th>Field</th><th>Published</th><th>Proposed</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Verdicts")
    def verdict_change(self, obj):
        if obj.status != RevisionStatus.PENDING:
            return "—"
        try:
            changes = revision_verdict_preview(revision=obj)
        except ValidationError as error:
            return "Cannot be applied: " + "; ".join(error.messages)
        return verdict_changes_html(changes, verb="accepting")

    def save_model(self, request, obj, form, change):
        try:
            if "_accept" in request.POST:
                revision_accept(revision=obj, user=request.user)
                self.message_user(
                    request, f"Accepted: {obj} is now published.", messages.SUCCESS
                )
            elif "_reject" in request.POST:
                revision_reject(
                    revision=obj,
                    user=request.user,
                    comment=form.cleaned_data.get("review_comment", ""),
                )
                self.message_user(request, f"Rejected {obj}.", messages.SUCCESS)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(
                request,
                "; ".join(getattr(error, "messages", [str(error)])),
                messages.ERROR,
            )

    def response_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:evidence_revision_changelist"))


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
