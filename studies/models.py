import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.fields import JSONField
from core.model_errors import errors_moved_to_fields

from .identifiers import (
    doi_url,
    is_short_doi,
    is_valid_doi,
    is_valid_pmid,
    normalize_doi,
    normalize_pmid,
    normalize_title,
    pubmed_url,
)
from .moderation import StudyStatus, study_visible_statuses
from .search import STUDY_INDEX
from .text import clean_line, plain_text

EARLIEST_YEAR = 1900
# The database refuses anything past this; the model refuses anything past
# next year (in-press articles), which a constraint cannot express.
LATEST_YEAR_IN_DATABASE = 2200
TITLE_MAX_LENGTH = 1000


def latest_publication_year():
    return datetime.date.today().year + 1


def validate_publication_year(value):
    if value is None:
        return
    latest = latest_publication_year()
    if not EARLIEST_YEAR <= value <= latest:
        raise ValidationError(
            "Enter a year between %(earliest)s and %(latest)s.",
            code="year_out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": latest},
        )


def validate_doi(value):
    if value and not is_valid_doi(normalize_doi(value)):
        hint = (
            " Short DOIs (10/abc) cannot be expanded offline: put the link in URL."
            if is_short_doi(value)
            else ""
        )
        raise ValidationError(
            "Enter a DOI of the form 10.<registrant>/<suffix>, e.g. 10.1038/s41586-024-07624-5."
            + hint,
            code="invalid_doi",
        )


def validate_pmid(value):
    if value and not is_valid_pmid(normalize_pmid(value)):
        raise ValidationError(
            "Enter a PubMed ID as digits only, e.g. 33852780.", code="invalid_pmid"
        )


# Claims and links use this validator too, but it stays here: the migrations
# and every field's deconstruction name it ``studies.models.validate_not_blank``.
def validate_not_blank(value):
    if not str(value).strip():
        raise ValidationError("This field cannot be blank.", code="blank")


# Constraint violations that belong beside a field rather than above the form.
FIELD_OF_CONSTRAINT_CODE = {
    "duplicate_doi": "doi",
    "duplicate_pmid": "pmid",
    "retraction_without_date": "retraction_date",
}


SAMPLE_SIZE_MAX = 2**31 - 1


class Design(models.TextChoices):
    RCT = "rct", "Randomised or placebo-controlled trial"
    CONTROLLED = "controlled", "Controlled lab or imaging study"
    OPEN_LABEL = "open_label", "Open-label trial"
    NATURALISTIC = "naturalistic", "Prospective / naturalistic study"
    SURVEY = "survey", "Survey"
    QUALITATIVE = "qualitative", "Interview study"
    CASE_REPORT = "case_report", "Case report"
    TESTIMONIAL = "testimonial", "Anecdotal account"
    ANIMAL = "animal", "Animal study"
    IN_VITRO = "in_vitro", "In-vitro study"
    REVIEW = "review", "Review"
    META_ANALYSIS = "meta_analysis", "Meta-analysis"


class Population(models.TextChoices):
    CLINICAL = "clinical", "People with a condition"
    HEALTHY = "healthy", "Healthy / non-clinical people"
    ANIMAL = "animal", "Animals"
    CELLS = "cells", "Cells"
    OTHER = "other", "Other"


class Dose(models.TextChoices):
    MICRO = "micro", "Microdose"
    MACRO = "macro", "Full dose"
    NA = "na", "Not applicable"


class EntryMethod(models.TextChoices):
    MANUAL = "manual", "Typed in"
    IMPORT = "import", "Imported from a citation file"
    DOI_LOOKUP = "doi_lookup", "Looked up by DOI"
    SEED = "seed", "Seed data set"
    SYNTHETIC = "synthetic", "Synthetic benchmark data"


class StudyQuerySet(models.QuerySet):
    def published(self):
        """Studies the public may see (a publisher's retraction stays public)."""
        return self.filter(status=StudyStatus.PUBLISHED)

    def visible_to(self, user):
        """Studies ``user`` may see (see :func:`study_visible_statuses`)."""
        return self.filter(status__in=study_visible_statuses(user))

    def for_list(self):
        """Studies newest first, undated sources last on every database."""
        return self.order_by(F("year").desc(nulls_last=True), "title", "id")

    def search(self, query):
        """Studies holding every word of ``query`` in their title, authors,
        journal or abstract, stemmed (see studies/search.py)."""
        return STUDY_INDEX.filter(self, query)

    def best_first(self, query):
        """These studies, those with every word of ``query`` in their title first."""
        return STUDY_INDEX.best_first(self, query)


