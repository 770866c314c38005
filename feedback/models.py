"""A reader's report of a problem on a claim or a study page."""

from django.db import models
from django.db.models import Q


class ProblemReportQuerySet(models.QuerySet):
    def open(self):
        """Reports no editor has dealt with yet."""
        return self.filter(handled=False)


class ProblemReport(models.Model):
    """What a reader says is wrong on one claim's or one study's page."""

    MESSAGE_MAX_LENGTH = 2000

    claim = models.ForeignKey(
        "evidence.Claim",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="problem_reports",
    )
    study = models.ForeignKey(
        "studies.Study",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="problem_reports",
    )
    message = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    email = models.EmailField(
        blank=True, help_text="Given by the reader to hear back; optional."
    )
    handled = models.BooleanField(
        default=False, help_text="An editor has dealt with the report."
    )
    editor_note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ProblemReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(claim__isnull=False, study__isnull=True)
                    | Q(claim__isnull=True, study__isnull=False)
                ),
                name="problem_report_on_one_page",
                violation_error_message="A report is about one claim or one study.",
            )
        ]

    def __str__(self):
        return f"Report on {self.subject}"

    @property
    def subject(self):
        """The claim or study the report is about."""
        return self.claim or self.study

    def page_url(self):
        return self.subject.get_absolute_url()
