"""Health endpoints and the metrics scrape (docs/operating.md, *Health* and *Metrics*).

Plain Django views, outside /api/v1/: load balancers and Prometheus call them, not readers.
Their error bodies have the API's one shape (`{"error": {"code", "message", "detail"}}`).
"""

import hmac
import ipaddress
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import metrics as ops_metrics

logger = logging.getLogger(__name__)

READY_KEY = "ops:readyz"


def _error(code: str, message: str, detail: dict, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "detail": detail}}, status=status
    )


View = Callable[[HttpRequest], HttpResponse]


def require_safe(view: View) -> View:
    """GET and HEAD only; any other method gets 405 in the error shape (Django's own
    require_safe answers with an empty body)."""

    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = _error(
                "method_not_allowed", f"Method {request.method} is not allowed here.", {}, 405
            )
            response["Allow"] = "GET, HEAD"
            return response
        return view(request)

    return wrapped


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers. Touches nothing else: a database outage must not make a load
    balancer restart every web process."""
    return JsonResponse({"status": "ok"})


def _database_check(alias: str) -> Callable[[], None]:
    def check() -> None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return check


def _check_cache() -> None:
    cache = caches["default"]
    cache.set(READY_KEY, "1", timeout=10)
    if cache.get(READY_KEY) != "1":
        raise RuntimeError("the cache did not return what was just written")


def _broker_url() -> str | None:
    """The Celery broker to check, or None when tasks run in-process (no broker)."""
    url = getattr(settings, "CELERY_BROKER_URL", None)
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) or not url or url == "memory://":
        return None
    return url


def _check_broker() -> None:
    from kombu import Connection

    url = _broker_url()
    assert url is not None
    with Connection(url, connect_timeout=1, transport_options={"socket_timeout": 2}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0)


def _checks() -> dict[str, Callable[[], None]]:
    checks = {"database": _database_check("default")}
    replica = getattr(settings, "PARLEY_READ_REPLICA", None)
    if replica:
        checks["database_replica"] = _database_check(replica)
    checks["cache"] = _check_cache
    if _broker_url() is not None:
        checks["broker"] = _check_broker
    return checks


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database (and its read replica, if configured), the cache and
    (with a broker) the broker answer. 503 naming what failed otherwise, so a load balancer
    stops sending requests here until it passes again."""
    results: dict[str, str] = {}
    failed: list[str] = []
    for name, check in _checks().items():
        try:
            check()
        except Exception as exc:
            logger.warning("Readiness check %s failed: %r", name, exc)
            results[name] = f"failed: {type(exc).__name__}"
            failed.append(name)
        else:
            results[name] = "ok"
    if failed:
        return _error(
            "not_ready",
            f"Not ready: {', '.join(failed)} unreachable.",
            {"failed": failed, "checks": results},
            503,
        )
    return JsonResponse({"status": "ready", "checks": results})


def _client_allowed(request: HttpRequest) -> bool:
    """A bearer token equal to PARLEY_METRICS_TOKEN, or a direct connection (no proxy's
    X-Forwarded-For) from an address in PARLEY_METRICS_ALLOWED_IPS."""
    token = settings.PARLEY_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(
            given.removeprefix("Bearer ").encode(), token.encode()
        ):
            return True
    # Behind a proxy on the same host every request would come from loopback: a request a
    # proxy forwarded is never taken for a local one.
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.PARLEY_METRICS_ALLOWED_IPS
    )


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus scrape (text exposition format)."""
    if not _client_allowed(request):
        return _error(
            "forbidden",
            "Metrics are served to the addresses in PARLEY_METRICS_ALLOWED_IPS or with the "
            "bearer token PARLEY_METRICS_TOKEN.",
            {},
            403,
        )
    body, content_type = ops_metrics.exposition()
    return HttpResponse(body, content_type=content_type)
