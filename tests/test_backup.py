"""manage.py backup and restore: the whole data set round-trips; bad files are refused.

Transactional tests: pg_dump and pg_restore are other processes, and see only
committed data. The pg format runs when the suite runs on PostgreSQL; the
JSON format on either database.
"""

import datetime
import hashlib
import json
import os
import re
from types import SimpleNamespace

import pytest
from axes.models import (
    AccessAttempt,
    AccessAttemptExpiration,
    AccessFailureLog,
    AccessLog,
)
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from accounts.authentication import ApiTokenAuthentication
from accounts.models import ApiToken, User
from accounts.roles import roles_sync
from backup import postgres, services
from changes.models import PendingChange
from dataversion.models import DataVersion
from evidence.models import (
    Claim,
    ClaimSlugAlias,
    ClaimVersion,
    Direction,
    Evidence,
    EvidenceType,
    Release,
    Revision,
    Status,
)
from evidence.profile import evidence_profile
from evidence.releases import release_make
from evidence.workflow import item_save_or_revise, revision_reject
from feedback.models import ProblemReport
from sitecontent.models import SiteIntro
from studies.models import Study
from tests.factories import (
    ClaimFactory,
    CuratorFactory,
    EditorFactory,
    EvidenceFactory,
    StudyFactory,
    UserFactory,
)

# Committed data, for pg_dump and pg_restore; tests of files that are refused
# before the database is read do without.
WITH_DATA = pytest.mark.django_db(transaction=True)

POSTGRESQL = connection.vendor == "postgresql"
ON_POSTGRESQL = pytest.mark.skipif(
    not POSTGRESQL, reason="a pg_dump backup needs PostgreSQL (CI runs both)"
)
ON_SQLITE = pytest.mark.skipif(
    POSTGRESQL, reason="refusing a PostgreSQL dump is a SQLite case"
)
# (format option, file name)
FORMATS = [
    pytest.param("json", "atlas.json", id="json"),
    pytest.param("json", "atlas.json.gz", id="json-gzip"),
    pytest.param("pg", "atlas.dump", id="pg", marks=ON_POSTGRESQL),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def backup_dir(monkeypatch, tmp_path):
    folder = tmp_path / "backups"
    monkeypatch.setattr(services, "BACKUP_DIR", folder)
    return folder


def build_data_set():
    """Users in both roles with a token and a direct permission, studies, claims
    in every status with links of every type and direction, edits (history,
    a renamed slug, versions), revisions, a release, the admin's log, sign-in
    records and a session. Returns the reader's token key."""
    roles_sync()  # a transactional test starts without the migrations' groups
    editor = EditorFactory(username="editor")
    curator = CuratorFactory(username="curator")
    reader = UserFactory(username="reader")
    reader.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="evidence", codename="view_claim"
        )
    )
    _, key = ApiToken.issue(user=reader, name="notebook")

    claim = ClaimFactory(statement="Small doses lift low mood")
    for etype in EvidenceType.values:
        for direction in Direction.values:
            EvidenceFactory(
                claim=claim,
                evidence_type=etype,
                direction=direction,
                added_by=curator,
                indirectness_reasons=["healthy_volunteers"],
            )
    EvidenceFactory(claim=claim, status=Status.DRAFT, finding="Not yet checked.")
    retracted_study = StudyFactory(
        retracted=True, retraction_date=datetime.date(2024, 5, 1)
    )
    EvidenceFactory(claim=claim, study=retracted_study)
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED):
        EvidenceFactory(claim__status=status, claim__retraction_reason="Flawed.")
    StudyFactory(title="A study no claim cites yet", doi="", year=None)

    # Edits: history rows (one with its author), a new version, an old slug.
    claim._history_user = editor
    claim.description = "Edited by an editor."
    claim.save()
    claim.slug = "small-doses-and-mood"
    claim.save()
    link = claim.evidence.filter(status=Status.PUBLISHED).first()
    link.direction = Direction.CONTRADICTS
    link.save()
    study = link.study
    study.sample_size = 120
    study.save()

    item_save_or_revise(
        instance=claim, changes={"description": "Clearer."}, user=curator
    )
    rejected = item_save_or_revise(
        instance=claim, changes={"statement": "Worse wording"}, user=curator
    ).revision
    revision_reject(revision=rejected, user=editor, comment="Keep the wording.")
    release_make()

    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Claim),
        object_id=str(claim.pk),
        object_repr=str(claim),
        action_flag=CHANGE,
        change_message="[]",
    )
    AccessLog.objects.create(
        username="reader", ip_address="127.0.0.1", user_agent="tests", path_info="/"
    )
    attempt = AccessAttempt.objects.create(
        username="intruder",
        ip_address="10.0.0.1",
        user_agent="tests",
        path_info="/admin/login/",
        failures_since_start=2,
    )
    AccessAttemptExpiration.objects.create(
        access_attempt=attempt, expires_at=attempt.attempt_time
    )
    AccessFailureLog.objects.create(
        username="intruder", ip_address="10.0.0.1", user_agent="tests"
    )
    session = SessionStore()
    session["_auth_user_id"] = str(reader.pk)
    session.create()
    # Site text, related claims and a reader's report.
    SiteIntro.objects.create(subject="A subject", intro="What the site does.")
    claim.related_claims.add(ClaimFactory(statement="A related claim"))
    ProblemReport.objects.create(claim=claim, message="A typo in the finding.")
    # A change committed but not yet in the feed, as a process that died
    # between the two leaves it: a backup keeps it for the feed to take up.
    PendingChange.objects.create(kind="study", object_id=study.pk, action="update")
    return key


