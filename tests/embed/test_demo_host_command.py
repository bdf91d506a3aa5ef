"""`manage.py embed_demo --serve` (started in the background by `make demo`) stops on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from comments.models import Site
call_command("migrate", verbosity=0)
Site.objects.get_or_create(slug="demo", defaults={"name": "Demo"})
call_command("embed_demo", serve="127.0.0.1:%d")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_the_demo_host_stops_on_sigterm(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": "",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT % port],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the demo host did not start"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert not _listening(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
