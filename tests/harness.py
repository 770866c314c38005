"""Production-like pieces for tests that need real processes: free loopback
ports, the app under gunicorn with DEBUG off, and PostgreSQL clusters of
their own (a primary and a streaming standby), all dropped however a test ends.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *arguments, capture=False, timeout=None):
    """``manage.py ARGUMENTS`` in a subprocess with ``env``; its output if asked."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
        timeout=timeout,
    )
    return result.stdout if capture else None


def production_env(static_root, **overrides):
    """The environment of a production process: DEBUG off, a throwaway
    secret, loopback hosts, no HTTPS redirect (the tests speak plain HTTP)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URL", "REDIS_URL")
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": str(static_root),
            "LOG_LEVEL": "ERROR",
        }
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Gunicorn:
    """The app under gunicorn on a free loopback port, ready when started."""

    def __init__(self, env, *, workers=None, threads=None, log_path=None):
        """``workers`` and ``threads`` as given, or as gunicorn.conf.py sets
        them (production's) when not."""
        self.env = env
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{self.port}",
        ]
        if self.workers is not None:
            command += ["-w", str(self.workers)]
        if self.threads is not None:
            command += ["--threads", str(self.threads)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                requests.get(f"{self.url}/healthz", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


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