def snapshot():
    """Every row of every table a backup holds; content types and permissions
    (whose ids a database chooses) by natural key; many-to-many rows without
    their own ids."""
    content_types = {ct.pk: ct.natural_key() for ct in ContentType.objects.all()}
    permissions = {
        permission.pk: permission.natural_key()
        for permission in Permission.objects.select_related("content_type")
    }
    natural = {ContentType: content_types, Permission: permissions}
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model in (ContentType, Permission, Session, DataVersion):
            continue
        by_natural_key = {
            field.attname: natural[field.related_model]
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model in natural
        }
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for column, names in by_natural_key.items():
                row[column] = names[row[column]]
            if model._meta.auto_created:
                row.pop("id")
            rows.append(row)
        if model._meta.auto_created:
            rows.sort(key=lambda row: sorted(row.items()))
        tables[model._meta.label] = rows
    return tables


def profiles():
    """Each claim's profile, recomputed from its links, and as stored."""
    return {
        claim.slug: (
            evidence_profile(
                Evidence.objects.filter(claim=claim).counted().profile_counts()
            ).as_dict(),
            claim.profile.as_dict(),
            claim.certainty,
            claim.version,
        )
        for claim in Claim.objects.order_by("pk")
    }


def change_everything():
    """Edits, deletions and additions after the backup."""
    claim = Claim.objects.get(slug="small-doses-and-mood")
    claim.evidence.filter(evidence_type=EvidenceType.CONTROLLED).delete()
    claim.statement = "Changed after the backup"
    claim.save()
    Study.objects.filter(evidence__isnull=True).delete()
    ApiToken.objects.all().delete()
    User.objects.get(username="reader").user_permissions.clear()
    Group.objects.get(name="Curators").permissions.clear()
    EvidenceFactory()
    UserFactory(username="newcomer")


def restore(path, *args):
    call_command("restore", str(path), *args, verbosity=0)


def backup(path, *args):
    call_command("backup", str(path), *args, verbosity=0)


