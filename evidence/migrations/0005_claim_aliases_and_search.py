"""Claim aliases (other names readers search for) and full-text search of
claims (evidence/search.py, studies/search.py).

PostgreSQL: a stored ``search_vector`` over the statement and aliases
(weight A) and the description (B), in the ``atlas_english`` configuration
of studies.0005, with a GIN index. SQLite: nothing here, its FTS5 table is
made after every migration (``sqlite_search_tables_ensure``).
"""

from django.db import migrations, models

CLAIM_VECTOR_SQL = """
ALTER TABLE evidence_claim ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('atlas_english'::regconfig, regexp_replace(
        normalize(coalesce(statement, '') || ' ' || coalesce(aliases, ''), NFKC),
        '[^[:alnum:]]+', ' ', 'g'
    )), 'A')
    || setweight(to_tsvector('atlas_english'::regconfig, regexp_replace(
        normalize(coalesce(description, ''), NFKC), '[^[:alnum:]]+', ' ', 'g'
    )), 'B')
) STORED;
CREATE INDEX claim_search_vector_idx ON evidence_claim USING gin (search_vector);
"""
DROP_CLAIM_VECTOR_SQL = """
DROP INDEX IF EXISTS claim_search_vector_idx;
ALTER TABLE evidence_claim DROP COLUMN IF EXISTS search_vector;
"""


def drop_sqlite_search_table(apps, schema_editor):
    """Before the aliases column goes: SQLite refuses to drop a column that
    the search triggers read (post_migrate makes them again as defined)."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'evidence_claim' AND name LIKE 'evidence_claim_search_%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute('DROP TABLE IF EXISTS "evidence_claim_search"')


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
        ('evidence', '0004_evidence_newest_first_indexes'),
        ('studies', '0005_search_english_stemmed'),
    ]

    operations = [
        migrations.AddField(
            model_name='claim',
            name='aliases',
            field=models.TextField(blank=True, help_text='Other names readers search for, one per line: abbreviations (DMN), other spellings (5HT2A), plain words (serotonin 2A). Searched like the statement, not shown on the page.'),
        ),
        migrations.AddField(
            model_name='historicalclaim',
            name='aliases',
            field=models.TextField(blank=True, help_text='Other names readers search for, one per line: abbreviations (DMN), other spellings (5HT2A), plain words (serotonin 2A). Searched like the statement, not shown on the page.'),
        ),
        PostgreSQLOnly(CLAIM_VECTOR_SQL, DROP_CLAIM_VECTOR_SQL),
        migrations.RunPython(migrations.RunPython.noop, drop_sqlite_search_table),
    ]
