"""Full-text search of studies on PostgreSQL: a stored tsvector over title,
journal, abstract and authors, with a GIN index (StudyQuerySet.search).

Not a model field: SQLite has no tsvector, and searches there fall back to
icontains. The 'simple' configuration (no stemming, no stop words) with
prefix matching stays close to the substring search it replaces.
"""

from django.db import migrations

SEARCH_VECTOR_SQL = """
ALTER TABLE studies_study ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector(
        'simple'::regconfig,
        coalesce(title, '') || ' ' || coalesce(journal, '') || ' ' || coalesce(abstract, '')
    )
    || jsonb_to_tsvector('simple'::regconfig, coalesce(authors, '[]'::jsonb), '["string"]')
) STORED;
CREATE INDEX study_search_vector_idx ON studies_study USING gin (search_vector);
"""
DROP_SQL = """
DROP INDEX IF EXISTS study_search_vector_idx;
ALTER TABLE studies_study DROP COLUMN IF EXISTS search_vector;
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
        ("studies", "0003_provenance_and_retraction"),
    ]

    operations = [
        PostgreSQLOnly(SEARCH_VECTOR_SQL, DROP_SQL),
    ]