@WITH_DATA
@pytest.mark.parametrize(("format", "name"), FORMATS)
def test_a_restore_brings_back_every_row_after_the_data_changed(tmp_path, format, name):
    key = build_data_set()
    before, profiles_before = snapshot(), profiles()
    path = tmp_path / name
    backup(path, "--format", format)
    change_everything()
    assert snapshot() != before

    restore(path, "--yes")

    after = snapshot()
    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    assert after == before
    assert profiles() == profiles_before
    assert all(computed == stored for computed, stored, *_ in profiles().values())
    assert ApiTokenAuthentication().authenticate_credentials(key)[0].username == (
        "reader"
    )
    assert User.objects.get(username="editor").check_password(
        "correct horse battery staple"
    )
    # Sessions: kept in a pg_dump; deleted by a JSON restore (not backed up).
    assert Session.objects.count() == (1 if format == "pg" else 0)
    # New rows get new ids after the restored ones.
    assert ClaimFactory().pk > max(row["id"] for row in before["evidence.Claim"])


@WITH_DATA
def test_the_data_set_covers_every_model_a_backup_holds():
    build_data_set()
    empty = [label for label, rows in snapshot().items() if not rows]
    assert empty == []
    assert {link.evidence_type + link.direction for link in Evidence.objects.all()} >= {
        etype + direction
        for etype in EvidenceType.values
        for direction in Direction.values
    }
    assert ClaimVersion.objects.exists() and ClaimSlugAlias.objects.exists()
    assert Revision.objects.filter(reviewed_by__isnull=False).exists()
    assert Release.objects.exists()


@WITH_DATA
@pytest.mark.parametrize(("format", "name"), FORMATS)
def test_a_backup_restores_into_an_emptied_database_without_asking(
    tmp_path, format, name
):
    build_data_set()
    before, profiles_before = snapshot(), profiles()
    path = tmp_path / name
    backup(path, "--format", format)
    # Content types and permissions come back with new ids.
    call_command("flush", "--noinput", verbosity=0)

    restore(path, "--noinput")

    assert snapshot() == before
    assert profiles() == profiles_before


@WITH_DATA
def test_a_backup_goes_to_a_dated_private_file_in_the_backups_folder(backup_dir):
    build_data_set()
    call_command("backup", verbosity=0)
    (written,) = backup_dir.iterdir()
    extension = "dump" if POSTGRESQL else "json"
    assert re.fullmatch(rf"evidence-atlas-\d{{8}}-\d{{6}}\.{extension}", written.name)
    assert written.stat().st_mode & 0o777 == 0o600
    restore(written, "--yes")


def test_the_backups_folder_is_ignored_by_git():
    root = services.BACKUP_DIR.parent
    assert "/backups/" in (root / ".gitignore").read_text().splitlines()
    assert "backups" in (root / ".dockerignore").read_text().splitlines()


@WITH_DATA
def test_a_json_backup_holds_one_header_a_line_per_row_and_a_checksum(tmp_path):
    build_data_set()
    path = tmp_path / "atlas.json"
    backup(path)  # a .json name asks for JSON on either database
    lines = path.read_bytes().splitlines(keepends=True)
    header, rows, trailer = json.loads(lines[0]), lines[1:-1], json.loads(lines[-1])
    assert header["format"] == "evidence-atlas-backup" and header["version"] == 1
    assert sum(header["models"].values()) == len(rows) == trailer["end"]["rows"]
    assert "contenttypes.contenttype" not in header["models"]
    assert "sessions.session" not in header["models"]
    assert hashlib.sha256(b"".join(lines[:-1])).hexdigest() == trailer["end"]["sha256"]
    editors = next(
        json.loads(line)
        for line in rows
        if b'"auth.group"' in line and b'"Editors"' in line
    )
    assert ["publish_claim", "evidence", "claim"] in editors["fields"]["permissions"]
    token = next(json.loads(line) for line in rows if b'"accounts.apitoken"' in line)
    assert len(token["fields"]["digest"]) == 64


