"""The shared harness (harness/): one production-like environment for every
tool that runs the app from outside, and databases it may drop."""

import pytest

from harness import NO_RATE_LIMITS, ScratchDatabase, production_env


def test_the_production_environment_leaves_out_what_the_shell_set_for_others(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://elsewhere/atlas")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere/1")
    monkeypatch.setenv("API_THROTTLE_ANON", "1/minute")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    env = production_env(tmp_path, LOG_LEVEL="ERROR")
    for name in (
        "DATABASE_REPLICA_URL",
        "REDIS_URL",
        "API_THROTTLE_ANON",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        assert name not in env
    assert (env["DEBUG"], env["SECURE_SSL_REDIRECT"], env["LOG_LEVEL"]) == (
        "0",
        "0",
        "ERROR",
    )
    assert env["STATIC_ROOT"] == str(tmp_path / "static")
    assert env["MEDIA_ROOT"] == str(tmp_path / "media")
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings"


def test_load_turns_every_rate_limit_and_the_sign_in_lockout_off(tmp_path):
    env = production_env(tmp_path, **NO_RATE_LIMITS)
    assert {env[f"API_THROTTLE_{scope}"] for scope in ("ANON", "USER", "TOKEN")} == {
        "off"
    }
    assert env["AXES_ENABLED"] == "0"


@pytest.mark.parametrize(
    "name", ["evidence_atlas", "postgres", "template1", "Atlas", "a-b", "x; DROP"]
)
def test_a_scratch_database_is_never_one_that_others_use(name):
    with pytest.raises(SystemExit, match="Refusing to drop"):
        ScratchDatabase(name)
