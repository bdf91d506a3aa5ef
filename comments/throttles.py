"""Rate limits on writes, counted atomically in the cache (Redis in production).

Fixed windows: each client's requests in the current window (a minute for "30/min") are
counted by one atomic increment of a counter named after the client and the window, created
with its expiry by an atomic add. Concurrent requests, on any number of web processes and
machines sharing the Redis, each get a distinct count, so exactly the limit gets through.
(DRF's own throttles read a list of timestamps, then write it back: under concurrency several
requests read the same list and all pass; eight readers' threads got 36 posts through a limit
of 30.) The cost of fixed windows: a client may spend one window's allowance at its end and
the next one's at the start of the next, up to twice the rate over a short stretch.

The windows follow each web node's clock (keep them in time with NTP). Every request a
throttle sees counts, refused ones included, so hammering does not earn a client anything.
"""

import logging
import math

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# What the cache raises when Redis is down or unreachable.
CACHE_ERRORS = (RedisError, OSError)

# A window's counter outlives its window by this much, so it can never expire (and a late
# increment recreate it without an expiry) while its window is current.
EXPIRY_SLACK_SECONDS = 5


class FailOpenThrottle(SimpleRateThrottle):
    """A fixed-window throttle with an atomic counter, which lets the request through when
    the cache is down: a rate limit missed for the length of an outage is better than a
    reader's comment lost to a 500."""

    # Set by SimpleRateThrottle.__init__ from the rate (undeclared in its type stubs).
    num_requests: int
    duration: int
    window_ends_at: float = 0.0

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            count = self.count_request()
        except CACHE_ERRORS:
            logger.warning("Rate limit %s not checked: the cache is unavailable", self.scope)
            return True
        return count <= self.num_requests

    def count_request(self) -> int:
        """Count this request in its client's current window; how many there have been."""
        self.now = self.timer()
        window = math.floor(self.now / self.duration)
        self.window_ends_at = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, timeout=self.duration + EXPIRY_SLACK_SECONDS)
        try:
            return self.cache.incr(key)
        except ValueError:
            # Evicted (or flushed) between the add and the increment: count afresh.
            self.cache.add(key, 1, timeout=self.duration + EXPIRY_SLACK_SECONDS)
            return 1

    def wait(self) -> float:
        """Seconds until the current window ends (Retry-After)."""
        return max(self.window_ends_at - self.timer(), 1.0)


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