@WITH_DATA
def test_a_non_empty_database_is_replaced_only_when_confirmed(tmp_path, monkeypatch):
    build_data_set()
    path = tmp_path / "atlas.json"
    backup(path)
    change_everything()
    changed = snapshot()

    with pytest.raises(CommandError, match="not empty .* pass --yes"):
        restore(path, "--noinput")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled; nothing was changed"):
        restore(path)
    assert snapshot() == changed

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    restore(path)
    assert snapshot() != changed


def test_restore_without_a_file_names_the_newest_backups(backup_dir):
    backup_dir.mkdir()
    (backup_dir / "evidence-atlas-20250101-000000.json").write_text("{}")
    with pytest.raises(CommandError, match="Name the backup file.*20250101"):
        call_command("restore")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="There is no file .*nowhere.json"):
        restore(tmp_path / "nowhere.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x00\x01 random bytes", "not a backup made by manage.py backup"),
        (
            b"--\n-- PostgreSQL database dump\n",
            "plain SQL dump: restore that with psql",
        ),
        (b'{"format": "evidence-atlas-backup", "version": 9}\n', "format version 9"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused(tmp_path, content, message):
    path = tmp_path / "file.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        restore(path, "--yes")


def damage_a_value(lines):
    index = next(i for i, line in enumerate(lines) if b'"Small doses' in line)
    lines[index] = lines[index].replace(b"Small doses", b"Large doses")
    return lines


def sign(lines):
    """Lines with a new, matching last line: a file edited on purpose."""
    body = lines[:-1]
    end = {"rows": len(body) - 1, "sha256": hashlib.sha256(b"".join(body)).hexdigest()}
    return [*body, json.dumps({"end": end}).encode() + b"\n"]


def orphan_a_link(lines):
    index = next(
        i for i, line in enumerate(lines) if b'"model": "evidence.evidence"' in line
    )
    row = json.loads(lines[index])
    row["fields"]["study"] = 999_999
    lines[index] = json.dumps(row).encode() + b"\n"
    return sign(lines)


@WITH_DATA
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (damage_a_value, "does not match its checksum"),
        (lambda lines: lines[: len(lines) // 2], "ends before its last line"),
        (lambda lines: [*lines[:5], b"{not json\n", *lines[5:]], "not JSON"),
        (lambda lines: sign(lines[:3] + lines[4:]), "header announces"),
        (orphan_a_link, "do not fit together"),
    ],
    ids=["edited", "cut-short", "not-json", "row-missing", "dangling-reference"],
)
def test_a_damaged_json_backup_is_refused_and_changes_nothing(
    tmp_path, damage, message
):
    build_data_set()
    path = tmp_path / "atlas.json"
    backup(path)
    path.write_bytes(b"".join(damage(path.read_bytes().splitlines(keepends=True))))
    change_everything()
    changed = snapshot()

    with pytest.raises(CommandError, match=message):
        restore(path, "--yes")

    assert snapshot() == changed


@WITH_DATA
def test_a_cut_short_compressed_backup_is_refused(tmp_path):
    build_data_set()
    path = tmp_path / "atlas.json.gz"
    backup(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match="damaged or incomplete"):
        restore(path, "--yes")
    assert Claim.objects.filter(slug="small-doses-and-mood").exists()


def edit_header(path, edit):
    lines = path.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    edit(header)
    path.write_bytes(json.dumps(header).encode() + b"\n" + b"".join(lines[1:]))


@WITH_DATA
def test_a_backup_from_other_migrations_is_refused_with_the_commands_to_run(
    tmp_path,
):
    build_data_set()
    older, newer = tmp_path / "older.json", tmp_path / "newer.json"
    backup(older)
    newer.write_bytes(older.read_bytes())
    edit_header(older, lambda header: header["migrations"].pop())
    edit_header(
        newer, lambda header: header["migrations"].append(["evidence", "0099_future"])
    )

    with pytest.raises(
        CommandError,
        match=r"migrations the backup lacks .*migrate \w+ \d{4}_\w+",
    ):
        restore(older, "--yes")
    with pytest.raises(CommandError, match=r"evidence\.0099_future.*upgrade"):
        restore(newer, "--yes")
    assert Claim.objects.filter(slug="small-doses-and-mood").exists()


@WITH_DATA
def test_restore_into_a_database_without_tables_says_to_migrate(tmp_path, monkeypatch):
    build_data_set()
    path = tmp_path / "atlas.json"
    backup(path)
    monkeypatch.setattr(services, "applied_migrations", lambda connection: None)
    with pytest.raises(
        CommandError, match="no tables yet: run python manage.py migrate"
    ):
        restore(path, "--yes")


def test_backup_refuses_to_overwrite_a_file_or_write_into_a_missing_folder(tmp_path):
    existing = tmp_path / "existing.json"
    existing.write_text("an earlier backup")
    with pytest.raises(CommandError, match="already exists"):
        backup(existing)
    assert existing.read_text() == "an earlier backup"
    with pytest.raises(CommandError, match="There is no folder"):
        backup(tmp_path / "missing" / "atlas.json")


@ON_SQLITE
def test_a_postgresql_dump_is_refused_on_sqlite_with_what_to_do(tmp_path):
    path = tmp_path / "atlas.dump"
    path.write_bytes(b"PGDMP\x01\x0e\x00" + os.urandom(64))
    with pytest.raises(CommandError, match="PostgreSQL dump.*backup --format json"):
        restore(path, "--yes")
    with pytest.raises(CommandError, match="pg format is a PostgreSQL dump"):
        backup(tmp_path / "atlas.dump", "--format", "pg")


@ON_POSTGRESQL
def test_without_pg_dump_the_backup_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found.*--format json"):
        backup(tmp_path / "atlas.dump")
    assert not list(tmp_path.iterdir())


@WITH_DATA
@ON_POSTGRESQL
def test_a_damaged_postgresql_dump_is_refused_and_changes_nothing(tmp_path):
    build_data_set()
    path = tmp_path / "atlas.dump"
    backup(path)
    data = path.read_bytes()
    change_everything()
    changed = snapshot()

    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(CommandError, match="pg_restore|damaged"):
        restore(path, "--yes")
    path.write_bytes(b"PGDMP" + os.urandom(200))
    with pytest.raises(CommandError, match="damaged or incomplete"):
        restore(path, "--yes")

    assert snapshot() == changed


def test_pg_tools_get_the_password_from_the_environment_not_the_command_line(
    monkeypatch,
):
    started = []

    class FakePopen:
        def __init__(self, command, *, env, **kwargs):
            started.append((command, env))
            self.stderr = iter(['pg_dump: dumping contents of table "public.a"\n'])

        def wait(self):
            return 0

    monkeypatch.setattr(postgres.subprocess, "Popen", FakePopen)
    database = SimpleNamespace(
        settings_dict={
            "NAME": "atlas",
            "HOST": "db.example.org",
            "PORT": 5433,
            "USER": "atlas",
            "PASSWORD": "s3cret",
            "OPTIONS": {"sslmode": "require"},
        }
    )
    progress = []
    postgres.pg_run(
        ["pg_dump", "--format=custom"],
        database,
        progress_pattern=re.compile("dumping contents"),
        total=1,
        progress=lambda done, total: progress.append((done, total)),
    )
    ((command, environment),) = started
    assert not any("s3cret" in argument for argument in command)
    assert environment["PGPASSWORD"] == "s3cret"
    assert (environment["PGHOST"], environment["PGPORT"]) == ("db.example.org", "5433")
    assert (environment["PGDATABASE"], environment["PGSSLMODE"]) == ("atlas", "require")
    assert progress == [(1, 1)]


def test_an_unreachable_database_is_reported_with_what_to_check(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db" failed')

    monkeypatch.setattr("backup.management.commands.backup.backup_make", refuse)
    with pytest.raises(CommandError, match="(?s)cannot be reached.*Check DATABASE_URL"):
        backup(tmp_path / "atlas.json")