class Study(models.Model):
    """A publication, report or anecdotal source that evidence can cite."""

    title = models.CharField(
        max_length=TITLE_MAX_LENGTH, validators=[validate_not_blank]
    )
    authors = JSONField(
        default=list,
        blank=True,
        help_text='Authors in order, each as "Surname Initials", e.g. "Ly C".',
    )
    authors_et_al = models.BooleanField(
        "more authors",
        default=False,
        help_text="The author list above is abridged: the study has further authors.",
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[validate_publication_year],
        help_text="Leave empty for an undated source such as an anecdotal account.",
    )
    journal = models.CharField(max_length=300, blank=True)
    volume = models.CharField(max_length=30, blank=True)
    issue = models.CharField(max_length=30, blank=True)
    pages = models.CharField(
        max_length=50, blank=True, help_text="e.g. 3170–3182, or an article number."
    )
    doi = models.CharField(
        "DOI",
        max_length=255,
        blank=True,
        validators=[validate_doi],
        help_text="Stored without https://doi.org/ and in lower case.",
    )
    pmid = models.CharField(
        "PMID", max_length=12, blank=True, validators=[validate_pmid]
    )
    url = models.URLField("URL", max_length=500, blank=True)
    abstract = models.TextField(blank=True)
    design = models.CharField(max_length=20, choices=Design.choices, blank=True)
    design_detail = models.CharField(
        max_length=300,
        blank=True,
        help_text="e.g. double-blind crossover, niacin placebo",
    )
    population = models.CharField(max_length=20, choices=Population.choices, blank=True)
    population_detail = models.CharField(
        max_length=300, blank=True, help_text="e.g. treatment-resistant depression"
    )
    # PostgreSQL's integer column ends at 2**31 - 1; SQLite would store more,
    # and the API's schema could then no longer describe the study.
    sample_size = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(SAMPLE_SIZE_MAX)],
    )
    dose = models.CharField(max_length=10, choices=Dose.choices, blank=True)
    # The normalised title, for finding duplicates across exports that
    # differ in case, accents or punctuation.
    title_key = models.CharField(
        max_length=TITLE_MAX_LENGTH, editable=False, db_index=True
    )
    entry_method = models.CharField(
        max_length=20,
        choices=EntryMethod.choices,
        default=EntryMethod.MANUAL,
        editable=False,
    )
    entry_source = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="Where the record came from: the imported file and its format, or the DOI looked up.",
    )
    retracted = models.BooleanField(
        default=False, help_text="The study has been retracted by its publisher."
    )
    retraction_date = models.DateField(
        "date of the retraction notice", null=True, blank=True
    )
    retraction_url = models.URLField("retraction notice", max_length=500, blank=True)
    status = models.CharField(
        max_length=20,
        choices=StudyStatus.choices,
        default=StudyStatus.DRAFT,
        db_index=True,
    )
    review_comment = models.TextField(
        blank=True,
        help_text="The editor's note when sending the study back to its curator.",
    )
    withdrawal_reason = models.TextField(
        blank=True, help_text="Why an editor took the published study down."
    )
    # Once published, a study is never deleted (only withdrawn).
    ever_published = models.BooleanField(default=False, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    # Read by the claims' certainty rule and published versions.
    TRACKED_FIELDS = ("design", "retracted", "title", "year", "authors", "status")

    objects = StudyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["-year", "title"]
        permissions = [("publish_study", "Can publish, send back and withdraw studies")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=StudyStatus.values), name="study_status_valid"
            ),
            models.UniqueConstraint(
                fields=["doi"],
                condition=~Q(doi=""),
                name="study_doi_unique_when_present",
                violation_error_code="duplicate_doi",
                violation_error_message="A study with this DOI already exists.",
            ),
            models.UniqueConstraint(
                fields=["pmid"],
                condition=~Q(pmid=""),
                name="study_pmid_unique_when_present",
                violation_error_code="duplicate_pmid",
                violation_error_message="A study with this PMID already exists.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="study_title_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True)
                | Q(year__gte=EARLIEST_YEAR, year__lte=LATEST_YEAR_IN_DATABASE),
                name="study_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(doi="") | Q(doi__startswith="10.", doi__contains="/"),
                name="study_doi_syntax",
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gte=1),
                name="study_sample_size_positive",
            ),
            models.CheckConstraint(
                condition=Q(retracted=False) | Q(retraction_date__isnull=False),
                name="study_retraction_has_a_date",
                violation_error_code="retraction_without_date",
                violation_error_message="Give the date of the retraction notice.",
            ),
        ]
        indexes = [
            models.Index(fields=["year"], name="study_year_idx"),
            models.Index(
                fields=["design", "population", "dose"], name="study_grading_idx"
            ),
        ]

    def __str__(self):
        return self.citation

    def save(self, *args, **kwargs):
        # Every entry point (admin, API, seed, shell, import) stores the same
        # normalised, validated record; a bad one never reaches the database.
        self.full_clean()
        if self.status == StudyStatus.PUBLISHED:
            self.ever_published = True
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("studies:detail", args=[self.pk])

    def validate_constraints(self, exclude=None):
        # Conditional constraints report to no field; a duplicate DOI or a
        # retraction without a date belongs beside its field everywhere.
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            raise ValidationError(
                errors_moved_to_fields(error, FIELD_OF_CONSTRAINT_CODE)
            ) from error

    def clean_fields(self, exclude=None):
        # Normalise before the field checks, so that "PMID: 123" or a DOI
        # resolver URL is judged (and stored) in its canonical form.
        self.normalize()
        super().clean_fields(exclude=exclude)

    def normalize(self):
        # Text arrives from forms, the API, Crossref and files alike: stored
        # plain (entities decoded, tags removed, nothing escaped), whatever
        # the entry point.
        for name in ("title", "journal", "volume", "issue", "pages"):
            setattr(self, name, clean_line(getattr(self, name)))
        for name in ("design_detail", "population_detail"):
            setattr(self, name, clean_line(getattr(self, name)))
        self.abstract = plain_text(self.abstract)
        self.title_key = normalize_title(self.title)
        self.doi = normalize_doi(self.doi)
        self.pmid = normalize_pmid(self.pmid)
        if self.authors is None:
            self.authors = []
        if isinstance(self.authors, list):
            self.authors = [
                clean_line(name) for name in self.authors if clean_line(name)
            ]

    @property
    def authors_display(self):
        """Authors as cited in a list: "Ly C, Greb AC, et al."."""
        names = list(self.authors or [])
        if not names:
            return ""
        if len(names) > 3:
            return f"{names[0]}, {names[1]}, et al."
        shown = ", ".join(names)
        return f"{shown}, et al." if self.authors_et_al else shown

    @property
    def citation(self):
        """A one-line reference: "Ly C, Greb AC, et al. (2018). Title. Journal."."""
        title = self.title.rstrip(".") + "."
        year = f"({self.year or 'n.d.'})."
        lead = (
            [f"{self.authors_display} {year}", title] if self.authors else [title, year]
        )
        if self.journal:
            lead.append(self.journal.rstrip(".") + ".")
        return " ".join(lead)

    @property
    def citation_short(self):
        first = (self.authors or ["Anonymous"])[0].split(" ")[0]
        more = " et al." if len(self.authors or []) > 1 or self.authors_et_al else ""
        return f"{first}{more} {self.year or 'n.d.'}"

    @property
    def doi_url(self):
        return doi_url(self.doi)

    @property
    def pubmed_url(self):
        return pubmed_url(self.pmid)

    @property
    def source_url(self):
        return self.doi_url or self.pubmed_url or self.url

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so that a change that matters to the claims citing the
        # study (a retraction, a new design) refreshes them.
        instance._loaded_values = instance.tracked_values()
        return instance

    def tracked_values(self):
        """The fields whose change matters to the claims that cite this study."""
        return {name: self.__dict__.get(name) for name in self.TRACKED_FIELDS}
