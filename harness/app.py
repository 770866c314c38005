"""The app's processes: its environment, ``manage.py`` and gunicorn."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

# Variables of the calling shell that would change what is being run: a test
# run's own settings, a replica or shared cache meant for another server,
# limits set for someone's local work.
INHERITED_NOT = ("DATABASE_REPLICA_URL", "REDIS_URL", "CACHE_KEY_PREFIX")
INHERITED_NOT_PREFIXES = ("DJANGO_", "API_THROTTLE", "AXES_")

# For load from one address (fuzzer, soak, benchmarks, concurrency tests):
# hundreds of requests a second, many to the token endpoint with made-up
# passwords. Rate limits and sign-in lockouts would answer most of them 429,
# and the run would test the throttle (tested on its own in tests/) instead
# of what the app does with its inputs.
NO_RATE_LIMITS = {
    "API_THROTTLE_ANON": "off",
    "API_THROTTLE_USER": "off",
    "API_THROTTLE_TOKEN": "off",
    "AXES_ENABLED": "0",
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _inherited():
    return {
        key: value
        for key, value in os.environ.items()
        if key not in INHERITED_NOT and not key.startswith(INHERITED_NOT_PREFIXES)
    }


def production_env(folder, **overrides):
    """The environment of a production process, its files in ``folder``:
    DEBUG off, a throwaway secret, loopback hosts, and plain HTTP (no HTTPS
    redirect, no secure-only cookies: TLS is in front of gunicorn in
    production, and nothing here speaks it). ``overrides`` last."""
    folder = Path(folder)
    env = _inherited()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            # collectstatic's manifest (DEBUG off serves hashed static files)
            # and anything written to storage (release files).
            "STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def local_env(**overrides):
    """The environment of ``make run``: DEBUG on, no static files to collect."""
    env = _inherited()
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"})
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(env, *arguments, capture=False, timeout=None, root=ROOT):
    """``manage.py ARGUMENTS`` in a subprocess with ``env``, in the checkout
    at ``root``; its standard output if asked (and then not shown)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=root,
        env=env,
        check=True,
        # Errors go where the caller's go, also when the output is captured.
        stdout=subprocess.PIPE if capture else None,
        text=True,
        timeout=timeout,
    )
    return result.stdout if capture else None


# Lines of a server log that report an error: Django's (a traceback cut short
# in a streamed CSV never reaches the client as a 500) and gunicorn's (a
# worker killed on timeout, or exiting while it should serve).
# Case matters: a fuzzed URL in a warning line may hold "error" in any case.
LOGGED_ERROR = re.compile(
    r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT|Internal Server Error"
    r"|[Dd]eadlock|SIGKILL|Worker exiting"
)


class Gunicorn:
    """The app under gunicorn on a free loopback port, ready when started:
    ready means /healthz answered 200 (every database answers)."""

    def __init__(
        self,
        env,
        *,
        workers=None,
        threads=None,
        log_path=None,
        app="config.wsgi:application",
        root=ROOT,
    ):
        """``workers`` and ``threads`` as given, or as gunicorn.conf.py sets
        them (production's) when not; output to ``log_path``, or nowhere."""
        self.env = env
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.app = app
        self.root = root  # the checkout served (bench/run.py --before: another)
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        command = [sys.executable, "-m", "gunicorn", self.app]
        command += ["--bind", f"127.0.0.1:{self.port}"]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        if self.threads is not None:
            command += ["--threads", str(self.threads)]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                command, cwd=self.root, env=self.env, stdout=log, stderr=log
            )
        finally:
            if self.log_path:
                log.close()  # the child holds its own descriptor
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, timeout):
        # The first request waits for a worker to boot: seconds on a busy machine.
        deadline = time.monotonic() + timeout
        answer = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}"
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            try:
                status = requests.get(f"{self.url}/healthz", timeout=5).status_code
                if status == 200:
                    return
                answer = f"/healthz answered {status}"
            except requests.RequestException:  # not listening yet, or busy
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn was not ready within {timeout} s ({answer})")

    def logged_errors(self):
        """The lines of the server's log that report an error (read it before
        ``stop``: workers log their exit when told to stop)."""
        if not self.log_path or not Path(self.log_path).exists():
            return []
        lines = Path(self.log_path).read_text(errors="replace").splitlines()
        return [line for line in lines if LOGGED_ERROR.search(line)]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
