"""The evidence link admin (a study's evidence for or against a claim)."""

from django.contrib import admin

from studies.models import Design

from ..admin_queue import AddedByMeFilter, NeedsGradingFilter
from ..models import Evidence
from .forms import EvidenceForm
from .moderated import ModeratedAdmin

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
