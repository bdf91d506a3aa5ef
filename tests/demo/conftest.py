"""A live demo as `make demo` serves it: a fresh SQLite file, `load_demo`, `runserver` on free
ports, local settings, tasks in-process. Module-scoped: a test module shares one demo."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30


@dataclass(frozen=True)
class Demo:
    url: str  # Parley, e.g. http://127.0.0.1:43125
    host_url: str  # where the demo host page would run (load_demo's allowed origin)
    site_key: str  # the key load_demo printed
    env: dict


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    port, host_port = free_port(), free_port()
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{db}",
        # As on a fresh machine: no broker, tasks in-process; no settings from the test run.
        "REDIS_URL": "",
        "DEBUG": "true",
    }
    url, host_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{host_port}"
    manage(env, "migrate", "--noinput", "-v", "0")
    out = manage(env, "load_demo", "--parley-url", url, "--host-url", host_url)
    site_key = re.search(r"Site API key:\s+(\S+)", out)[1]
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "runserver did not start"
            time.sleep(0.1)
        yield Demo(url=url, host_url=host_url, site_key=site_key, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
