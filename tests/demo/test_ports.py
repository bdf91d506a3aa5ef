"""`make demo`'s port check: one line naming the taken port, nothing when both are free."""

import socket
import subprocess
import sys

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
