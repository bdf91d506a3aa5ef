"""Rate limits on writes, kept in the cache (Redis in production)."""

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# What the cache raises when Redis is down or unreachable.
CACHE_ERRORS = (RedisError, OSError)


class FailOpenThrottle(SimpleRateThrottle):
    """A throttle that lets the request through when the cache is down: a rate limit missed
    for the length of an outage is better than a reader's comment lost to a 500."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            logger.warning("Rate limit %s not checked: the cache is unavailable", self.scope)
            return True


class WriteReaderThrottle(FailOpenThrottle):
    """Writes per signed-in reader."""

    scope = "write_reader"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class WriteIPThrottle(FailOpenThrottle):
    """Writes per client address, signed in or not."""

    scope = "write_ip"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(FailOpenThrottle):
    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
