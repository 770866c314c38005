"""Dated open-data releases: everything published, in one checksummed zip.

A release is written once, through Django's storage API (so any storage
backend works), and never changes afterwards.
"""

import csv
import datetime
import hashlib
import io
import json
import tempfile
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction

from core.renderers import SafeCSVWriter
from studies.exports import STUDY_COLUMNS, study_row
from studies.models import Study

from .effects import EFFECT_CSV_COLUMNS, effect_cells
from .models import Claim, ClaimSlugAlias, ClaimVersion, Evidence, Release, Status
from .synthesis import FLAT_COLUMNS, POOLED_FIELDS, flat_meta_analysis
from .vocabulary import (
    DIRECTIONS,
    EVIDENCE_TYPES,
    VERDICT_DIRECTIONS,
    Certainty,
    DomainRating,
    listed,
)

CHUNK_ROWS = 2000
GRADE_RATINGS = f"GRADE: {listed(DomainRating.values)}"

CLAIM_COLUMNS = [
    ("slug", "Permanent identifier; the claim's page is /claims/<slug>/"),
    ("statement", "The claim"),
    ("description", "Context for the claim"),
    ("topic", "mechanism, effect or risk"),
    (
        "verdict_direction",
        f"Where the deciding evidence points: {listed(VERDICT_DIRECTIONS)} "
        "(an editor's override if any)",
    ),
    (
        "certainty",
        f"Certainty in that direction: {listed(Certainty.values)} "
        "(an editor's override if any)",
    ),
    ("verdict_text", "The verdict in one plain sentence"),
    ("verdict_direction_computed", "Direction computed by the documented rule"),
    ("certainty_computed", "Certainty computed by the documented GRADE-style rule"),
    ("certainty_steps", "Each step of the rule, in words, separated by ' | '"),
    (
        "certainty_override_reason",
        "Why an editor overrode the computed direction or certainty, if they did",
    ),
    (
        "strength",
        "Strength band of all evidence (one reason under the verdict, not the verdict)",
    ),
    ("strength_score", "Strength of all evidence, -100 (against) to 100 (for)"),
    ("evidence_count", "Counted evidence links (published, study not retracted)"),
    ("version", "Number of the claim's latest published version"),
    ("updated", "When the claim was last changed (ISO 8601)"),
    *FLAT_COLUMNS,
]
EVIDENCE_COLUMNS = [
    ("id", "Evidence link identifier"),
    ("claim", "Slug of the claim"),
    ("study", "Identifier of the study"),
    ("evidence_type", listed(EVIDENCE_TYPES)),
    ("direction", listed(DIRECTIONS)),
    ("finding", "What the study found for this claim, in the curator's words"),
    ("risk_of_bias", GRADE_RATINGS),
    ("indirectness", GRADE_RATINGS),
    (
        "indirectness_reasons",
        "animal_or_in_vitro, healthy_volunteers, full_dose, surrogate_outcome; separated by '; '",
    ),
    ("imprecision", GRADE_RATINGS),
    ("inconsistency", GRADE_RATINGS),
    ("publication_bias", GRADE_RATINGS),
    ("large_effect", "yes if recorded as a reason to trust it more"),
    ("dose_response", "yes if recorded as a reason to trust it more"),
    (
        "study_retracted",
        "yes if the study was retracted (the link is then not counted)",
    ),
    ("updated", "When the link was last changed (ISO 8601)"),
    ("outcome", "The outcome of the effect, e.g. depression severity (MADRS)"),
    ("comparator", "What the treatment was compared with"),
    ("timepoint", "When the outcome was measured"),
    *EFFECT_CSV_COLUMNS,
]
META_ANALYSIS_COLUMNS = [
    ("claim", "Slug of the claim"),
    *(
        (name, meaning)
        for name, meaning in (
            ("measure", "smd, md, log_rr or log_or"),
            ("k", "Number of pooled links"),
            ("participants", "Participants of the pooled studies that report them"),
            ("estimate", "Pooled estimate (random effects, REML)"),
            ("se", "Standard error of the pooled estimate"),
            ("ci_low", "Wald 95% CI, lower bound"),
            ("ci_high", "Wald 95% CI, upper bound"),
            ("tau2", "Between-study variance tau² (REML)"),
            ("i2", "I² in percent, from tau² (as metafor)"),
            ("q", "Cochran's Q"),
            ("q_df", "Degrees of freedom of Q"),
            ("q_p", "p-value of Q"),
            ("prediction_low", "95% prediction interval, lower bound"),
            ("prediction_high", "95% prediction interval, upper bound"),
            ("method", "REML"),
        )
    ),
    ("links", "Pooled evidence link ids with their weights in percent, 'id:weight; …'"),
]
VERSION_COLUMNS = [
    ("claim", "Slug of the claim"),
    ("number", "Version number"),
    ("created", "When the version was made (ISO 8601)"),
    ("statement", "The statement at that version"),
    (
        "verdict_direction",
        "Direction of the verdict at that version (empty before verdicts had one)",
    ),
    ("certainty", "Headline certainty at that version"),
    ("verdict_text", "The verdict in one sentence at that version"),
    ("strength_score", "Strength score stored at that version"),
    ("evidence_count", "Counted links at that version"),
    ("summary", "What changed since the previous version"),
    ("note", "Why the version was made when no person changed the claim"),
]


