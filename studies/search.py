"""Full-text search that gives the same answers on PostgreSQL and SQLite.

A query becomes words: Unicode-normalised (NFKC, so "5-HT₂A" reads as
"5-HT2A"), case-folded, accents removed, split at anything that is not a
letter or a digit, English stop words dropped. A row matches when it holds
every word (in any order and field), each word matching the start of a
word of the row after stemming ("depressed" finds "depression").

Each searchable table has two weighted parts, the *title* (a claim's
statement and aliases, a study's title) and the *body* (the rest):

- on PostgreSQL, a stored ``search_vector`` column (tsvector, the
  ``atlas_english`` configuration: unaccent, then the English Snowball
  stemmer) with a GIN index;
- on SQLite, an FTS5 table ``<table>_search`` (porter stemmer) kept in step
  by triggers that call :func:`search_document`, registered on every
  connection by :func:`register_sqlite_functions`.

Both indexes see the same words: the documents are normalised like the
queries before the database splits them (migrations
``studies.0005_search_english_stemmed`` and ``evidence.0005_claim_aliases_and_search``).
A migration that removes a column an index reads must drop the SQLite
triggers first (as evidence 0005 does when rolled back), and on PostgreSQL
rebuild the generated ``search_vector`` column.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.db import connections, models
from django.db.models.expressions import RawSQL

# PostgreSQL's english.stop (the Snowball list): dropped from queries on
# every database, since PostgreSQL leaves them out of its index.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their theirs
    themselves what which who whom this that these those am is are was were be
    been being have has had having do does did doing a an the and but if or
    because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under
    again further then once here there when where why how all any both each few
    more most other some such no nor not only own same so than too very s t can
    will just don should now""".split()
)
# Letters that Unicode does not decompose but PostgreSQL's unaccent maps.
UNACCENT = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "þ": "th", "đ": "d", "ł": "l"}
)
WORD = re.compile(r"[^\W_]+")
# Longest query kept, in words: more words only make the search slower.
MAX_WORDS = 12
TEXT_SEARCH_CONFIG = "atlas_english"


def normalize_text(text: str) -> str:
    """``text`` in NFKC, case-folded, without accents."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", text).translate(UNACCENT)


def search_words(query: str, *, limit: int | None = MAX_WORDS) -> list[str]:
    """The words of ``query`` that a search looks for, in order, without
    repeats: the first ``limit`` of them (``None``: all)."""
    words = dict.fromkeys(
        word for word in WORD.findall(normalize_text(query)) if word not in STOP_WORDS
    )
    return list(words)[:limit]


def search_document(*parts) -> str:
    """The text SQLite indexes for ``parts``: normalised words, space-separated."""
    return " ".join(WORD.findall(normalize_text(" ".join(p or "" for p in parts))))


def register_sqlite_functions(sender, connection, **kwargs):
    """Make :func:`search_document` callable from SQLite's triggers."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "atlas_search_document", -1, search_document, deterministic=True
        )


