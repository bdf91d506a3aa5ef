"""Rate limits count every request exactly once, however many arrive at the same moment
(comments/throttles.py), on the configured cache: local memory in the SQLite run, Redis when
REDIS_URL is set; tests/integration/test_throttle_concurrency.py posts through the whole API."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from comments.throttles import WriteIPThrottle


@pytest.fixture
def thirty_an_hour(monkeypatch):
    monkeypatch.setattr(WriteIPThrottle, "THROTTLE_RATES", {"write_ip": "30/hour"})


def a_post(address: str = "10.0.0.1") -> Request:
    return Request(APIRequestFactory().post("/", REMOTE_ADDR=address))


def test_concurrent_requests_get_exactly_the_limit_through(thirty_an_hour):
    at_once = threading.Barrier(40)
    pinned = WriteIPThrottle().timer()  # one window for all, whatever the clock does

    def attempt(_: int) -> bool:
        throttle = WriteIPThrottle()
        throttle.timer = lambda: pinned
        at_once.wait(timeout=10)
        return throttle.allow_request(a_post(), None)

    with ThreadPoolExecutor(max_workers=40) as pool:
        allowed = list(pool.map(attempt, range(40)))

    assert allowed.count(True) == 30
    assert allowed.count(False) == 10


def throttle_at(seconds: float) -> WriteIPThrottle:
    throttle = WriteIPThrottle()
    throttle.timer = lambda: seconds
    return throttle


def test_the_count_starts_again_with_the_next_window(thirty_an_hour):
    start = 1_800_000_000.0  # a whole number of hours
    for _ in range(30):
        assert throttle_at(start + 10).allow_request(a_post(), None)

    refused = throttle_at(start + 3000)
    assert not refused.allow_request(a_post(), None)
    assert refused.wait() == 600  # until the hour's window ends: Retry-After
    # Another client has an allowance of its own.
    assert throttle_at(start + 3000).allow_request(a_post("10.0.0.2"), None)
    # The next hour's window.
    assert throttle_at(start + 3600).allow_request(a_post(), None)


def test_reads_are_not_counted(thirty_an_hour):
    get = Request(APIRequestFactory().get("/", REMOTE_ADDR="10.0.0.1"))
    for _ in range(50):
        assert WriteIPThrottle().allow_request(get, None)
    assert WriteIPThrottle().allow_request(a_post(), None)