def _yes(value):
    return "yes" if value else ""


def _claim_row(claim):
    return [
        claim.slug,
        claim.statement,
        claim.description,
        claim.topic,
        claim.verdict_direction,
        claim.certainty,
        claim.verdict_text,
        claim.verdict_direction_computed,
        claim.certainty_computed,
        " | ".join(claim.certainty_steps),
        claim.certainty_override_reason if claim.verdict_overridden else "",
        claim.strength,
        claim.strength_score,
        claim.evidence_count,
        claim.version,
        claim.updated.isoformat(),
        *flat_meta_analysis(claim.meta_analyses),
    ]


def _evidence_row(link):
    return [
        link.pk,
        link.claim.slug,
        link.study_id,
        link.evidence_type,
        link.direction,
        link.finding,
        link.risk_of_bias,
        link.indirectness,
        "; ".join(link.indirectness_reasons or []),
        link.imprecision,
        link.inconsistency,
        link.publication_bias,
        _yes(link.large_effect),
        _yes(link.dose_response),
        _yes(link.study.retracted),
        link.updated.isoformat(),
        link.outcome,
        link.comparator,
        link.timepoint,
        *effect_cells(link.effect),
    ]


class _MetaAnalyses:
    """One row per published claim and pooled measure, read like a queryset."""

    def __init__(self, claims):
        self.claims = claims.only("slug", "meta_analyses")

    def iterator(self, chunk_size):
        for claim in self.claims.iterator(chunk_size=chunk_size):
            for entry in claim.meta_analyses:
                yield claim.slug, entry


def _meta_analysis_row(item):
    slug, entry = item
    links = "; ".join(f"{link['id']}:{link['weight']:.2f}" for link in entry["links"])
    return [slug, *(entry[name] for name in POOLED_FIELDS), links]


def _version_row(version):
    return [
        version.claim.slug,
        version.number,
        version.created.isoformat(),
        version.statement,
        version.verdict_direction,
        version.certainty,
        version.verdict_text,
        version.strength_score,
        version.evidence_count,
        version.summary,
        version.note,
    ]


def release_querysets():
    """What a release holds: the published record, read in one snapshot."""
    claims = Claim.objects.published().order_by("slug")
    return {
        "claims": (claims, CLAIM_COLUMNS, _claim_row),
        "studies": (Study.objects.published().order_by("pk"), STUDY_COLUMNS, study_row),
        "evidence": (
            Evidence.objects.published()
            .select_related("claim", "study")
            .order_by("pk"),
            EVIDENCE_COLUMNS,
            _evidence_row,
        ),
        "versions": (
            ClaimVersion.objects.published()
            .filter(claim__in=claims)
            .select_related("claim")
            .order_by("claim__slug", "number"),
            VERSION_COLUMNS,
            _version_row,
        ),
        "meta_analyses": (
            _MetaAnalyses(claims),
            META_ANALYSIS_COLUMNS,
            _meta_analysis_row,
        ),
    }


def _readme(name, licence, counts):
    sections = [
        f"# Evidence Atlas data release {name}\n",
        "Every published claim, every study and every published evidence link of Evidence "
        "Atlas on the day of the release, with each claim's verdict (direction, certainty "
        "and the steps that produced them) and its numbered versions.\n",
        f"Licence: {licence['name']} ({licence['url']}). See LICENSE.\n",
        "Counts: "
        + ", ".join(f"{number} {kind}" for kind, number in counts.items())
        + ".\n",
        "Files: claims.csv, studies.csv, evidence.csv, versions.csv, meta_analyses.csv "
        "(UTF-8, comma-separated, "
        "header row), data.json (the same records in one JSON document), SHA256SUMS "
        "(check with `sha256sum -c SHA256SUMS`).\n",
    ]
    for kind, columns in (
        ("claims.csv", CLAIM_COLUMNS),
        ("studies.csv", STUDY_COLUMNS),
        ("evidence.csv", EVIDENCE_COLUMNS),
        ("versions.csv", VERSION_COLUMNS),
        ("meta_analyses.csv", META_ANALYSIS_COLUMNS),
    ):
        rows = "\n".join(f"| `{column}` | {meaning} |" for column, meaning in columns)
        sections.append(f"## {kind}\n\n| column | meaning |\n|---|---|\n{rows}\n")
    return "\n".join(sections)


def _licence_text(name, licence):
    return (
        f"Evidence Atlas data release {name}\n\n"
        f"This data is made available under the {licence['name']} licence:\n{licence['url']}\n\n"
        "You may share and adapt it for any purpose, provided you give appropriate credit "
        '(cite "Evidence Atlas, data release ' + name + '"), link to the licence, and '
        "indicate if changes were made. The full legal code is at the address above.\n"
    )


