"""Synthetic data at scale, for benchmarks: claims, studies and graded links.

Realistic in shape rather than content: titles and abstracts of the usual
lengths built from a fixed vocabulary, every design, population, dose, evidence
type, direction and status, years skewed towards the present, and links spread
over claims the way attention is spread over a literature: a few claims carry
tens of thousands of links, most carry few. The same seed gives the same data.

Rows are written in bulk, without signals or history: COPY on PostgreSQL,
batched ``bulk_create`` elsewhere. Synthetic studies have
``entry_method="synthetic"``; synthetic claims have slugs starting with
:data:`CLAIM_SLUG_PREFIX`.
"""

import csv
import datetime
import io
import json
import random

from django.db import connection, transaction
from django.db.models import JSONField

from dataversion.version import data_changed
from studies.identifiers import normalize_title
from studies.models import Design, Dose, EntryMethod, Population, Study
from studies.moderation import StudyStatus

from .models import Claim, Direction, Evidence, EvidenceType, Status, Topic
from .services import claims_refresh_all

CLAIM_SLUG_PREFIX = "synthetic-claim-"
BATCH_ROWS = 20_000
# How unevenly links fall on claims: the claim of rank r gets a share
# proportional to 1 / (r + 1) ** SKEW.
SKEW = 0.9
START = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)

WORDS = (
    "psilocybin microdosing depression anxiety mood serotonin receptor 5-HT2A "
    "neuroplasticity default mode network amygdala connectivity cognition creativity "
    "wellbeing placebo expectancy blinding trial participants dose response "
    "tolerance safety adverse events sleep attention memory emotion reward "
    "rumination mindfulness openness personality imaging fMRI EEG biomarkers "
    "BDNF dendritic spines cortex hippocampus rodents zebrafish cultures "
    "inflammation cytokines heart valve cardiac risk blood pressure headache "
    "nausea insomnia substance use alcohol smoking cessation ketamine LSD "
    "mescaline DMT ayahuasca naturalistic survey interview qualitative cohort "
    "longitudinal crossover randomised double-blind open-label pilot feasibility "
    "efficacy effectiveness remission relapse symptoms scale questionnaire "
    "self-report observer clinician outcomes follow-up baseline weeks months "
    "sessions integration therapy psychotherapy support setting context "
    "community users veterans students clinicians patients adults adolescents"
).split()
SURNAMES = (
    "Ly Greb Cameron Olson Carhart-Harris Roseman Nutt Erritzoe Kaelen Watts "
    "Polito Stevenson Liknaitzky Anderson Fadiman Krebs Johansen Bershad Wit "
    "Kuypers Hutten Ramaekers Szigeti Kartner Molinaro Hesselgrave Duman Moliner "
    "Cavanna Muller Rootman Walsh Thomas Marschall Prochazkova Lippelt Hommel "
    "Colzato Yanakieva Murphy Haijen Dunlap Tanaka Okafor Silva Novak Berg"
).split()
JOURNALS = (
    "Journal of Psychopharmacology",
    "Psychopharmacology",
    "Neuropsychopharmacology",
    "eLife",
    "Nature Medicine",
    "The Lancet Psychiatry",
    "Scientific Reports",
    "Frontiers in Psychiatry",
    "Psychedelic Medicine",
    "Journal of Affective Disorders",
    "Addiction",
    "Cell Reports",
    "",
)
# Design → (weight, population choices, the evidence type its links get).
DESIGNS = {
    Design.RCT: (
        12,
        (Population.CLINICAL, Population.HEALTHY),
        EvidenceType.CONTROLLED,
    ),
    Design.CONTROLLED: (8, (Population.HEALTHY,), EvidenceType.CONTROLLED),
    Design.OPEN_LABEL: (6, (Population.CLINICAL,), EvidenceType.CONTROLLED),
    Design.NATURALISTIC: (10, (Population.HEALTHY,), EvidenceType.SELF_REPORT),
    Design.SURVEY: (
        18,
        (Population.HEALTHY, Population.OTHER),
        EvidenceType.SELF_REPORT,
    ),
    Design.QUALITATIVE: (6, (Population.HEALTHY,), EvidenceType.SELF_REPORT),
    Design.CASE_REPORT: (4, (Population.CLINICAL,), EvidenceType.ANECDOTAL),
    Design.TESTIMONIAL: (6, (Population.OTHER,), EvidenceType.ANECDOTAL),
    Design.ANIMAL: (10, (Population.ANIMAL,), EvidenceType.CONTROLLED),
    Design.IN_VITRO: (5, (Population.CELLS,), EvidenceType.CONTROLLED),
    Design.REVIEW: (9, (Population.OTHER,), EvidenceType.SELF_REPORT),
    Design.META_ANALYSIS: (6, (Population.CLINICAL,), EvidenceType.SELF_REPORT),
}
STATUSES = (
    (Status.PUBLISHED, 94),
    (Status.DRAFT, 3),
    (Status.IN_REVIEW, 2),
    (Status.RETRACTED, 1),
)


