"""Published versions of claims (citable, never changed) and the dated
open-data releases of everything published."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.fields import JSONField

from ..profile import (
    empty_counts,
    stored_profile,
)
from ..vocabulary import (
    Certainty,
    VerdictDirection,
)
from .claims import STATEMENT_MAX_LENGTH, Claim, Status, Topic


class ClaimVersionQuerySet(models.QuerySet):
    def published(self):
        """Versions of published states: the only ones the public sees (a
        version recording a withdrawal from view, or an older row cut from an
        unpublished state, is kept but never shown)."""
        return self.filter(status=Status.PUBLISHED)

    def for_list(self):
        """Versions with the fields a list of them shows (their number, date,
        verdict and summary), not the stored links and changes, which grow
        with the claim's evidence."""
        return self.only(
            "claim",
            "number",
            "created",
            "status",
            "certainty",
            "verdict_direction",
            "summary",
            "note",
        )


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
    certainty_steps = JSONField(default=list)
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
    profile_counts = JSONField(default=empty_counts)
    evidence_count = models.PositiveIntegerField(default=0)
    links_snapshot = JSONField(
        null=True,
        blank=True,
        help_text="All published links at this version (checkpoints only).",
    )
    links_added = JSONField(default=list)
    links_removed = JSONField(default=list)
    links_changed = JSONField(default=list)
    changes = JSONField(default=dict, help_text="Claim field → [before, after].")
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
    counts = JSONField(default=dict)
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
