"""Throwaway PostgreSQL: a database of the machine's server that a tool drops
and creates again (fuzzer, soak, benchmarks), and clusters of their own (a
primary and a streaming standby) for the replica tests, all dropped however
a run ends.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from harness.app import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Never dropped, whatever a command line says: CI's and people's databases.
PROTECTED_DATABASES = {
    "evidence_atlas",
    "atlas_main_local",
    "postgres",
    "template0",
    "template1",
}


class ScratchDatabase:
    """A database on a running server, for one run: dropped and created again."""

    def __init__(self, name, server_url="postgres://postgres@127.0.0.1:5432"):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in PROTECTED_DATABASES:
            raise SystemExit(f"Refusing to drop the database {name!r}.")
        self.server_url = server_url.rstrip("/")
        self.name = name

    @property
    def url(self):
        return f"{self.server_url}/{self.name}"

    def _admin(self):
        connection = psycopg2.connect(f"{self.server_url}/postgres")
        connection.autocommit = True
        return connection

    def _execute(self, *statements, parameters=None):
        # Not "with connection": psycopg2 would open a transaction, in which
        # DROP DATABASE cannot run.
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement, parameters)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def exists(self):
        found = self._execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", parameters=[self.name]
        )
        return found is not None

    def create(self):
        # The run's data is thrown away: commits need not wait for the disk.
        self._execute(
            f'CREATE DATABASE "{self.name}"',
            f'ALTER DATABASE "{self.name}" SET synchronous_commit = off',
        )
        return self

    def recreate(self):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        return self.create()

    def deadlocks(self):
        """PostgreSQL's count of deadlocks detected in this database."""
        row = self._execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
            parameters=[self.name],
        )
        return row[0] if row else 0


def _as_postgres(*command, **kwargs):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, **kwargs)


class PostgresCluster:
    """A PostgreSQL 15 cluster in a folder of its own, on a free loopback port."""

    def __init__(self, folder, name):
        self.data = Path(folder) / name
        self.socket_dir = Path(folder)
        self.log = Path(folder) / f"{name}.log"
        self.port = free_port()

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def configure(self, **settings):
        with (self.data / "postgresql.conf").open("a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")

    def start(self):
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "start",
            stdout=subprocess.DEVNULL,
        )

    def stop(self):
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            "fast",
            "-w",
            "stop",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def running(self):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
        )
        return result.returncode == 0

    def sql(self, statement, database="postgres"):
        result = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-tAc",
                statement,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()


class StreamingReplicaPair:
    """A primary and an asynchronous hot standby made with PostgreSQL's own
    tools (initdb, then ``pg_basebackup -R -X stream --checkpoint=fast``).

    ``delay(seconds)`` makes the standby apply commits that much later
    (``recovery_min_apply_delay``); ``standby.stop()``/``start()`` take it
    away and bring it back. ``drop()`` stops both and removes their folder.
    """

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL 15's binaries are needed in {PG_BIN}")
        self.folder = tempfile.mkdtemp(prefix="atlas-replica-")
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres")
        self.primary = PostgresCluster(self.folder, "primary")
        self.standby = PostgresCluster(self.folder, "standby")

    def create(self):
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.primary.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            stdout=subprocess.DEVNULL,
        )
        self.primary.configure(
            port=self.primary.port,
            listen_addresses="'127.0.0.1'",
            unix_socket_directories=f"'{self.folder}'",
            wal_level="replica",
            max_wal_senders=5,
            fsync="off",
        )
        with (self.primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self.primary.start()
        _as_postgres(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.standby.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
        )
        self.standby.configure(port=self.standby.port, hot_standby="on")
        self.standby.start()
        return self

    def delay(self, seconds):
        self.standby.sql(f"ALTER SYSTEM SET recovery_min_apply_delay = '{seconds}s'")
        self.standby.sql("SELECT pg_reload_conf()")

    def wait_until_replayed(self, timeout=30):
        """Until the standby has replayed everything the primary has written."""
        target = self.primary.sql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.standby.sql(
                f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
            )
            if done == "t":
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not catch up")

    def drop(self):
        for cluster in (self.standby, self.primary):
            if cluster.data.exists() and cluster.running():
                cluster.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        try:
            return self.create()
        except BaseException:
            self.drop()
            raise

    def __exit__(self, *exc):
        self.drop()