SYLLABLES = (
    "ka lo mi ne su ta ri po ve lu da fi zo ce ga hu mor tin pra sel vek dor "
    "quin bal tro ser nal pho gen cyt lip ox am en"
).split()


def vocabulary():
    """``(words, cumulative weights)``: the field's terms among 15,000 made-up
    ones, drawn with Zipf's law, so that some words occur in most abstracts
    and most in few, as in a real literature."""
    rng = random.Random("vocabulary")
    made_up = set()
    while len(made_up) < 15_000:
        made_up.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    words = sorted(made_up)
    rng.shuffle(words)
    for index, term in enumerate(WORDS):
        words.insert(10 + index * 25, term)
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1 / (rank + 1)
        cumulative.append(total)
    return words, cumulative


class RealDataPresent(Exception):
    """The database holds curated data that synthetic data would mix with."""


def real_data_counts():
    """``(studies, claims)`` in the database that are not synthetic."""
    studies = Study.objects.exclude(entry_method=EntryMethod.SYNTHETIC).count()
    claims = Claim.objects.exclude(slug__startswith=CLAIM_SLUG_PREFIX).count()
    return studies, claims


def link_counts(claims, evidence, studies, rng):
    """How many links each claim gets: skewed, at least one each, summing to
    ``evidence``, none above the number of studies (one link per pair)."""
    weights = [1 / (rank + 1) ** SKEW for rank in range(claims)]
    total = sum(weights)
    counts = [max(1, min(studies, int(evidence * w / total))) for w in weights]
    # Hand out (or take back) the rounding remainder, one link at a time.
    shortfall = evidence - sum(counts)
    order = list(range(claims))
    while shortfall:
        rng.shuffle(order)
        for index in order:
            if shortfall > 0 and counts[index] < studies:
                counts[index] += 1
                shortfall -= 1
            elif shortfall < 0 and counts[index] > 1:
                counts[index] -= 1
                shortfall += 1
            if not shortfall:
                break
    rng.shuffle(counts)  # big claims anywhere in the id range, not only first
    return counts


