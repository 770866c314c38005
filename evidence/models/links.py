"""Evidence links: one study's finding on one claim, graded by type,
direction and GRADE's domains, with its effect size; and the suggested
revisions of published links, claims and studies, held until an editor
accepts or rejects them (see evidence/workflow.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.fields import JSONField
from core.text import shortened
from studies.models import validate_not_blank
from studies.moderation import StudyStatus, study_visible_statuses

from ..effects import EffectMeasure, effect_field_errors, link_effect
from ..profile import counts_from_rows
from ..verdict import DOMAINS
from ..vocabulary import (
    Direction,
    DomainRating,
    EvidenceType,
)
from .claims import Claim, Status, visible_statuses


class IndirectnessReason(models.TextChoices):
    ANIMAL_OR_IN_VITRO = "animal_or_in_vitro", "Animal or in-vitro work"
    HEALTHY_VOLUNTEERS = "healthy_volunteers", "Healthy volunteers instead of patients"
    FULL_DOSE = "full_dose", "Full dose instead of microdose"
    SURROGATE_OUTCOME = (
        "surrogate_outcome",
        "Surrogate outcome (e.g. an imaging measure)",
    )


def validate_indirectness_reasons(value):
    if not isinstance(value, list) or any(
        item not in IndirectnessReason.values for item in value
    ):
        raise ValidationError(
            "Give a list of indirectness reasons from: %(choices)s.",
            params={"choices": ", ".join(IndirectnessReason.values)},
            code="invalid_indirectness_reasons",
        )


class EvidenceQuerySet(models.QuerySet):
    def published(self):
        """Links the public may see: published links of published claims,
        citing published studies."""
        return self.filter(
            status=Status.PUBLISHED,
            claim__status=Status.PUBLISHED,
            study__status=StudyStatus.PUBLISHED,
        )

    def visible_to(self, user):
        """Links ``user`` may see: public ones, or those of their statuses
        (see :func:`visible_statuses`) on claims they may see."""
        statuses = visible_statuses(user, "evidence")
        if statuses == [Status.PUBLISHED]:
            return self.published()
        return self.filter(
            status__in=statuses,
            claim__status__in=visible_statuses(user, "claim"),
            study__status__in=study_visible_statuses(user),
        )

    def counted(self):
        """Links that count in evidence profiles: published, and citing a
        published study that has not been retracted by its publisher."""
        return self.filter(
            status=Status.PUBLISHED,
            study__status=StudyStatus.PUBLISHED,
            study__retracted=False,
        )

    def for_list(self):
        """Links with the claim and study each row shows, in one query."""
        return self.select_related("claim", "study", "added_by")

    def needs_grading(self):
        """Links with at least one GRADE domain not yet assessed."""
        unassessed = Q()
        for domain in DOMAINS:
            unassessed |= Q(**{domain: DomainRating.NOT_ASSESSED})
        return self.filter(unassessed)

    def strongest_first(self):
        """These links ordered controlled, self-report, anecdotal, then newest study."""
        return self.order_by(
            evidence_type_rank(), F("study__year").desc(nulls_last=True), "-id"
        )

    def profile_rows(self):
        """``(evidence_type, direction, n)`` rows of these links."""
        return (
            self.order_by()
            .values_list("evidence_type", "direction")
            .annotate(number=Count("id"))
        )

    def profile_counts(self):
        """A type × direction count table of these links."""
        return counts_from_rows(self.profile_rows())


def evidence_type_rank():
    """A link's evidence type as a rank for ordering: controlled 0,
    self-report 1, anecdotal 2 (the vocabulary's order)."""
    return Case(
        *(
            When(evidence_type=etype, then=Value(position))
            for position, etype in enumerate(EvidenceType.values)
        ),
        default=Value(len(EvidenceType.values)),
        output_field=IntegerField(),
    )


def _none_of(*names):
    return Q(**{f"{name}__isnull": True for name in names})


# The database's copy of the effect rules of evidence/effects.py (which give
# the field-level messages first): a write that skips validation still cannot
# store an effect that no formula accepts.
EFFECT_CONSTRAINTS = [
    models.CheckConstraint(
        condition=Q(effect_measure__in=["", *EffectMeasure.values]),
        name="evidence_effect_measure_valid",
    ),
    models.CheckConstraint(
        condition=~Q(effect_measure="")
        | _none_of(
            "mean_treatment",
            "sd_treatment",
            "n_treatment",
            "events_treatment",
            "mean_control",
            "sd_control",
            "n_control",
            "events_control",
            "reported_estimate",
            "reported_ci_low",
            "reported_ci_high",
        ),
        name="evidence_effect_numbers_need_measure",
    ),
    models.CheckConstraint(
        condition=~Q(effect_measure__in=["smd", "md"])
        | _none_of("events_treatment", "events_control"),
        name="evidence_effect_continuous_without_events",
    ),
    models.CheckConstraint(
        condition=~Q(effect_measure__in=["log_rr", "log_or"])
        | _none_of("mean_treatment", "sd_treatment", "mean_control", "sd_control"),
        name="evidence_effect_binary_without_means",
    ),
    models.CheckConstraint(
        condition=(Q(sd_treatment__isnull=True) | Q(sd_treatment__gte=0))
        & (Q(sd_control__isnull=True) | Q(sd_control__gte=0)),
        name="evidence_effect_sd_not_negative",
    ),
    models.CheckConstraint(
        condition=(Q(n_treatment__isnull=True) | Q(n_treatment__gte=2))
        & (Q(n_control__isnull=True) | Q(n_control__gte=2)),
        name="evidence_effect_n_at_least_two",
    ),
    models.CheckConstraint(
        condition=(
            Q(events_treatment__isnull=True)
            | Q(n_treatment__isnull=False, events_treatment__lte=F("n_treatment"))
        )
        & (
            Q(events_control__isnull=True)
            | Q(n_control__isnull=False, events_control__lte=F("n_control"))
        ),
        name="evidence_effect_events_within_n",
    ),
    models.CheckConstraint(
        condition=_none_of("reported_estimate", "reported_ci_low", "reported_ci_high")
        | Q(
            reported_estimate__isnull=False,
            reported_ci_low__lt=F("reported_ci_high"),
            reported_ci_low__lte=F("reported_estimate"),
            reported_ci_high__gte=F("reported_estimate"),
        ),
        name="evidence_effect_ci_contains_estimate",
    ),
]


class Evidence(models.Model):
    """One graded link between a claim and a study."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    study = models.ForeignKey(
        "studies.Study", on_delete=models.PROTECT, related_name="evidence"
    )
    evidence_type = models.CharField(max_length=20, choices=EvidenceType.choices)
    direction = models.CharField(max_length=20, choices=Direction.choices)
    finding = models.TextField(
        validators=[validate_not_blank],
        help_text="What the study found for this claim, in the curator's words.",
    )
    quote = models.TextField(
        blank=True, help_text="Optional: a short quotation from the study."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.TextField(
        blank=True,
        help_text="The editor's note when sending the link back to its curator.",
    )
    retraction_reason = models.TextField(
        blank=True, help_text="Why the published link was retracted."
    )
    # Once published, a link is never deleted (only retracted).
    ever_published = models.BooleanField(default=False, editable=False)
    # GRADE's reasons to trust this evidence less (or more) for this claim.
    risk_of_bias = models.CharField(
        max_length=20,
        choices=DomainRating.choices,
        default=DomainRating.NOT_ASSESSED,
        help_text="e.g. no blinding, participants could tell the active dose",
    )
    indirectness = models.CharField(
        max_length=20, choices=DomainRating.choices, default=DomainRating.NOT_ASSESSED
    )
    indirectness_reasons = JSONField(
        default=list, blank=True, validators=[validate_indirectness_reasons]
    )
    imprecision = models.CharField(
        max_length=20,
        choices=DomainRating.choices,
        default=DomainRating.NOT_ASSESSED,
        help_text="e.g. a small sample; when not assessed, the rule judges it from the sample sizes",
    )
    inconsistency = models.CharField(
        max_length=20, choices=DomainRating.choices, default=DomainRating.NOT_ASSESSED
    )
    publication_bias = models.CharField(
        max_length=20, choices=DomainRating.choices, default=DomainRating.NOT_ASSESSED
    )
    large_effect = models.BooleanField(
        default=False, help_text="A reason to trust it more."
    )
    dose_response = models.BooleanField(
        default=False, help_text="A dose-response gradient: a reason to trust it more."
    )
    # The effect size (evidence/effects.py): one outcome per link, the one
    # that bears on the claim; from arm data or a reported estimate.
    outcome = models.CharField(
        max_length=300,
        blank=True,
        help_text="The outcome the effect is on, e.g. depression severity (MADRS).",
    )
    comparator = models.CharField(
        max_length=200, blank=True, help_text="e.g. placebo, waiting list, 1 mg"
    )
    timepoint = models.CharField(
        max_length=100, blank=True, help_text="e.g. week 3 after dosing"
    )
    effect_measure = models.CharField(
        max_length=10,
        choices=EffectMeasure.choices,
        blank=True,
        help_text="Treatment minus control; ratios on the log scale.",
    )
    mean_treatment = models.FloatField(null=True, blank=True)
    sd_treatment = models.FloatField(null=True, blank=True)
    n_treatment = models.PositiveIntegerField(null=True, blank=True)
    events_treatment = models.PositiveIntegerField(null=True, blank=True)
    mean_control = models.FloatField(null=True, blank=True)
    sd_control = models.FloatField(null=True, blank=True)
    n_control = models.PositiveIntegerField(null=True, blank=True)
    events_control = models.PositiveIntegerField(null=True, blank=True)
    reported_estimate = models.FloatField(
        null=True,
        blank=True,
        help_text="Instead of arm data: the estimate the study reports, on the "
        "measure's scale (log scale for ratios), with its 95% CI.",
    )
    reported_ci_low = models.FloatField(null=True, blank=True)
    reported_ci_high = models.FloatField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_added",
        editable=False,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "evidence link"
        verbose_name_plural = "evidence links"
        ordering = ["-created", "-id"]
        permissions = [
            ("publish_evidence", "Can publish, send back and retract evidence links")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "study"],
                name="evidence_one_link_per_claim_and_study",
                violation_error_message="This study is already linked to this claim.",
            ),
            models.CheckConstraint(
                condition=Q(evidence_type__in=EvidenceType.values),
                name="evidence_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values),
                name="evidence_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="evidence_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(finding=""), name="evidence_finding_not_empty"
            ),
            *EFFECT_CONSTRAINTS,
        ]
        indexes = [
            models.Index(
                fields=["claim", "status", "evidence_type", "direction"],
                name="evidence_claim_profile_idx",
            ),
            models.Index(fields=["study", "status"], name="evidence_study_idx"),
            # The lists' default order (newest first), overall and per claim.
            models.Index(fields=["-created", "-id"], name="evidence_newest_idx"),
            models.Index(
                fields=["claim", "-created", "-id"], name="evidence_claim_newest_idx"
            ),
        ]

    def __str__(self):
        """A readable name: "Claim ← Author et al. (Year): controlled, contradicts"."""
        if self.claim_id is None or self.study_id is None:
            return f"Evidence link #{self.pk or 'new'}"
        study = self.study
        first = (study.authors or ["Anonymous"])[0].split(" ")[0]
        more = " et al." if len(study.authors or []) > 1 or study.authors_et_al else ""
        return (
            f"{shortened(self.claim.statement, 60)} ← {shortened(first, 30)}{more} "
            f"({study.year or 'n.d.'}): {self.get_evidence_type_display().lower()}, "
            f"{self.get_direction_display().lower()}"
        )

    def save(self, *args, **kwargs):
        self.full_clean()
        if self.status == Status.PUBLISHED:
            self.ever_published = True
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evidence:claim-detail", args=[self.claim.slug])

    def clean_fields(self, exclude=None):
        self.finding = (self.finding or "").strip()
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        errors = effect_field_errors(self.__dict__)
        if errors:
            raise ValidationError(errors)

    @property
    def effect(self):
        """The link's :class:`~evidence.meta_analysis.Effect`, or ``None``."""
        return link_effect(self.__dict__)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so that moving a link to another claim refreshes both.
        instance._loaded_claim_id = instance.__dict__.get("claim_id")
        return instance


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=RevisionStatus.PENDING)

    def decided_unseen_by(self, user):
        """Revisions ``user`` proposed that an editor accepted or rejected
        since ``user`` was last shown such decisions."""
        return self.filter(proposed_by=user, proposer_notified_at__isnull=True).exclude(
            status=RevisionStatus.PENDING
        )

    def for_list(self):
        return self.select_related(
            "claim",
            "evidence__claim",
            "evidence__study",
            "study",
            "proposed_by",
            "reviewed_by",
        )


class Revision(models.Model):
    """A curator's suggested change to a published claim, evidence link or study.

    The published version stays public until an editor accepts the revision
    (CiViC's model); a rejected revision is kept with the editor's comment.
    """

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    evidence = models.ForeignKey(
        Evidence,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
    )
    study = models.ForeignKey(
        "studies.Study",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
    )
    changes = JSONField(help_text="Field → proposed value.")
    original = JSONField(
        help_text="Field → published value when the revision was proposed."
    )
    status = models.CharField(
        max_length=20,
        choices=RevisionStatus.choices,
        default=RevisionStatus.PENDING,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="revisions_proposed",
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    # When the curator who proposed it was shown the editor's decision.
    proposer_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = "suggested revision"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    claim__isnull=False, evidence__isnull=True, study__isnull=True
                )
                | Q(claim__isnull=True, evidence__isnull=False, study__isnull=True)
                | Q(claim__isnull=True, evidence__isnull=True, study__isnull=False),
                name="revision_of_one_claim_link_or_study",
            ),
        ]

    def __str__(self):
        return f"Revision #{self.pk} of {self.target}"

    @property
    def target(self):
        if self.claim_id:
            return self.claim
        return self.evidence if self.evidence_id else self.study
