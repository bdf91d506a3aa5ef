"""Settings: production refuses to start without what it needs, and the documented variables,
`.env.example` and what the settings modules read stay the same set."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# Set by the test suite and its fixtures only; docs/operating.md names them apart.
TEST_ONLY = {"PARLEY_TASKS_EAGER", "PARLEY_TEST_EMAIL_BACKEND", "EMAIL_FILE_PATH"}
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-long-random-production-key",
    "ALLOWED_HOSTS": "comments.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def start(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter, as a web process would at start."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def documented() -> set[str]:
    text = (ROOT / "docs" / "operating.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, re.MULTILINE))


def in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        names |= set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    return names


def test_production_starts_with_its_secrets_and_broker():
    result = start(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL"])
def test_production_refuses_to_start_without(missing):
    result = start({k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode == 1
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_empty_variable_counts_as_unset():
    result = start({**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode == 1
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_runs_tasks_in_process_only_when_asked():
    without_redis = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    result = start({**without_redis, "PARLEY_IN_PROCESS_TASKS": "true"})
    assert result.returncode == 0, result.stderr


def test_a_misspelt_boolean_stops_the_start():
    result = start({**PRODUCTION, "SECURE_SSL_REDIRECT": "ture"})
    assert result.returncode == 1
    assert "Expected a boolean (true/false), got 'ture'" in result.stderr


def test_env_example_lists_every_documented_variable():
    assert documented() - in_env_example() == set()
    assert in_env_example() - documented() == set()


def test_every_variable_the_settings_read_is_documented():
    assert read_by_settings() - TEST_ONLY - documented() == set()
    assert documented() - read_by_settings() - {"DJANGO_SETTINGS_MODULE"} == set()


def test_production_answers_probes_over_plain_http_and_redirects_the_rest():
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='comments.example.com')\n"
        "print(c.get('/healthz').status_code, c.get('/api/v1/').status_code)\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DATABASE_URL"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]


def test_prometheus_multiprocess_dir_must_exist(tmp_path):
    result = start({**PRODUCTION, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")})
    assert result.returncode == 1
    assert "PROMETHEUS_MULTIPROC_DIR" in result.stderr

    assert start({**PRODUCTION, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}).returncode == 0