class Generator:
    """Rows of synthetic claims, studies and links, reproducible from a seed."""

    def __init__(self, *, claims, studies, evidence, seed):
        if evidence > claims * studies:
            raise ValueError(
                f"{evidence} links cannot fit: {claims} claims × {studies} studies "
                "allow one link per pair."
            )
        self.claims, self.studies, self.evidence = claims, studies, evidence
        self.seed = seed
        self.rng = random.Random(seed)
        rng = self.rng
        self.words, self.cumulative = vocabulary()
        self.sentences = [self._sentence(rng, 8, 28) for _ in range(20_000)]
        self.findings = [self._sentence(rng, 10, 30) for _ in range(2000)]
        self.design_names = list(DESIGNS)
        self.design_weights = [DESIGNS[name][0] for name in self.design_names]

    def _sentence(self, rng, shortest, longest):
        words = rng.choices(
            self.words, cum_weights=self.cumulative, k=rng.randint(shortest, longest)
        )
        return " ".join(words).capitalize() + "."

    def _timestamp(self, rng):
        return START + datetime.timedelta(seconds=rng.randrange(6 * 365 * 86400))

    def claim_rows(self):
        rng = random.Random(f"{self.seed}-claims")
        topics = Topic.values
        statuses, status_weights = zip(*STATUSES, strict=True)
        for index in range(self.claims):
            statement = (
                f"Synthetic claim {index + 1}: "
                + self._sentence(rng, 6, 18).rstrip(".")
                + "."
            )
            created = self._timestamp(rng)
            yield {
                "slug": f"{CLAIM_SLUG_PREFIX}{index + 1}",
                "statement": statement[:1000],
                "description": " ".join(
                    rng.choices(self.sentences, k=rng.randint(1, 4))
                ),
                "topic": rng.choice(topics),
                "status": (status := rng.choices(statuses, status_weights)[0]),
                "ever_published": status in (Status.PUBLISHED, Status.RETRACTED),
                "created": created,
                "updated": created,
            }

    def study_rows(self):
        rng = random.Random(f"{self.seed}-studies")
        for index in range(self.studies):
            design = rng.choices(self.design_names, self.design_weights)[0]
            populations = DESIGNS[design][1]
            anecdotal = DESIGNS[design][2] == EvidenceType.ANECDOTAL
            title = self._sentence(rng, 6, 20).rstrip(".")
            # Publication years cluster in the last decade.
            year = (
                None
                if anecdotal and rng.random() < 0.5
                else max(1960, 2025 - int(rng.expovariate(1 / 6)))
            )
            retracted = rng.random() < 0.005
            created = self._timestamp(rng)
            authors = [
                f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHJKLMNPRST')}"
                for _ in range(rng.randint(1, 8))
            ]
            yield {
                "title": title,
                "title_key": normalize_title(title),
                "authors": authors,
                "authors_et_al": len(authors) > 5 and rng.random() < 0.5,
                "year": year,
                "journal": "" if anecdotal else rng.choice(JOURNALS),
                "doi": ""
                if anecdotal
                else f"10.5555/synthetic.{self.seed}.{index + 1}",
                "pmid": str(900_000_000 + index) if rng.random() < 0.6 else "",
                "url": "" if not anecdotal else f"https://example.org/account/{index}",
                "abstract": " ".join(rng.choices(self.sentences, k=rng.randint(6, 14))),
                "design": design,
                "design_detail": "",
                "population": rng.choice(populations),
                "population_detail": "",
                "sample_size": None if anecdotal else int(rng.lognormvariate(4, 1)) + 1,
                "dose": rng.choice((Dose.MICRO, Dose.MICRO, Dose.MACRO, Dose.NA)),
                "status": StudyStatus.PUBLISHED,
                "ever_published": True,
                "entry_method": EntryMethod.SYNTHETIC,
                "entry_source": f"generate_synthetic --seed {self.seed}",
                "retracted": retracted,
                "retraction_date": created.date() if retracted else None,
                "created": created,
                "updated": created,
            }

    def evidence_rows(self, claim_ids, study_ids, study_types):
        """Links as dicts; ``study_types`` maps a study id to its evidence type."""
        rng = random.Random(f"{self.seed}-evidence")
        counts = link_counts(self.claims, self.evidence, self.studies, rng)
        statuses, status_weights = zip(*STATUSES, strict=True)
        directions = Direction.values
        for claim_id, number in zip(claim_ids, counts, strict=True):
            # Each claim leans its own way, so profiles and strengths vary.
            lean = rng.random()
            direction_weights = (lean, (1 - lean) * 0.7, 0.15)
            for study_id in rng.sample(study_ids, number):
                created = self._timestamp(rng)
                yield {
                    "claim_id": claim_id,
                    "study_id": study_id,
                    "evidence_type": study_types[study_id],
                    "direction": rng.choices(directions, direction_weights)[0],
                    "finding": rng.choice(self.findings),
                    "quote": rng.choice(self.sentences) if rng.random() < 0.1 else "",
                    "status": (status := rng.choices(statuses, status_weights)[0]),
                    "ever_published": status in (Status.PUBLISHED, Status.RETRACTED),
                    "created": created,
                    "updated": created,
                }


