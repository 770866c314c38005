"""The full-text search of studies and the words of a query (studies/search.py)."""

import pytest
from django.db import connection

from studies.models import Study
from studies.search import (
    STUDY_INDEX,
    search_document,
    search_words,
    sqlite_search_tables_ensure,
)
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("5-HT₂A", ["5", "ht2a"]),
        ("5HT2A", ["5ht2a"]),
        ("ＤＭＮ", ["dmn"]),
        ("Café Ørsted STRAßE", ["cafe", "orsted", "strasse"]),
        (
            "effects of microdosing on depression",
            ["effects", "microdosing", "depression"],
        ),
        ("snake_case words words", ["snake", "case", "words"]),
        ("the of !!!", []),
    ],
)
def test_query_words_are_normalised_without_stop_words(query, words):
    assert search_words(query) == words


def test_documents_are_normalised_like_queries():
    assert search_document("Café 5-HT₂A", None, "ﬁsh") == "cafe 5 ht2a fish"


def test_studies_found_by_title_authors_journal_and_abstract_words_together():
    trial = StudyFactory(
        title="Microdosing psychedelics: a placebo-controlled trial",
        authors=["Szigeti B", "Schäfer A"],
        journal="eLife",
        abstract="Citizen science with self-blinding.",
    )
    StudyFactory(title="Other", authors=["Ly C"], journal="Cell Reports")
    for query in (
        "szigeti",
        "schafer",
        "elife",
        "science citizen",
        "microdosed trials",
        "placebo controlled szigeti blinded",
    ):
        assert list(Study.objects.search(query)) == [trial], query
    assert not Study.objects.search("szigeti cell").exists()


def test_changed_and_deleted_studies_leave_the_index():
    study = StudyFactory(title="Sleep after microdosing")
    study.title = "Mood after microdosing"
    study.save()
    assert not Study.objects.search("sleep").exists()
    assert list(Study.objects.search("mood")) == [study]
    Study.objects.filter(pk=study.pk).update(abstract="Anxiety fell.")
    assert list(Study.objects.search("anxiety")) == [study]
    study.delete()
    assert not Study.objects.search("mood").exists()


def test_title_matches_come_first():
    body = StudyFactory(title="A trial", journal="Sleep", year=2024)
    title = StudyFactory(title="Sleep in a trial", year=2001)
    found = Study.objects.for_list().search("sleep")
    assert list(found) == [body, title]
    assert list(found.best_first("sleep")) == [title, body]


def test_sqlite_index_is_rebuilt_when_a_migration_dropped_its_triggers():
    """SQLite's schema editor rebuilds tables and drops their triggers; the
    post_migrate hook puts them back and reindexes. PostgreSQL stores the
    index in the row (a generated column): nothing to do there."""
    study = StudyFactory(title="Sleep after microdosing")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'studies_study'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(f'DELETE FROM "{STUDY_INDEX.fts_table}"')
        assert not Study.objects.search("sleep").exists()
    sqlite_search_tables_ensure(using="default")
    assert list(Study.objects.search("sleep")) == [study]
    StudyFactory(title="Sleep again")
    assert Study.objects.search("sleep").count() == 2
