"""Real PostgreSQL, real Redis, real Celery worker processes started here.

Skipped (with the reason) when REDIS_URL is unset or the database is not PostgreSQL: a worker
process cannot share the SQLite test database. In CI's PostgreSQL run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/pytest tests/integration
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def pytest_collection_modifyitems(config, items):
    reason = None
    if not os.environ.get("REDIS_URL"):
        reason = "integration tests need REDIS_URL (a real Redis) and PostgreSQL"
    elif settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        reason = "integration tests need DATABASE_URL pointing at PostgreSQL (workers share it)"
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def use_broker(url: str) -> None:
    """Point this process's Celery client at a real broker (tasks are eager in unit tests)."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_for(predicate: Callable[[], object], timeout: float = 20, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


class Worker:
    def __init__(self, broker: str, log: Path, mail_dir: Path, **env: str):
        self.log = log
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": broker,
            "PARLEY_TEST_CACHE_URL": settings.CACHES["default"]["LOCATION"],
            "PARLEY_TASKS_EAGER": "false",
            "PARLEY_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            **env,
        }
        self._out = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "-P",
                "solo",
                "-c",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
                "-n",
                f"test-{free_port()}@%h",
            ],
            cwd=ROOT,
            env=environment,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b" ready." in log.read_bytes() or self.process.poll() is not None)
        if self.process.poll() is not None:
            raise AssertionError("the worker did not start:\n" + log.read_text()[-3000:])

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


def own_redis_db() -> str:
    """This test process's own Redis database (config/settings/test.py): the broker of its
    workers and the nginx stack's Redis. Another xdist process's FLUSHDB never reaches it."""
    return settings.PARLEY_TEST_REDIS_URL


@pytest.fixture
def shared_broker() -> Iterator[str]:
    url = own_redis_db()
    redis.Redis.from_url(url).flushdb()
    use_broker(url)
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def start_worker(transactional_db, tmp_path, mail_dir) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(broker: str, **env: str) -> Worker:
        worker = Worker(broker, tmp_path / f"worker{len(workers)}.log", mail_dir, **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


class RedisServer:
    """A throwaway redis-server on a spare port, so stopping it disturbs nobody."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.tmp = tmp
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._up)

    def _up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
    use_broker(own_redis_db())


class ScorerServer:
    """A site's own HTTP classifier on a local port; `delay` seconds before answering."""

    def __init__(self):
        self.calls: list[dict] = []
        self.delay = 0.0
        self.seen = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append(json.loads(body))
                outer.seen.set()
                if outer.delay:
                    time.sleep(outer.delay)
                answer = json.dumps({"scores": {"toxic": 0.01}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/score"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scorer_server() -> Iterator[ScorerServer]:
    server = ScorerServer()
    yield server
    server.close()


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)