def _column_defaults(model, given):
    """Database values for the model's columns that the generator leaves out
    (fields added later get their default, so the writer keeps working)."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given or field.generated:
            continue
        value = field.get_default()
        if not isinstance(field, JSONField):
            value = field.get_db_prep_save(value, connection)
        defaults[field.attname] = value
    return defaults


def _copy_value(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _write_postgresql(model, rows, progress):
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    defaults = _column_defaults(model, first)
    columns = [*first, *defaults]
    constant = [_copy_value(value) for value in defaults.values()]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = (
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) "
        r"FROM STDIN WITH (FORMAT csv, NULL '\N')"
    )
    pending = [first]

    def flush():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in pending:
            writer.writerow([_copy_value(value) for value in row.values()] + constant)
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, buffer)
        progress(len(pending))
        pending.clear()

    for row in rows:
        pending.append(row)
        if len(pending) >= BATCH_ROWS:
            flush()
    if pending:
        flush()


def _write_other(model, rows, progress):
    batch = []
    for row in rows:
        batch.append(model(**row))
        if len(batch) >= BATCH_ROWS // 4:
            model.objects.bulk_create(batch)
            progress(len(batch))
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        progress(len(batch))


def write_rows(model, rows, progress=lambda n: None):
    """Insert ``rows`` (dicts of column values) in bulk, without signals."""
    if connection.vendor == "postgresql":
        _write_postgresql(model, rows, progress)
    else:
        _write_other(model, rows, progress)


def synthetic_clear():
    """Remove earlier synthetic data; start the ids afresh when nothing else is
    stored, so that the same seed gives the same ids."""
    studies, claims = real_data_counts()
    tables = [Evidence._meta.db_table, Claim._meta.db_table, Study._meta.db_table]
    if not studies and not claims:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Deferred foreign-key checks of this transaction would block
                # TRUNCATE: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608
                if connection.vendor == "sqlite":
                    cursor.execute(
                        "DELETE FROM sqlite_sequence WHERE name IN (%s, %s, %s)",
                        tables,
                    )
        return
    synthetic_claims = Claim.objects.filter(slug__startswith=CLAIM_SLUG_PREFIX)
    synthetic_studies = Study.objects.filter(entry_method=EntryMethod.SYNTHETIC)
    Evidence.objects.filter(claim__in=synthetic_claims)._raw_delete(connection.alias)
    Evidence.objects.filter(study__in=synthetic_studies)._raw_delete(connection.alias)
    synthetic_claims._raw_delete(connection.alias)
    synthetic_studies._raw_delete(connection.alias)


def synthetic_generate(*, claims, studies, evidence, seed, force=False, progress=None):
    """Replace the synthetic data with a new set; returns the row counts.

    Refuses (:class:`RealDataPresent`) when the database holds curated studies
    or claims, unless ``force``; curated data is never touched.
    """
    real_studies, real_claims = real_data_counts()
    if (real_studies or real_claims) and not force:
        raise RealDataPresent(
            f"The database holds {real_studies} studies and {real_claims} claims "
            "that are not synthetic. Synthetic data would mix with them; use an "
            "empty database, or give --force to add it anyway."
        )

    def step(name, total):
        return progress(name, total) if progress else (lambda n: None)

    generator = Generator(claims=claims, studies=studies, evidence=evidence, seed=seed)
    with transaction.atomic():
        synthetic_clear()
        write_rows(Claim, generator.claim_rows(), step("claims", claims))
        write_rows(Study, generator.study_rows(), step("studies", studies))
        claim_ids = list(
            Claim.objects.filter(slug__startswith=CLAIM_SLUG_PREFIX)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        study_types = {
            pk: DESIGNS[design][2]
            for pk, design in Study.objects.filter(entry_method=EntryMethod.SYNTHETIC)
            .order_by("pk")
            .values_list("pk", "design")
        }
        write_rows(
            Evidence,
            generator.evidence_rows(claim_ids, list(study_types), study_types),
            step("evidence links", evidence),
        )
        claims_refresh_all(claim_ids=claim_ids)
    data_changed()  # written without signals: cached reads are stale
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Claim, Study, Evidence):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {"claims": claims, "studies": studies, "evidence": evidence}
