"""A web or Celery worker settles before it serves (config/warmup.py): the URL conf and the
classifier are loaded, and the garbage collector's full collections skip them. Each check runs
in a fresh interpreter, as a worker is one: freezing is for the whole process."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

REPORT = """
import gc, time
from policy.engine.classifier import model
tracked = len(gc.get_objects())
started = time.perf_counter()
gc.collect()
print(model._loaded is not None, gc.get_freeze_count(), tracked, time.perf_counter() - started)
"""


def _run(code: str) -> tuple[bool, int, int, float]:
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code + REPORT],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()[-4:]
    return out[0] == "True", int(out[1]), int(out[2]), float(out[3])


SETUP = "import django; django.setup()\n"


def test_settle_loads_the_classifier_and_freezes_what_is_loaded():
    loaded, frozen, tracked, _ = _run(SETUP + "from config.warmup import settle; settle()\n")
    assert loaded
    assert frozen > 50_000  # Django, the apps, the views and the classifier
    assert tracked < frozen  # what a full collection still walks: only what came after


def test_gunicorns_post_worker_init_settles_the_worker():
    loaded, frozen, _, _ = _run(
        SETUP
        + "import runpy\n"
        + "conf = runpy.run_path('deploy/gunicorn.conf.py')\n"
        + "conf['post_worker_init'](None)\n"
    )
    assert loaded and frozen > 50_000


def test_celerys_worker_signals_settle_the_worker():
    loaded, frozen, _, _ = _run(
        SETUP
        + "from celery import signals\n"
        + "import config.celery_app\n"
        + "signals.worker_init.send(sender=None)\n"
    )
    assert loaded and frozen > 50_000


def test_without_settling_nothing_is_frozen():
    loaded, frozen, _, _ = _run(SETUP)
    assert (loaded, frozen) == (False, 0)
