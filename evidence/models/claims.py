"""Claims: the statements the atlas judges, their statuses, slugs and aliases,
with the stored verdict and evidence profile that keep lists cheap."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from core.fields import JSONField
from core.model_errors import errors_moved_to_fields
from studies.models import validate_not_blank

from ..effects import EffectFavours
from ..profile import (
    empty_counts,
    stored_profile,
)
from ..search import CLAIM_INDEX, aliases_cleaned
from ..vocabulary import (
    Certainty,
    VerdictDirection,
)

STATEMENT_MAX_LENGTH = 1000
SLUG_MAX_LENGTH = 120


class Topic(models.TextChoices):
    MECHANISM = "mechanism", "Mechanism"
    EFFECT = "effect", "Effect"
    RISK = "risk", "Risk"


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
    # Symmetric: linking A to B shows each on the other's page.
    related_claims = models.ManyToManyField(
        "self",
        blank=True,
        help_text=(
            "Claims a reader of this one should also see (e.g. one that offers "
            "another explanation of the same findings). Shown on both claims' pages."
        ),
    )
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
    profile_counts = JSONField(default=empty_counts, editable=False)
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
    certainty_steps = JSONField(default=list, editable=False)
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
    meta_analyses = JSONField(default=list, editable=False)
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
