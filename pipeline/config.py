"""A site's moderation configuration as the pipeline reads it, cached per process: the policy
in force (policy.services.site_policy), the enabled scorers and the active webhook endpoints."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cachetools import LRUCache

from comments.models import Site
from policy.engine import Engine
from policy.models import PolicyVersion
from policy.services import site_policy

from .models import ScorerConfig, WebhookEndpoint


@dataclass(frozen=True)
class SiteModeration:
    """A site's moderation configuration as one process caches it (see `site_moderation`)."""

    stamp: str
    version: PolicyVersion
    engine: Engine
    scorers: tuple[ScorerConfig, ...]  # enabled, by name
    webhooks: tuple[WebhookEndpoint, ...]  # active

    @property
    def has_scorers(self) -> bool:
        return bool(self.scorers)


SITE_CACHE_SIZE = 1024
# Per process, the sites most recently asked for; LRUCache is not thread-safe, hence the lock.
_site_cache: LRUCache[int, SiteModeration] = LRUCache(maxsize=SITE_CACHE_SIZE)
_site_cache_lock = threading.Lock()


def site_moderation(*, site: Site) -> SiteModeration:
    """The site's policy in force (compiled), enabled scorers and active webhook endpoints,
    cached per process under the site's `config_stamp`.

    Every save or delete of a PolicyVersion, ScorerConfig or WebhookEndpoint gives the site a
    new stamp (policy.models.site_config_changed), and callers pass a site row they loaded for
    this request or task, so a change is seen by every process at its next request: no query
    on a hit, three on a miss.
    """
    with _site_cache_lock:
        cached = _site_cache.get(site.pk)
    if cached is not None and cached.stamp == site.config_stamp:
        return cached
    policy = site_policy(site=site)  # may save the default, which changes site's stamp
    config = SiteModeration(
        stamp=site.config_stamp,
        version=policy.version,
        engine=policy.engine,
        scorers=tuple(ScorerConfig.objects.filter(site_id=site.pk, enabled=True).order_by("name")),
        webhooks=tuple(WebhookEndpoint.objects.filter(site_id=site.pk, active=True)),
    )
    with _site_cache_lock:
        _site_cache[site.pk] = config
    return config


def pipeline_has_work(config: SiteModeration) -> bool:
    """Whether a comment the local rules would publish must wait for the pipeline: the policy
    has scorer rules, or the site has a scorer (spam service, classifier) configured."""
    return bool(config.engine.needs_scorers) or config.has_scorers
