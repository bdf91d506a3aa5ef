"""Settling a long-lived process before it serves: load what its requests and tasks will need,
then take all of it out of the garbage collector's full collections.

CPython's full collection walks every tracked object. In a web or Celery worker that is Django,
every app, and the classifier's feature table (one dict of some hundreds of thousands of
entries): up to 120-141 ms per collection in the load bench's web workers, during which no
thread of the process runs; 30-41 ms once settled (docs/operating.md, *Workers*).
`gc.freeze()` moves everything alive at that moment to a
permanent generation that collections skip (the pattern CPython's documentation gives for
pre-fork servers); what the process allocates afterwards is collected as before.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Import the URL configuration and every view, load the classifier, then freeze.

    Call once per process, after Django is set up and before it serves (gunicorn's
    `post_worker_init`, Celery's `worker_init` and `worker_process_init`)."""
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.urls import get_resolver

    from policy.engine.classifier import get_model

    get_resolver().url_patterns  # noqa: B018 - imports the URL conf and every view
    get_model()
    gc.collect()
    gc.freeze()