def _next_name(today):
    name, suffix = today.isoformat(), 2
    while Release.objects.filter(name=name).exists():
        name = f"{today.isoformat()}-{suffix}"
        suffix += 1
    return name


def _write_member(archive, filename, chunks, digests):
    """Stream text ``chunks`` into the zip as ``filename``, noting its SHA-256."""
    digest = hashlib.sha256()
    with archive.open(filename, "w", force_zip64=True) as member:
        for chunk in chunks:
            data = chunk.encode()
            digest.update(data)
            member.write(data)
    digests[filename] = digest.hexdigest()


def _csv_chunks(queryset, columns, to_row, on_row):
    buffer = io.StringIO()
    writer = SafeCSVWriter(buffer)
    writer.writerow([column for column, _ in columns])
    for item in queryset.iterator(chunk_size=CHUNK_ROWS):
        writer.writerow(to_row(item))
        on_row()
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_chunks(name, licence, record_sets):
    yield json.dumps({"release": name, "licence": licence}, ensure_ascii=False)[:-1]
    for kind, (queryset, columns, to_row) in record_sets.items():
        names = [column for column, _ in columns]
        yield f', "{kind}": ['
        separator = "\n"
        for item in queryset.iterator(chunk_size=CHUNK_ROWS):
            yield separator + json.dumps(
                dict(zip(names, to_row(item), strict=True)), ensure_ascii=False
            )
            separator = ",\n"
        yield "]"
    yield "}\n"


def release_make(*, today=None, progress=None):
    """Write a new release zip through the default storage and record it.

    The data is read in one consistent snapshot (REPEATABLE READ on
    PostgreSQL) and streamed into the zip, so memory stays flat however large
    the atlas. ``progress`` is called once per CSV row written. Returns the
    :class:`Release`.
    """
    licence = settings.RELEASE_LICENCE
    # Inside a caller's transaction (tests), that transaction is the snapshot.
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and own_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        name = _next_name(today or datetime.date.today())
        record_sets = release_querysets()
        digests, counts = {}, {}
        with tempfile.TemporaryFile() as archive_file:
            with zipfile.ZipFile(
                archive_file, "w", compression=zipfile.ZIP_DEFLATED
            ) as archive:
                for kind, (queryset, columns, to_row) in record_sets.items():
                    counts[kind] = 0

                    def on_row(kind=kind):
                        counts[kind] += 1
                        if progress:
                            progress(1)

                    _write_member(
                        archive,
                        f"{kind}.csv",
                        _csv_chunks(queryset, columns, to_row, on_row),
                        digests,
                    )
                _write_member(
                    archive,
                    "data.json",
                    _json_chunks(name, licence, record_sets),
                    digests,
                )
                _write_member(
                    archive, "README.md", [_readme(name, licence, counts)], digests
                )
                _write_member(
                    archive, "LICENSE", [_licence_text(name, licence)], digests
                )
                archive.writestr(
                    "SHA256SUMS",
                    "".join(
                        f"{digest}  {filename}\n"
                        for filename, digest in sorted(digests.items())
                    ),
                )
            archive_file.seek(0)
            zip_digest = hashlib.sha256()
            for chunk in iter(lambda: archive_file.read(1 << 20), b""):
                zip_digest.update(chunk)
            size = archive_file.tell()
            archive_file.seek(0)
            release = Release(
                name=name,
                size=size,
                sha256=zip_digest.hexdigest(),
                licence=licence["name"],
                counts=counts,
            )
            release.file.save(
                f"evidence-atlas-{name}.zip", File(archive_file), save=False
            )
            release.save()
    return release


# --- Withdrawing a release ---------------------------------------------------


def release_unpublished_versions(release):
    """The ``(slug, number)`` of the claim versions in ``release`` that were
    never public (cut from a draft, in-review or retracted state by versions
    of the app before they were cut from published states only), read from
    its versions.csv."""
    with release.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        with archive.open("versions.csv") as member:
            rows = [
                (row["claim"], int(row["number"]))
                for row in csv.DictReader(io.TextIOWrapper(member, encoding="utf-8"))
            ]
    slugs = {slug for slug, _ in rows}
    claim_ids = dict(Claim.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    claim_ids.update(
        ClaimSlugAlias.objects.filter(slug__in=slugs).values_list("slug", "claim_id")
    )
    hidden = set(
        ClaimVersion.objects.filter(claim_id__in=set(claim_ids.values()))
        .exclude(status=Status.PUBLISHED)
        .values_list("claim_id", "number")
    )
    return [
        (slug, number)
        for slug, number in rows
        if (claim_ids.get(slug), number) in hidden
    ]


def release_withdraw(*, release, note):
    """Mark ``release`` withdrawn with ``note``: the one change a release
    allows. Its zip stays where it is, for those who cited it."""
    if not note.strip():
        raise ValidationError({"withdrawn_note": "Say why the release is withdrawn."})
    Release.objects.filter(pk=release.pk).update(withdrawn=True, withdrawn_note=note)
    release.withdrawn, release.withdrawn_note = True, note
    return release