@dataclass(frozen=True)
class SearchIndex:
    """The full-text index of one table (see the module docstring).

    ``title`` and ``body`` name its text columns; ``json_lists``, JSON lists
    of strings that count as body text.
    """

    table: str
    title: tuple[str, ...]
    body: tuple[str, ...]
    json_lists: tuple[str, ...] = ()

    @property
    def fts_table(self):
        return f"{self.table}_search"

    def condition(self, queryset, words, *, title_only=False):
        """An SQL condition: the row holds every one of ``words``."""
        if connections[queryset.db].vendor == "postgresql":
            weight = "A" if title_only else ""
            tsquery = " & ".join(f"{word}:*{weight}" for word in words)
            return RawSQL(
                f'"{self.table}"."search_vector" @@ '
                f"to_tsquery('{TEXT_SEARCH_CONFIG}', %s)",
                [tsquery],
                output_field=models.BooleanField(),
            )
        terms = " ".join(f'"{word}"*' for word in words)
        match = f"{{title}} : ({terms})" if title_only else terms
        return RawSQL(
            f'"{self.table}"."id" IN (SELECT rowid FROM "{self.fts_table}" '
            f'WHERE "{self.fts_table}" MATCH %s)',
            [match],
            output_field=models.BooleanField(),
        )

    def filter(self, queryset, query):
        """``queryset`` narrowed to rows holding every word of ``query``.

        An empty query leaves it whole; a query without searchable words
        (only stop words or punctuation) matches nothing.
        """
        if not (query or "").strip():
            return queryset
        words = search_words(query)
        if not words:
            return queryset.none()
        return queryset.filter(self.condition(queryset, words))

    def best_first(self, queryset, query):
        """``queryset`` with the rows that hold every word of ``query`` in
        their title first, in its order otherwise."""
        words = search_words(query)
        if not words:
            return queryset
        order = queryset.query.order_by or queryset.model._meta.ordering
        title = self.condition(queryset, words, title_only=True)
        return queryset.alias(_title_match=title).order_by(
            models.F("_title_match").desc(), *order
        )

    # SQLite: an FTS5 table and its triggers, made from these definitions.

    def _sqlite_documents(self, row):
        body = [f"{row}.{column}" for column in self.body] + [
            f"(SELECT group_concat(value, ' ') FROM json_each({row}.{column}))"
            for column in self.json_lists
        ]
        return (
            f"atlas_search_document({', '.join(f'{row}.{c}' for c in self.title)})",
            f"atlas_search_document({', '.join(body)})",
        )

    def sqlite_statements(self, suffix):
        """The triggers that keep the FTS5 table in step, named with ``suffix``."""
        fts, table = self.fts_table, self.table
        title, body = self._sqlite_documents("new")
        insert = (
            f'INSERT INTO "{fts}"(rowid, title, body) VALUES (new.id, {title}, {body});'
        )
        delete = f'DELETE FROM "{fts}" WHERE rowid = old.id;'
        columns = ", ".join(self.title + self.body + self.json_lists)
        return [
            f'CREATE TRIGGER "{fts}_insert_{suffix}" AFTER INSERT ON "{table}" '
            f"BEGIN {insert} END",
            f'CREATE TRIGGER "{fts}_update_{suffix}" AFTER UPDATE OF {columns} '
            f'ON "{table}" BEGIN {delete} {insert} END',
            f'CREATE TRIGGER "{fts}_delete_{suffix}" AFTER DELETE ON "{table}" '
            f"BEGIN {delete} END",
        ]

    def sqlite_ensure(self, connection):
        """Create the FTS5 table and triggers unless they exist as defined,
        then index every row. Run after each migration: SQLite's schema
        editor rebuilds a table for most changes, dropping its triggers."""
        fts = self.fts_table
        suffix = hashlib.sha1(repr(self).encode()).hexdigest()[:8]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [self.table],
            )
            triggers = {name for (name,) in cursor.fetchall() if name.startswith(fts)}
            wanted = {
                f"{fts}_{kind}_{suffix}" for kind in ("insert", "update", "delete")
            }
            if triggers == wanted:
                return
            for name in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(f'DROP TABLE IF EXISTS "{fts}"')
            cursor.execute(
                f'CREATE VIRTUAL TABLE "{fts}" USING fts5(title, body, '
                "tokenize = 'porter unicode61 remove_diacritics 2')"
            )
            title, body = self._sqlite_documents(f'"{self.table}"')
            cursor.execute(
                f'INSERT INTO "{fts}"(rowid, title, body) '
                f'SELECT id, {title}, {body} FROM "{self.table}"'
            )
            for statement in self.sqlite_statements(suffix):
                cursor.execute(statement)


SEARCH_INDEXES = []


def search_index(**definition):
    """Declare a table's full-text index (kept up to date on SQLite by
    :func:`sqlite_search_tables_ensure`)."""
    index = SearchIndex(**definition)
    SEARCH_INDEXES.append(index)
    return index


def sqlite_search_tables_ensure(sender=None, using="default", **kwargs):
    """post_migrate: the FTS5 tables and triggers of every declared index."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = set(connection.introspection.table_names())
    for index in SEARCH_INDEXES:
        if index.table not in existing:
            continue
        with connection.cursor() as cursor:
            columns = {
                column.name
                for column in connection.introspection.get_table_description(
                    cursor, index.table
                )
            }
        # Not while migrations are rolled back past a column of the index.
        if columns.issuperset(index.title + index.body + index.json_lists):
            index.sqlite_ensure(connection)


STUDY_INDEX = search_index(
    table="studies_study",
    title=("title",),
    body=("journal", "abstract"),
    json_lists=("authors",),
)
