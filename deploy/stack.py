"""Start nginx in front of gunicorn on spare local ports, unprivileged, in a temporary folder.

Used by the load benchmark (bench/load.py) and the proxy's integration test
(tests/integration/test_nginx_proxy.py), so both run the repository's own nginx.conf.template
and gunicorn.conf.py. Not needed in production, where the init system runs both.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from deploy.nginx import NginxSettings, render, user_for_root

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return next((p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name_of(process)} exited at start:\n{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s:\n{tail(log)}")


def wait_for_answer(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name_of(process)} exited at start:\n{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
                sock.sendall(b"GET /__ready HTTP/1.0\r\nHost: localhost\r\n\r\n")
                if sock.recv(16).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer on port {port} after {timeout}s:\n{tail(log)}")


def name_of(process: subprocess.Popen) -> str:
    args = process.args
    first = args[0] if isinstance(args, list | tuple) else args
    return os.fsdecode(first) if isinstance(first, bytes | str | os.PathLike) else str(first)


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a process started in its own session, and its children, by its process group."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
    except ProcessLookupError:
        pass


def collect_static(destination: Path, environment: dict[str, str]) -> None:
    """`manage.py collectstatic` into `destination` instead of the settings' STATIC_ROOT."""
    code = (
        "import sys, django; django.setup()\n"
        "from django.conf import settings\n"
        "settings.STATIC_ROOT = sys.argv[1]\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, str(destination)],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )


class Gunicorn:
    """gunicorn -c deploy/gunicorn.conf.py, on a spare port, in its own process group."""

    def __init__(
        self,
        app: str,
        environment: dict[str, str],
        log: Path,
        *,
        extra_args: Sequence[str] = (),
        port: int | None = None,
    ):
        self.port = port or free_port()
        self.log = log
        self._out = log.open("ab")
        argv = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{self.port}",
            *extra_args,
            app,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            argv,
            cwd=ROOT,
            env=environment,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, log)
        # The port opens before the workers have loaded the app: wait for a first answer.
        wait_for_answer(self.port, self.process, log)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        stop_group(self.process)
        self._out.close()


class Nginx:
    """Debian's nginx as the user running this, with every path under `prefix`."""

    def __init__(self, binary: str, prefix: Path, settings_kw: dict, *, port: int | None = None):
        self.port = port or free_port()
        self.prefix = prefix
        prefix.mkdir(parents=True, exist_ok=True)
        self.settings = NginxSettings(
            listen=f"127.0.0.1:{self.port}",
            prefix=str(prefix),
            user=user_for_root(),
            **settings_kw,
        )
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(render(self.settings))
        self.log = prefix / "error.log"
        base = [binary, "-p", str(prefix), "-e", str(self.log), "-c", str(self.conf)]
        check = subprocess.run(  # noqa: S603 - our own fixed argv
            [*base, "-t", "-q"], capture_output=True, text=True, timeout=30
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the rendered config:\n{check.stderr}")
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            [*base, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        # SIGQUIT: finish what is in flight, then exit.
        stop_group(self.process, signal.SIGQUIT)
