"""An import killed half-way stores nothing; a finished one stores everything.

``manage.py import_citations`` runs as a real process against the test
database and is killed with SIGKILL once it has written a first batch inside
its transaction. On PostgreSQL the process uses the test database itself; on
SQLite, whose test database lives in this process's memory, it uses a copy in
a file, which holds the data of the test just as well.
"""

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import StudyFactory

ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "atlas-import-kill-test"

# Committed data, visible to another process.
pytestmark = pytest.mark.django_db(transaction=True)


def ris_file(path, number):
    """``number`` RIS records; the first matches the stored study of the test."""
    records = []
    for index in range(number):
        records.append(
            "\n".join(
                [
                    "TY  - JOUR",
                    f"TI  - Imported study {index} of the kill test",
                    "AU  - Ly, Calvin",
                    "AU  - Greb, Alexandra C.",
                    f"PY  - {1990 + index % 30}",
                    "JO  - Journal of Interrupted Imports",
                    f"DO  - 10.5555/kill.{index}",
                    "AB  - Whether the import is stored all at once or not at all.",
                    "ER  - ",
                ]
            )
        )
    path.write_text("\n\n".join(records) + "\n", encoding="utf-8")
    return path


class Database:
    """The database the import process uses, as seen from this test."""

    def __init__(self, tmp_path):
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            settings = connection.settings_dict
            credentials = settings["USER"]
            if settings["PASSWORD"]:
                credentials += f":{settings['PASSWORD']}"
            self.url = (
                f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )
        elif self.vendor == "sqlite":
            self.file = tmp_path / "copy.sqlite3"
            target = sqlite3.connect(self.file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            pytest.skip(f"no way to share a {self.vendor} test database")

    def env(self):
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URL")
        }
        return {
            **env,
            "DATABASE_URL": self.url,
            "PGAPPNAME": APP_NAME,
            "PYTHONUNBUFFERED": "1",
        }

    def value(self, sql, params=()):
        """The single value ``sql`` (with ``%s`` placeholders) selects."""
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()[0]
        # Opening the file rolls back what a killed writer left in its
        # journal, as the app's next connection would.
        with closing(sqlite3.connect(self.file)) as reader:
            return reader.execute(sql.replace("%s", "?"), params).fetchone()[0]

    def counts(self):
        return {
            table: self.value(f"SELECT count(*) FROM {table}")
            for table in ("studies_study", "studies_historicalstudy")
        }

    def journal_of(self, study):
        return self.value("SELECT journal FROM studies_study WHERE id = %s", [study.pk])

    def import_is_writing(self):
        """True while the import holds a transaction that has written rows."""
        if self.vendor == "postgresql":
            writers = self.value(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                "AND xact_start IS NOT NULL AND backend_xid IS NOT NULL",
                [APP_NAME],
            )
            return writers == 1
        # The app opens SQLite in WAL mode with IMMEDIATE transactions: a
        # writer holds the write lock until it commits or rolls back, so
        # another connection cannot take it meanwhile.
        with closing(sqlite3.connect(self.file, timeout=0)) as probe:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            probe.rollback()
            return False

    def wait_for_rollback(self, timeout=10):
        """Wait until the server has ended the killed import's transaction."""
        if self.vendor != "postgresql":
            return
        deadline = time.monotonic() + timeout
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        while time.monotonic() < deadline:
            if self.value(query, [APP_NAME]) == 0:
                return
            time.sleep(0.05)
        raise AssertionError("the killed import's connection is still open")


def command(path):
    return [sys.executable, "manage.py", "import_citations", str(path), "-v", "1"]


def start_import(database, path):
    """The import process, and a queue of its stderr lines (None at the end)."""
    process = subprocess.Popen(
        command(path),
        cwd=ROOT,
        env=database.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = queue.Queue()

    def pump():
        for line in process.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return process, lines


def first_progress_line(lines, timeout):
    """The lines up to the first progress report, which follows the first batch."""
    deadline = time.monotonic() + timeout
    output = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=deadline - time.monotonic())
        except queue.Empty:
            break
        if line is None:
            break
        output.append(line)
        if "% read" in line:
            break
    return output


@pytest.fixture
def stored_study():
    """A study the import's first record matches: the import would fill its journal."""
    return StudyFactory(
        title="Imported study 0 of the kill test",
        doi="10.5555/kill.0",
        journal="",
        year=1990,
    )


def test_an_import_killed_half_way_leaves_the_database_as_it_was(
    tmp_path, stored_study
):
    StudyFactory.create_batch(2)
    database = Database(tmp_path)
    before = database.counts()
    entries = 30_000
    path = ris_file(tmp_path / "large.ris", entries)

    process, lines = start_import(database, path)
    try:
        output = first_progress_line(lines, timeout=30)
        assert output and "% read" in output[-1], output
        assert "100% read" not in output[-1]
        assert process.poll() is None, "the import ended before it could be killed"
        assert database.import_is_writing(), (
            "after its first batch the import holds no open write transaction: "
            "it does not import the file in one"
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL

    database.wait_for_rollback()
    after = database.counts()
    # All or none, and since it was killed half-way: none.
    assert after["studies_study"] in (
        before["studies_study"],
        before["studies_study"] + entries - 1,
    )
    assert after == before
    assert database.journal_of(stored_study) == ""


def test_a_finished_import_stores_every_record(tmp_path, stored_study):
    database = Database(tmp_path)
    before = database.counts()
    entries = 2_100  # three batches
    path = ris_file(tmp_path / "refs.ris", entries)

    finished = subprocess.run(
        command(path),
        cwd=ROOT,
        env=database.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr

    assert f"{entries - 1} created, 1 updated" in finished.stdout
    after = database.counts()
    assert after["studies_study"] == before["studies_study"] + entries - 1
    assert (
        after["studies_historicalstudy"] == before["studies_historicalstudy"] + entries
    )
    assert database.journal_of(stored_study) == "Journal of Interrupted Imports"
