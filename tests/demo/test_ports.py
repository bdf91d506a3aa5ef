"""`make demo`'s port check: one line naming the taken port, nothing when both are free."""

import shutil
import socket
import subprocess
import sys

import pytest

from demo.ports import clash

from .conftest import ROOT, free_port


def test_free_ports_print_nothing():
    assert clash("127.0.0.1", [free_port(), free_port()]) == ""


def test_a_taken_port_is_one_line_naming_it_and_how_to_choose_others():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "demo.ports", "127.0.0.1", str(free_port()), str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in lines[0]
    assert "make demo PORT=" in lines[0]


@pytest.mark.skipif(
    not (shutil.which("make") and (ROOT / ".venv" / "bin" / "python").exists()),
    reason="needs make and the project's .venv",
)
def test_make_demo_on_a_taken_port_says_so_in_one_line_and_starts_nothing():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # -o: the virtualenv counts as installed (no pip run from a test).
        done = subprocess.run(  # noqa: S603
            [  # noqa: S607 - make from PATH, as a reader runs it
                "make",
                "-s",
                "-o",
                ".venv/.installed",
                "demo",
                f"PORT={port}",
                f"HOST_PORT={free_port()}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode != 0
    output = (done.stdout + done.stderr).strip().splitlines()
    assert len(output) == 1, output
    assert f"Port {port} on 127.0.0.1 is already in use" in output[0]
    assert "Traceback" not in output[0]
