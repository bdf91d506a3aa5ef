"""The root page: where a newcomer who opens http://127.0.0.1:8000/ goes next."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from comments.models import Article, Site

DEMO_SITE = "demo"


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """Links to the API, its docs and the admin; with the demo loaded, to its threads and host
    page too (the host page's origin is the demo site's first allowed origin)."""
    site = Site.objects.filter(slug=DEMO_SITE).first()
    articles = (
        list(Article.objects.filter(site=site).order_by("created_at").only("key", "title", "url"))
        if site
        else []
    )
    context = {
        "site": site,
        "articles": articles,
        "host_origin": site.allowed_origins[0] if site and site.allowed_origins else "",
    }
    return render(request, "demo/landing.html", context)
