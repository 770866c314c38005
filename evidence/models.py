from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from studies.models import errors_moved_to_fields, validate_not_blank
from studies.moderation import StudyStatus, study_visible_statuses
from studies.services import shortened

from .effects import EffectFavours, EffectMeasure, effect_field_errors, link_effect
from .profile import (
    counts_from_rows,
    empty_counts,
    stored_profile,
)
from .search import CLAIM_INDEX, aliases_cleaned
from .verdict import DOMAINS
from .vocabulary import (
    Certainty,
    Direction,
    DomainRating,
    EvidenceType,
    VerdictDirection,
)

STATEMENT_MAX_LENGTH = 1000
SLUG_MAX_LENGTH = 120


class Topic(models.TextChoices):
    MECHANISM = "mechanism", "Mechanism"
    EFFECT = "effect", "Effect"
    RISK = "risk", "Risk"


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


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


def unique_slug_for(statement, *, exclude_pk=None):
    """A slug derived from ``statement`` that no claim uses, now or formerly."""
    base = slugify(statement)[: SLUG_MAX_LENGTH - 8].strip("-") or "claim"
    if base.isdigit():
        # A slug of digits alone would read as a claim's id in the API.
        base = f"claim-{base}"
    slug, suffix = base, 2
    taken = Claim.objects.exclude(pk=exclude_pk).filter(slug__startswith=base)
    existing = set(taken.values_list("slug", flat=True))
    existing |= set(
        ClaimSlugAlias.objects.filter(slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    while slug in existing:
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def visible_statuses(user, model_name):
    """Statuses ``user`` may see: the public sees published items only,
    curators also drafts and items in review, editors also retractions."""
    if not (user and user.is_authenticated):
        return [Status.PUBLISHED]
    if user.has_perm(f"evidence.publish_{model_name}"):
        return list(Status.values)
    if user.has_perm(f"evidence.change_{model_name}"):
        return [Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED]
    return [Status.PUBLISHED]


class ClaimQuerySet(models.QuerySet):
    def published(self):
        """Claims the public may see."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Claims ``user`` may see (see :func:`visible_statuses`)."""
        return self.filter(status__in=visible_statuses(user, "claim"))

    def search(self, query):
        """Claims holding every word of ``query`` in their statement, aliases
        or description, stemmed (see studies/search.py)."""
        return CLAIM_INDEX.filter(self, query)

    def best_first(self, query):
        """These claims, those with every word of ``query`` in their statement
        or aliases first."""
        return CLAIM_INDEX.best_first(self, query)


class Claim(models.Model):
    """A statement about the subject, judged by the evidence linked to it."""

    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text="Permanent address of the claim; derived from the statement when left empty.",
    )
    statement = models.CharField(
        max_length=STATEMENT_MAX_LENGTH, validators=[validate_not_blank]
    )
    description = models.TextField(blank=True)
    aliases = models.TextField(
        blank=True,
        help_text=(
            "Other names readers search for, one per line: abbreviations (DMN), "
            "other spellings (5HT2A), plain words (serotonin 2A). Searched like "
            "the statement, not shown on the page."
        ),
    )
    topic = models.CharField(max_length=20, choices=Topic.choices)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.TextField(
        blank=True,
        help_text="The editor's note when sending the claim back to its curator.",
    )
    retraction_reason = models.TextField(
        blank=True, help_text="Why the published claim was retracted."
    )
    # Once published, a claim is never deleted (only retracted).
    ever_published = models.BooleanField(default=False, editable=False)
    # The evidence profile, kept in step with the published links by
    # services.claim_refresh so that lists never aggregate links.
    evidence_count = models.PositiveIntegerField(default=0, editable=False)
    strength_score = models.SmallIntegerField(default=0, editable=False)
    strength = models.CharField(max_length=20, default="none", editable=False)
    profile_counts = models.JSONField(default=empty_counts, editable=False)
    # The verdict (evidence/verdict.py): the computed direction and certainty
    # with the rule's steps, an editor's overrides with their one reason, and
    # the headline values and sentence readers see.
    verdict_direction_computed = models.CharField(
        max_length=20,
        choices=VerdictDirection.choices,
        default=VerdictDirection.UNCLEAR,
        editable=False,
    )
    direction_override = models.CharField(
        max_length=20,
        choices=VerdictDirection.choices,
        blank=True,
        help_text="Editors only: replaces the computed direction of the verdict; give the reason.",
    )
    verdict_direction = models.CharField(
        max_length=20,
        choices=VerdictDirection.choices,
        default=VerdictDirection.UNCLEAR,
        editable=False,
    )
    verdict_text = models.TextField(blank=True, editable=False)
    certainty_computed = models.CharField(
        max_length=20,
        choices=Certainty.choices,
        default=Certainty.VERY_LOW,
        editable=False,
    )
    certainty_steps = models.JSONField(default=list, editable=False)
    certainty_override = models.CharField(
        max_length=20,
        choices=Certainty.choices,
        blank=True,
        help_text="Editors only: replaces the computed certainty as the headline; give the reason.",
    )
    certainty_override_reason = models.TextField(
        blank=True,
        help_text="Why an editor overrides the computed direction or certainty.",
    )
    certainty = models.CharField(
        max_length=20,
        choices=Certainty.choices,
        default=Certainty.VERY_LOW,
        editable=False,
    )
    certainty_rank = models.PositiveSmallIntegerField(default=1, editable=False)
    effect_favours_claim = models.CharField(
        max_length=10,
        choices=EffectFavours.choices,
        blank=True,
        help_text="Which side of no effect supports the claim: lower (e.g. less "
        "depression) or higher values of the links' effect sizes.",
    )
    # Random-effects meta-analyses of the counted links' effects, one per
    # measure shared by two or more links (evidence/synthesis.py), kept in
    # step by services.claim_refresh like the profile.
    meta_analyses = models.JSONField(default=list, editable=False)
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Number of the latest published version (0: never published).",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[
            "evidence_count",
            "strength_score",
            "strength",
            "profile_counts",
            "verdict_direction_computed",
            "verdict_direction",
            "verdict_text",
            "certainty_computed",
            "certainty_steps",
            "certainty",
            "certainty_rank",
            "meta_analyses",
            "version",
        ]
    )

    class Meta:
        ordering = ["topic", "statement"]
        permissions = [("publish_claim", "Can publish, send back and retract claims")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(statement=""), name="claim_statement_not_empty"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="claim_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(topic__in=Topic.values), name="claim_topic_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(certainty_override="", direction_override="")
                | ~Q(certainty_override_reason=""),
                name="claim_verdict_override_has_reason",
                violation_error_code="override_without_reason",
                violation_error_message="Give the reason for overriding the computed verdict.",
            ),
            models.CheckConstraint(
                condition=Q(effect_favours_claim__in=["", *EffectFavours.values]),
                name="claim_effect_favours_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "topic"], name="claim_status_topic_idx"),
            models.Index(fields=["strength_score"], name="claim_strength_idx"),
            models.Index(fields=["certainty_rank"], name="claim_certainty_idx"),
            models.Index(fields=["evidence_count"], name="claim_evidence_count_idx"),
        ]

    def __str__(self):
        return self.statement

    def save(self, *args, **kwargs):
        self.full_clean()
        if self.status == Status.PUBLISHED:
            self.ever_published = True
        previous_slug = getattr(self, "_loaded_slug", None)
        super().save(*args, **kwargs)
        if previous_slug and previous_slug != self.slug:
            # A rename keeps the old address working: citations must not break.
            ClaimSlugAlias.objects.update_or_create(
                slug=previous_slug, defaults={"claim": self}
            )
            ClaimSlugAlias.objects.filter(slug=self.slug).delete()
        self._loaded_slug = self.slug

    def get_absolute_url(self):
        return reverse("evidence:claim-detail", args=[self.slug])

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise ValidationError(
                errors_moved_to_fields(
                    error, {"override_without_reason": "certainty_override_reason"}
                )
            ) from error

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_slug = instance.__dict__.get("slug")
        return instance

    def clean_fields(self, exclude=None):
        self.statement = (self.statement or "").strip()
        self.aliases = aliases_cleaned(self.aliases)
        if not self.slug and self.statement:
            self.slug = unique_slug_for(self.statement, exclude_pk=self.pk)
        super().clean_fields(exclude=exclude)
        if self.slug and self.slug.isdigit() and "slug" not in (exclude or ()):
            raise ValidationError(
                {"slug": "A slug cannot be only digits: it would read as an id."}
            )
        alias = (
            ClaimSlugAlias.objects.filter(slug=self.slug)
            .exclude(claim_id=self.pk)
            .first()
        )
        if alias is not None and "slug" not in (exclude or ()):
            raise ValidationError(
                {"slug": f"“{self.slug}” is an earlier address of another claim."}
            )

    @property
    def profile(self):
        """The claim's :class:`~evidence.profile.EvidenceProfile` (no query),
        with the strength stored at the last refresh."""
        return stored_profile(
            self.profile_counts, score=self.strength_score, strength=self.strength
        )

    @property
    def verdict_overridden(self):
        return bool(self.certainty_override or self.direction_override)


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
        rank = Case(
            *(
                When(evidence_type=etype, then=Value(position))
                for position, etype in enumerate(EvidenceType.values)
            ),
            default=Value(len(EvidenceType.values)),
        )
        return self.order_by(rank, F("study__year").desc(nulls_last=True), "-id")

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
    indirectness_reasons = models.JSONField(
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
    changes = models.JSONField(help_text="Field → proposed value.")
    original = models.JSONField(
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


class ClaimSlugAlias(models.Model):
    """An earlier slug of a renamed claim: old links and citations redirect."""

    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True)
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="slug_aliases"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "claim slug aliases"

    def __str__(self):
        return f"{self.slug} → {self.claim.slug}"


class ClaimVersionQuerySet(models.QuerySet):
    def published(self):
        """Versions of published states: the only ones the public sees (a
        version recording a withdrawal from view, or an older row cut from an
        unpublished state, is kept but never shown)."""
        return self.filter(status=Status.PUBLISHED)


class ClaimVersion(models.Model):
    """A numbered, citable state of a published claim.

    A version is kept whenever what the public sees changes: the statement,
    the published links or the certainty. Links are stored as the changes
    from the version before, with a full snapshot every few versions so that
    any version can be rebuilt cheaply.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    statement = models.CharField(max_length=STATEMENT_MAX_LENGTH)
    description = models.TextField(blank=True)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    certainty = models.CharField(max_length=20, choices=Certainty.choices)
    certainty_computed = models.CharField(max_length=20, choices=Certainty.choices)
    certainty_steps = models.JSONField(default=list)
    certainty_override_reason = models.TextField(blank=True)
    verdict_direction = models.CharField(
        max_length=20,
        choices=VerdictDirection.choices,
        blank=True,
        help_text="Empty for versions made before verdicts had a direction.",
    )
    verdict_text = models.TextField(blank=True)
    strength_score = models.SmallIntegerField(default=0)
    strength = models.CharField(max_length=20, blank=True)
    profile_counts = models.JSONField(default=empty_counts)
    evidence_count = models.PositiveIntegerField(default=0)
    links_snapshot = models.JSONField(
        null=True,
        blank=True,
        help_text="All published links at this version (checkpoints only).",
    )
    links_added = models.JSONField(default=list)
    links_removed = models.JSONField(default=list)
    links_changed = models.JSONField(default=list)
    changes = models.JSONField(default=dict, help_text="Claim field → [before, after].")
    summary = models.TextField(
        blank=True, help_text="What changed since the previous version, in words."
    )
    note = models.TextField(
        blank=True,
        help_text="Why the version was made when no person changed the claim, "
        "e.g. “Rule change: …”.",
    )

    objects = ClaimVersionQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "number"], name="claim_version_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.claim.slug} v{self.number}"

    def get_absolute_url(self):
        return reverse("evidence:claim-version", args=[self.claim.slug, self.number])

    @property
    def profile(self):
        """The evidence profile with the strength stored at this version."""
        return stored_profile(
            self.profile_counts, score=self.strength_score, strength=self.strength
        )


class Release(models.Model):
    """A dated, immutable open-data release of everything published."""

    name = models.CharField(max_length=100, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="releases/", max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256 of the zip", max_length=64)
    licence = models.CharField(max_length=100)
    counts = models.JSONField(default=dict)
    # The one change a release allows: withdrawn, with a note saying why and
    # which release replaces it (evidence.releases.release_withdraw).
    withdrawn = models.BooleanField(default=False)
    withdrawn_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn=False) | ~Q(withdrawn_note=""),
                name="release_withdrawn_has_note",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("A release never changes once made; make a new one.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evidence:release-download", args=[self.name])

    def delete(self, *args, **kwargs):
        raise ValidationError("A release is never deleted: readers may have cited it.")
