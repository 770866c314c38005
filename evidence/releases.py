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

from core.renderers import SafeCSVWriter, json_cell
from studies.exports import STUDY_COLUMNS, study_row
from studies.models import Study

from .columns import (
    CLAIM_COLUMNS,
    EVIDENCE_COLUMNS,
    META_ANALYSIS_COLUMNS,
    VERSION_COLUMNS,
    claim_row,
    evidence_row,
    version_row,
)
from .models import Claim, ClaimSlugAlias, ClaimVersion, Evidence, Release, Status
from .synthesis import POOLED_FIELDS

CHUNK_ROWS = 2000


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


def release_querysets():
    """What a release holds: the published record, read in one snapshot."""
    claims = Claim.objects.published().order_by("slug")
    return {
        "claims": (claims, CLAIM_COLUMNS, claim_row),
        "studies": (Study.objects.published().order_by("pk"), STUDY_COLUMNS, study_row),
        "evidence": (
            Evidence.objects.published()
            .select_related("claim", "study")
            .order_by("pk"),
            EVIDENCE_COLUMNS,
            evidence_row,
        ),
        "versions": (
            ClaimVersion.objects.published()
            .filter(claim__in=claims)
            .select_related("claim")
            .order_by("claim__slug", "number"),
            VERSION_COLUMNS,
            version_row,
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
                dict(zip(names, to_row(item), strict=True)),
                ensure_ascii=False,
                default=json_cell,
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
