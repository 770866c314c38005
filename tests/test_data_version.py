"""The data version: one row every process reads, bumped by every write,
including the bulk paths that no model signal sees."""

from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dataversion.models import DataVersion
from dataversion.version import _stored, data_changed, data_version
from evidence.models import Claim
from evidence.services import claims_refresh_all
from studies.imports import citations_import
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

FIXTURES = Path(__file__).resolve().parent / "studies" / "fixtures"


def stored():
    return int(_stored())


@pytest.mark.django_db
def test_a_transactions_own_reads_never_use_entries_cached_before_its_writes():
    """Tests run in one transaction, like a request that writes then reads."""
    claim = ClaimFactory()
    before = data_version()
    assert data_version() == before  # no write, same keys
    Claim.objects.filter(pk=claim.pk).update(description="Changed in bulk")
    after_update = data_version()
    assert after_update != before
    Study.objects.bulk_create([Study(title="Bulk study", year=2020)])
    assert data_version() not in (before, after_update)


@pytest.mark.django_db
def test_rows_of_tables_no_reader_sees_leave_the_version_alone():
    before = data_version()
    session = SessionStore()
    session["seen"] = True
    session.save()
    assert data_version() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "write",
    [
        "queryset_update",
        "bulk_create",
        "queryset_delete",
        "raw_sql",
        "claims_refresh_all",
        "citations_import",
        "data_changed",
    ],
)
def test_writes_that_bypass_signals_bump_the_stored_version(write):
    claim = EvidenceFactory().claim
    before = stored()
    if write == "queryset_update":
        Claim.objects.filter(pk=claim.pk).update(description="Bulk")
    elif write == "bulk_create":
        Study.objects.bulk_create([Study(title="Bulk study", year=2020)])
    elif write == "queryset_delete":
        StudyFactory()
        before = stored()
        Study.objects.filter(evidence__isnull=True).delete()
    elif write == "raw_sql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE evidence_claim SET description = %s WHERE id = %s",
                ["Raw", claim.pk],
            )
    elif write == "claims_refresh_all":
        claims_refresh_all()
    elif write == "citations_import":
        with open(FIXTURES / "zotero.bib", "rb") as file:
            citations_import(file=file, file_name="zotero.bib")
    else:
        data_changed()
    assert stored() > before


@pytest.mark.django_db(transaction=True)
def test_the_stored_version_moves_at_commit_and_not_for_a_rollback():
    claim = ClaimFactory()
    before = stored()
    with transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(description="In a transaction")
        assert stored() == before  # other processes see the old data still
        inside = data_version()
        assert inside.startswith(f"{before}~")
    assert stored() > before
    assert data_version() == str(stored())

    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(description="Rolled back")
        assert data_version() != str(before)
        raise RuntimeError
    assert stored() == before
    assert data_version() == str(before)  # no mark of the rolled-back writes


@pytest.mark.django_db(transaction=True)
def test_the_version_never_goes_back_after_a_restore():
    """A restored (or emptied) table must not reuse a number under which a
    shared cache still holds entries."""
    ClaimFactory()
    high = stored()
    DataVersion.objects.filter(pk=1).update(version=5)  # an old backup's value
    data_changed()
    assert stored() > high
    DataVersion.objects.all().delete()
    assert data_version() == "0"
    data_changed()
    assert stored() > high


@pytest.mark.django_db
def test_a_request_reads_the_version_once_however_many_caches_it_uses(client):
    """The claim page uses the count cache, the page cache and the timeline
    cache: one query of the version row, documented as the one query a
    request pays for fresh caches."""
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(claim.get_absolute_url()).status_code == 200
    reads = [q for q in queries.captured_queries if "dataversion" in q["sql"]]
    assert len(reads) == 1
