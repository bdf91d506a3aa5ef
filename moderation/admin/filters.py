"""The list filters of the moderation pages, and the per-request lookups they share."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from comments.ids import parse_id
from comments.models import Article, Comment
from moderation.access import sites_moderated_by
from moderation.selectors import QUEUES, Clause, clause_q, policy_clauses, queue_counts, queue_q

QUEUE_LABELS = {
    "held": "Held",
    "reported": "Reported",
    "pending": "Pending",
    "rejected": "Rejected & removed",
    "published": "Published",
}


def selected_site_ids(request: HttpRequest) -> list[int]:
    site_id = parse_id(request.GET.get("site"))
    return [site_id] if site_id is not None else []


def selected_queue(request: HttpRequest) -> str:
    queue = request.GET.get("queue")
    return queue if queue in QUEUES else "held"


def queue_sizes(request: HttpRequest) -> dict[str, int]:
    """Queue sizes over the sites in view, once per request (the tabs and the filter)."""
    counts = getattr(request, "moderation_queue_counts", None)
    if counts is None:
        sites = sites_moderated_by(request.user)
        if site_ids := selected_site_ids(request):
            sites = sites.filter(pk__in=site_ids)
        counts = queue_counts(sites=sites)
        request.moderation_queue_counts = counts
    return counts


def clauses_by_site(request: HttpRequest) -> dict[int, list[Clause]]:
    """The policy clauses of each site the moderator works on, once per request."""
    cached = getattr(request, "moderation_clauses", None)
    if cached is None:
        cached = {site.pk: policy_clauses(site=site) for site in sites_moderated_by(request.user)}
        request.moderation_clauses = cached
    return cached


def clause_choices(request: HttpRequest) -> list[tuple[str, str]]:
    seen: dict[str, str] = {"": "— clause —"}
    for clauses in clauses_by_site(request).values():
        for clause in clauses:
            seen.setdefault(clause.id, f"§{clause.number} {clause.title}")
    return list(seen.items())


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        counts = queue_sizes(request)
        return [(name, f"{QUEUE_LABELS[name]} ({counts[name]})") for name in QUEUES]

    def value(self) -> str:
        value = super().value()
        return value if value in QUEUES else "held"

    def choices(self, changelist: Any):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(queue_q(self.value()))


class SiteFilter(admin.SimpleListFilter):
    title = "site"
    parameter_name = "site"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(s.pk), s.name) for s in sites_moderated_by(request.user)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        site_id = parse_id(self.value())
        return queryset.filter(site_id=site_id) if site_id is not None else queryset


class ArticleFilter(admin.SimpleListFilter):
    """The articles with the most recent comments (any article by ?article=<id>)."""

    title = "article"
    parameter_name = "article"
    shown = 20

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        articles = Article.objects.filter(site__in=sites_moderated_by(request.user))
        if site_ids := selected_site_ids(request):
            articles = articles.filter(site_id__in=site_ids)
        recent = list(articles.order_by("-created_at")[: self.shown])
        article_id = parse_id(self.value())
        if article_id is not None and all(a.pk != article_id for a in recent):
            recent += list(articles.filter(pk=article_id))
        return [(str(a.pk), str(a)) for a in recent]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        article_id = parse_id(self.value())
        return queryset.filter(article_id=article_id) if article_id is not None else queryset


class ClauseFilter(admin.SimpleListFilter):
    title = "clause"
    parameter_name = "clause"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        site_ids = selected_site_ids(request)
        for site_id, clauses in clauses_by_site(request).items():
            if site_ids and site_id not in site_ids:
                continue
            for clause in clauses:
                seen.setdefault(clause.id, f"§{clause.number} {clause.title}")
        return list(seen.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(clause_q(value)) if value else queryset


class AuthorFilter(admin.SimpleListFilter):
    """Set by the author links in each row (?author=<public id>)."""

    title = "author"
    parameter_name = "author"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value:
            return []
        names = Comment.objects.filter(author__public_id=value).values_list(
            "author__display_name", flat=True
        )
        return [(value, names.first() or value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(author__public_id=value) if value else queryset


class CommenterFilter(admin.SimpleListFilter):
    """Set by the "events" links (?commenter=<public id>)."""

    title = "commenter"
    parameter_name = "commenter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value:
            return []
        return [(value, value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(commenter__public_id=value) if value else queryset
