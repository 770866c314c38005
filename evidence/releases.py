"""Dated open-data releases: everything published, in one checksummed zip.

A release is written once, through Django's storage API (so any storage
backend works), and never changes afterwards.
"""

import datetime
import hashlib
import io
import json
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction

from config.renderers import SafeCSVWriter
from studies.exports import STUDY_COLUMNS, study_row
from studies.models import Study

from .models import Claim, ClaimVersion, Evidence, Release

CHUNK_ROWS = 2000

CLAIM_COLUMNS = [
    ("slug", "Permanent identifier; the claim's page is /claims/<slug>/"),
    ("statement", "The claim"),
    ("description", "Context for the claim"),
    ("topic", "mechanism, effect or risk"),
    (
        "certainty",
        "Headline certainty: high, moderate, low or very_low (an editor's override if any)",
    ),
    ("certainty_computed", "Certainty computed by the documented GRADE-style rule"),
    ("certainty_steps", "Each step of the rule, in words, separated by ' | '"),
    (
        "certainty_override_reason",
        "Why an editor overrode the computed certainty, if they did",
    ),
    ("strength_score", "Strength of all evidence, -100 (against) to 100 (for)"),
    ("evidence_count", "Counted evidence links (published, study not retracted)"),
    ("version", "Number of the claim's latest published version"),
    ("updated", "When the claim was last changed (ISO 8601)"),
]
EVIDENCE_COLUMNS = [
    ("id", "Evidence link identifier"),
    ("claim", "Slug of the claim"),
    ("study", "Identifier of the study"),
    ("evidence_type", "controlled, self_report or anecdotal"),
    ("direction", "supports, contradicts or mixed"),
    ("finding", "What the study found for this claim, in the curator's words"),
    ("risk_of_bias", "GRADE: empty, serious or very_serious"),
    ("indirectness", "GRADE: empty, serious or very_serious"),
    (
        "indirectness_reasons",
        "animal_or_in_vitro, healthy_volunteers, full_dose, surrogate_outcome; separated by '; '",
    ),
    ("imprecision", "GRADE: empty, serious or very_serious"),
    ("inconsistency", "GRADE: empty, serious or very_serious"),
    ("publication_bias", "GRADE: empty, serious or very_serious"),
    ("large_effect", "yes if recorded as a reason to trust it more"),
    ("dose_response", "yes if recorded as a reason to trust it more"),
    (
        "study_retracted",
        "yes if the study was retracted (the link is then not counted)",
    ),
    ("updated", "When the link was last changed (ISO 8601)"),
]
VERSION_COLUMNS = [
    ("claim", "Slug of the claim"),
    ("number", "Version number"),
    ("created", "When the version was made (ISO 8601)"),
    ("statement", "The statement at that version"),
    ("certainty", "Headline certainty at that version"),
    ("evidence_count", "Counted links at that version"),
    ("summary", "What changed since the previous version"),
]


def _yes(value):
    return "yes" if value else ""


def _claim_row(claim):
    return [
        claim.slug,
        claim.statement,
        claim.description,
        claim.topic,
        claim.certainty,
        claim.certainty_computed,
        " | ".join(claim.certainty_steps),
        claim.certainty_override_reason if claim.certainty_override else "",
        claim.strength_score,
        claim.evidence_count,
        claim.version,
        claim.updated.isoformat(),
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
    ]


def _version_row(version):
    return [
        version.claim.slug,
        version.number,
        version.created.isoformat(),
        version.statement,
        version.certainty,
        version.evidence_count,
        version.summary,
    ]


def release_querysets():
    """What a release holds: the published record, read in one snapshot."""
    claims = Claim.objects.published().order_by("slug")
    return {
        "claims": (claims, CLAIM_COLUMNS, _claim_row),
        "studies": (Study.objects.order_by("pk"), STUDY_COLUMNS, study_row),
        "evidence": (
            Evidence.objects.published()
            .select_related("claim", "study")
            .order_by("pk"),
            EVIDENCE_COLUMNS,
            _evidence_row,
        ),
        "versions": (
            ClaimVersion.objects.filter(claim__in=claims)
            .select_related("claim")
            .order_by("claim__slug", "number"),
            VERSION_COLUMNS,
            _version_row,
        ),
    }


def _readme(name, licence, counts):
    sections = [
        f"# Evidence Atlas data release {name}\n",
        "Every published claim, every study and every published evidence link of Evidence "
        "Atlas on the day of the release, with each claim's certainty (and the steps that "
        "produced it) and its numbered versions.\n",
        f"Licence: {licence['name']} ({licence['url']}). See LICENSE.\n",
        "Counts: "
        + ", ".join(f"{number} {kind}" for kind, number in counts.items())
        + ".\n",
        "Files: claims.csv, studies.csv, evidence.csv, versions.csv (UTF-8, comma-separated, "
        "header row), data.json (the same records in one JSON document), SHA256SUMS "
        "(check with `sha256sum -c SHA256SUMS`).\n",
    ]
    for kind, columns in (
        ("claims.csv", CLAIM_COLUMNS),
        ("studies.csv", STUDY_COLUMNS),
        ("evidence.csv", EVIDENCE_COLUMNS),
        ("versions.csv", VERSION_COLUMNS),
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
