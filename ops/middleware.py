"""Request latency by view, for Prometheus (ops.metrics)."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import metrics

UNMATCHED = "<unmatched>"


class RequestMetricsMiddleware:
    """Times every request, labelled by the URL pattern's name (`resolver_match.view_name`:
    `namespace:name`, or the view's dotted path for an unnamed pattern), never by the raw
    path, so the label set stays bounded however many articles and comments there are.
    Outermost in MIDDLEWARE, so the time includes every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        metrics.observe_request(
            view=match.view_name if match is not None else UNMATCHED,
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
