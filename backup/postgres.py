"""The PostgreSQL backup: pg_dump's custom format, restored by pg_restore in
one transaction, with the connection settings passed in libpq's variables."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .contents import BackupError, BackupFile, RestoreResult

PG_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def pg_environment(settings_dict):
    """The environment for pg_dump and pg_restore: the connection settings of
    ``settings_dict`` as libpq variables, so that the password is never on a
    command line where other users of the machine could see it."""
    environment = dict(os.environ)
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in PG_OPTION_VARIABLES.items():
        values[variable] = options.get(option)
    environment.update({name: str(value) for name, value in values.items() if value})
    return environment


def pg_tool(name):
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} was not found on the PATH. Install the PostgreSQL client tools "
            "of the server's major version or newer (on Debian or Ubuntu: apt-get "
            "install postgresql-client), or use a portable JSON backup instead "
            "(backup --format json)."
        )
    return tool


def pg_run(command, connection, *, progress_pattern, total, progress):
    """Run a PostgreSQL tool with --verbose, counting the tables it reports
    through ``progress``; returns its stderr lines, raises BackupError if it fails."""
    process = subprocess.Popen(
        command,
        env=pg_environment(connection.settings_dict),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines, done = [], 0
    for line in process.stderr:
        lines.append(line.rstrip())
        if progress_pattern.search(line):
            done += 1
            if progress:
                progress(done, max(total, done))
    if process.wait() != 0:
        raise BackupError(_tool_failure(Path(command[0]).name, lines))
    return lines


def _tool_failure(tool, lines):
    problems = [
        line
        for line in lines
        if re.search(r"error|fatal|detail|hint|could not|failed", line, re.I)
    ] or lines[-5:]
    outcome = "nothing was changed" if tool == "pg_restore" else "no backup was written"
    message = f"{tool} failed, and {outcome}:\n  " + "\n  ".join(problems)
    if any("version mismatch" in line for line in problems):
        message += (
            "\nInstall the PostgreSQL client tools of the server's major version."
        )
    if any("input file" in line for line in problems):
        message += "\nThe file is damaged or incomplete: restore another backup."
    return message


def pg_dump(partial, connection, progress):
    tool = pg_tool("pg_dump")
    total = len(connection.introspection.table_names())
    pg_run(
        [
            tool,
            "--format=custom",
            "--verbose",
            "--no-password",
            f"--file={partial}",
        ],
        connection,
        progress_pattern=re.compile(r"dumping contents of table"),
        total=total,
        progress=progress,
    )
    return BackupFile(
        path=partial, format="pg", created=timezone.now().isoformat(), tables=[]
    )


def pg_list(path):
    """The table entries of a custom-format dump's table of contents."""
    tool = pg_tool("pg_restore")
    result = subprocess.run(
        [tool, "--list", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{path} cannot be read as a PostgreSQL dump ({result.stderr.strip()}): "
            "it is damaged or incomplete. Restore another backup."
        )
    tables, data = [], 0
    for line in result.stdout.splitlines():
        if line.startswith(";"):
            continue
        if match := re.match(r"\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)", line):
            tables.append(match.group(2))
        if " TABLE DATA " in line:
            data += 1
    return tables, data


def pg_restore(backup, connection, progress):
    total = backup.data_entries
    command = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        "--no-password",
        f"--dbname={connection.settings_dict['NAME']}",
        str(backup.path),
    ]
    pg_run(
        command,
        connection,
        progress_pattern=re.compile(r"processing data for table"),
        total=total,
        progress=progress,
    )
    result = RestoreResult(tables=len(backup.tables))
    leftover = sorted(set(connection.introspection.table_names()) - set(backup.tables))
    if leftover:
        result.warnings.append(
            "These tables were not in the backup and were left as they are: "
            + ", ".join(leftover)
            + ". For an exact copy, restore into a new, empty database."
        )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        result.warnings.append(
            "The backup was made before some of this version's migrations: "
            "run python manage.py migrate."
        )
    return result
