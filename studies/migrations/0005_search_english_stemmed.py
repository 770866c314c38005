"""Full-text search with stemming and without accents (studies/search.py).

PostgreSQL: the unaccent extension and an ``atlas_english`` text search
configuration (unaccent, then the English Snowball stemmer), and the stored
``search_vector`` of studies rebuilt with it: the title weighted A; journal,
abstract and authors B. The text is NFKC-normalised and split at anything
but letters and digits first, as studies/search.py does for SQLite, so
that both databases see the same words.

SQLite needs nothing here: its FTS5 tables and triggers are made after
every migration (``sqlite_search_tables_ensure``), as its schema editor
drops a table's triggers whenever it rebuilds the table.
"""

from django.db import migrations


CONFIGURATION_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION atlas_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION atlas_english
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, english_stem;
ALTER TEXT SEARCH CONFIGURATION atlas_english
    ALTER MAPPING FOR numword, numhword, hword_numpart WITH unaccent, simple;
"""
DROP_CONFIGURATION_SQL = "DROP TEXT SEARCH CONFIGURATION IF EXISTS atlas_english;"

STUDY_VECTOR_SQL = """
DROP INDEX IF EXISTS study_search_vector_idx;
ALTER TABLE studies_study DROP COLUMN IF EXISTS search_vector;
ALTER TABLE studies_study ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('atlas_english'::regconfig, regexp_replace(
        normalize(coalesce(title, ''), NFKC), '[^[:alnum:]]+', ' ', 'g'
    )), 'A')
    || setweight(to_tsvector('atlas_english'::regconfig, regexp_replace(
        normalize(
            coalesce(journal, '') || ' ' || coalesce(abstract, '') || ' '
            || coalesce(authors::text, ''),
            NFKC
        ),
        '[^[:alnum:]]+', ' ', 'g'
    )), 'B')
) STORED;
CREATE INDEX study_search_vector_idx ON studies_study USING gin (search_vector);
"""
# Back to migration 0004's column.
PREVIOUS_VECTOR_SQL = """
DROP INDEX IF EXISTS study_search_vector_idx;
ALTER TABLE studies_study DROP COLUMN IF EXISTS search_vector;
ALTER TABLE studies_study ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector(
        'simple'::regconfig,
        coalesce(title, '') || ' ' || coalesce(journal, '') || ' ' || coalesce(abstract, '')
    )
    || jsonb_to_tsvector('simple'::regconfig, coalesce(authors, '[]'::jsonb), '["string"]')
) STORED;
CREATE INDEX study_search_vector_idx ON studies_study USING gin (search_vector);
"""


class PostgreSQLOnly(migrations.RunSQL):
    """SQL that runs on PostgreSQL and is skipped on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0004_study_search_vector"),
    ]

    operations = [
        PostgreSQLOnly(CONFIGURATION_SQL, DROP_CONFIGURATION_SQL),
        PostgreSQLOnly(STUDY_VECTOR_SQL, PREVIOUS_VECTOR_SQL),
    ]
