"""Hostile and malformed input: always a 4xx in the one error shape, never a 500, nothing stored."""

import base64
import json

import pytest
from django.conf import settings

from comments.throttles import WriteIPThrottle, WriteReaderThrottle

from ..factories import CommentFactory
from .conftest import (
    article_url,
    assert_error,
    comment_url,
    counts_url,
    replies_url,
    thread_url,
    vote_url,
)


def cursor_of(payload) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def comment(article, reader):
    return CommentFactory(article=article, author=reader)


# Bodies that are not a JSON object of the right fields. Each is sent to every write endpoint.

DEEP = "[" * 100_000 + "]" * 100_000
ANY = ("post", "patch", "vote", "token")
WITH_BODY = ("post", "patch")  # a vote or token request has no "body" field to object to
BAD_BODIES = [
    ("truncated", "{", "malformed_request", ANY),
    ("single-quotes", "{'body': 'x'}", "malformed_request", ANY),
    ("trailing-comma", '{"body": "x",}', "malformed_request", ANY),
    ("nan", '{"body": NaN}', "malformed_request", ANY),
    ("infinity", '{"body": Infinity}', "malformed_request", ANY),
    ("nested-lists-100000", DEEP, "malformed_request", ANY),
    ("nested-objects", '{"a":' * 30_000 + "1" + "}" * 30_000, "malformed_request", ANY),
    ("5000-digits", '{"value": ' + "9" * 5000 + "}", "malformed_request", ANY),
    ("not-utf8", b'{"body": "\xff\xfe"}', "malformed_request", ANY),
    ("raw-null-byte", '{"body": "a\x00b"}', "malformed_request", ANY),
    ("list", "[1, 2]", "invalid", ANY),
    ("string", '"a string"', "invalid", ANY),
    ("number", "42", "invalid", ANY),
    ("null", "null", "invalid", ANY),
    ("true", "true", "invalid", ANY),
    ("escaped-null-byte", '{"body": "a\\u0000b"}', "invalid", WITH_BODY),
    ("lone-surrogate", '{"body": "\\ud800"}', "invalid", WITH_BODY),
    ("body-is-object", '{"body": {"$gt": ""}}', "invalid", WITH_BODY),
    ("huge-parent", '{"body": "x", "parent": 1' + "0" * 40 + "}", "invalid", ("post",)),
    ("float-vote", '{"value": 1.0}', "invalid", ("vote",)),
    ("huge-vote", '{"value": 1' + "0" * 40 + "}", "invalid", ("vote",)),
    ("username-list", '{"username": ["a"], "password": "x"}', "invalid", ("token",)),
]
BAD_BODY_CASES = [
    pytest.param(endpoint, body, code, id=f"{endpoint}-{name}")
    for name, body, code, endpoints in BAD_BODIES
    for endpoint in endpoints
]


def _write_requests(reader_api, article, comment):
    return {
        "post": lambda body: reader_api.post(
            thread_url(article), body, content_type="application/json"
        ),
        "patch": lambda body: reader_api.patch(
            comment_url(comment), body, content_type="application/json"
        ),
        "vote": lambda body: reader_api.put(
            vote_url(comment), body, content_type="application/json"
        ),
        "token": lambda body: reader_api.post(
            "/api/v1/auth/token/", body, content_type="application/json"
        ),
    }


@pytest.mark.parametrize(("endpoint", "body", "code"), BAD_BODY_CASES)
def test_bad_json_bodies(
    reader_api, article, comment, other_reader, unchanged, endpoint, body, code
):
    if endpoint == "vote":
        # Someone else's comment, so a vote that got through would change the score.
        comment = CommentFactory(article=article, author=other_reader)
    send = _write_requests(reader_api, article, comment)[endpoint]

    with unchanged():
        response = send(body)

    assert_error(response, 400, code)


def test_null_json_body_on_vote_is_refused(reader_api, comment, unchanged):
    with unchanged():
        response = reader_api.put(vote_url(comment), "null", content_type="application/json")

    assert_error(response, 400, "invalid")


def test_site_key_endpoint_refuses_bad_json(api, site, site_key, unchanged):
    with unchanged():
        response = api.put(
            article_url(site, "k"),
            DEEP,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"SiteKey {site_key}",
        )

    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize(
    ("content_type", "status", "code"),
    [
        ("application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("multipart/form-data; boundary=x", 415, "unsupported_media_type"),
        ("text/plain", 415, "unsupported_media_type"),
    ],
)
def test_only_json_is_accepted(reader_api, article, unchanged, content_type, status, code):
    with unchanged():
        response = reader_api.post(thread_url(article), "body=hi", content_type=content_type)

    assert_error(response, status, code)


@pytest.mark.parametrize("extra", [1, 1024 * 1024])
def test_request_bodies_over_the_limit_are_refused(reader_api, article, unchanged, extra):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + extra
    body = json.dumps({"body": "x" * size})

    with unchanged():
        response = reader_api.post(thread_url(article), body, content_type="application/json")

    error = assert_error(response, 413, "request_too_large")
    assert error["detail"] == {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


def test_request_body_just_under_the_limit_is_parsed(reader_api, article, unchanged):
    filler = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)
    body = json.dumps({"body": "Hi", "pad": filler})
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = reader_api.post(thread_url(article), body, content_type="application/json")

    assert response.status_code == 201


# Query parameters.

THREAD_PARAMS = [
    pytest.param({"sort": "best"}, "invalid", id="unknown-sort"),
    pytest.param({"sort": "old\x00est"}, "invalid", id="null-in-sort"),
    pytest.param({"limit": "0"}, "invalid", id="limit-0"),
    pytest.param({"limit": "101"}, "invalid", id="limit-101"),
    pytest.param({"limit": "-1"}, "invalid", id="limit-negative"),
    pytest.param({"limit": "abc"}, "invalid", id="limit-text"),
    pytest.param({"limit": "1.5"}, "invalid", id="limit-fraction"),
    pytest.param({"limit": "9" * 5000}, "invalid", id="limit-huge"),
    pytest.param({"limit": "1\x00"}, "invalid", id="null-in-limit"),
    pytest.param({"cursor": "a\x00b"}, "invalid", id="null-in-cursor"),
    pytest.param({"cursor": "x" * 501}, "invalid", id="cursor-too-long"),
    pytest.param({"cursor": "!!!"}, "invalid_cursor", id="cursor-not-base64"),
    pytest.param({"cursor": "abc"}, "invalid_cursor", id="cursor-bad-padding"),
    pytest.param({"cursor": cursor_of(b"\xff\xfe")}, "invalid_cursor", id="cursor-not-utf8"),
    pytest.param({"cursor": cursor_of(b"not json")}, "invalid_cursor", id="cursor-not-json"),
    pytest.param({"cursor": cursor_of(42)}, "invalid_cursor", id="cursor-number"),
    pytest.param({"cursor": cursor_of({"a": 1})}, "invalid_cursor", id="cursor-object"),
    pytest.param({"cursor": cursor_of(["oldest", 1])}, "invalid_cursor", id="cursor-short"),
    pytest.param(
        {"cursor": cursor_of(["oldest", "2026-01-01T00:00:00+00:00", "5"])},
        "invalid_cursor",
        id="cursor-pk-text",
    ),
    pytest.param(
        {"cursor": cursor_of(["oldest", "2026-01-01T00:00:00+00:00", True])},
        "invalid_cursor",
        id="cursor-pk-bool",
    ),
    pytest.param(
        {"cursor": cursor_of(["oldest", "yesterday", 5])}, "invalid_cursor", id="cursor-bad-date"
    ),
    pytest.param(
        {"cursor": cursor_of(["oldest", 12, 5])}, "invalid_cursor", id="cursor-date-number"
    ),
    pytest.param(
        {"cursor": cursor_of(["oldest", "2026-01-01T00:00:00", 5])},
        "invalid_cursor",
        id="cursor-naive-date",
    ),
    pytest.param(
        {"cursor": cursor_of(["oldest", "9999-12-31T23:59:59-23:59", 5])},
        "invalid_cursor",
        id="cursor-date-past-max",
    ),
    pytest.param(
        {"cursor": cursor_of(["oldest", "0001-01-01T00:00:00+23:59", 5])},
        "invalid_cursor",
        id="cursor-date-before-min",
    ),
    pytest.param(
        {"sort": "top", "cursor": cursor_of(["top", "high", 5])},
        "invalid_cursor",
        id="cursor-score-text",
    ),
    pytest.param(
        {"sort": "top", "cursor": cursor_of(["top", 1.5, 5])},
        "invalid_cursor",
        id="cursor-score-float",
    ),
    pytest.param(
        {"cursor": cursor_of(["newest", "2026-01-01T00:00:00+00:00", 5])},
        "invalid_cursor",
        id="cursor-other-sort",
    ),
    pytest.param(
        {"cursor": cursor_of(b"[" * 150 + b"]" * 150)}, "invalid_cursor", id="cursor-nested"
    ),
]


@pytest.mark.parametrize(("params", "code"), THREAD_PARAMS)
def test_bad_thread_params(api, article, comment, params, code):
    assert_error(api.get(thread_url(article), params), 400, code)


@pytest.mark.parametrize(
    ("params", "code"), [p for p in THREAD_PARAMS if "sort" not in p.values[0]]
)
def test_bad_replies_params(api, comment, params, code):
    assert_error(api.get(replies_url(comment), params), 400, code)


@pytest.mark.parametrize(
    ("sort", "key", "pk"),
    [
        ("oldest", "2000-01-01T00:00:00+00:00", 10**30),
        ("oldest", "2000-01-01T00:00:00+00:00", 2**63),
        ("oldest", "2000-01-01T00:00:00+00:00", 0),
        ("oldest", "2000-01-01T00:00:00+00:00", -(10**30)),
        ("top", 10**30, 1),
        ("top", -(2**63), 1),
    ],
)
def test_out_of_range_cursor_numbers_are_refused(api, article, comment, sort, key, pk):
    cursor = cursor_of([sort, key, pk])

    response = api.get(thread_url(article), {"sort": sort, "cursor": cursor})

    assert_error(response, 400, "invalid_cursor")


@pytest.mark.parametrize(
    ("key", "pk", "shown"),
    [
        ("2000-01-01T00:00:00+00:00", 2**63 - 1, True),
        ("2999-01-01T00:00:00+00:00", 1, False),
    ],
)
def test_extreme_but_valid_date_cursors(api, article, comment, key, pk, shown):
    response = api.get(thread_url(article), {"cursor": cursor_of(["oldest", key, pk])})

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == ([comment.pk] if shown else [])


@pytest.mark.parametrize(
    ("score", "shown"),
    [(2**63 - 1, True), (2**31, True), (-(2**63) + 1, False), (-(2**31) - 1, False)],
)
def test_extreme_but_valid_score_cursors(api, article, comment, score, shown):
    cursor = cursor_of(["top", score, 1])

    response = api.get(thread_url(article), {"sort": "top", "cursor": cursor})

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == ([comment.pk] if shown else [])


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"article": ""},
        {"article": "a\x00b"},
        {"article": "x" * 201},
        {"article": [f"k{i}" for i in range(201)]},
    ],
)
def test_bad_counts_params(api, site, query):
    assert_error(api.get(counts_url(site), query), 400, "invalid")


# Paths.


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here/",
        "/api/v2/sites/daily/counts/",
        "/api/v1/sites/daily/articles/budget-2026/comments/extra/",
        "/api/v1/sites/da%00ily/counts/",
        "/api/v1/sites/daily/articles/budget%002026/comments/",
        "/api/v1/comments/1%00/",
        "/api/v1/comments/%001/replies/",
        "/api/v1/comments/-1/",
        "/api/v1/comments/abc/",
        "/api/v1/comments/99999999999999999999999/",
        "/api/v1/sites/daily/articles/" + "k" * 201 + "/comments/",
        "/api/",
        "/api/schema/extra",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_urls_under_api_are_json_404s(api, reader_api, article, unchanged, path, method):
    with unchanged():
        response = getattr(reader_api, method)(path)

    assert_error(response, 404, "not_found")


def test_debug_is_off_in_tests():
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    ("method", "url_of"),
    [
        ("post", lambda c: replies_url(c)),
        ("put", lambda c: comment_url(c)),
        ("post", lambda c: vote_url(c)),
        ("get", lambda c: "/api/v1/auth/token/"),
    ],
)
def test_wrong_method_is_405(reader_api, comment, unchanged, method, url_of):
    with unchanged():
        response = getattr(reader_api, method)(url_of(comment))

    assert_error(response, 405, "method_not_allowed")


# Rate limits.


@pytest.fixture
def low_write_limits(monkeypatch):
    # DRF copies the rates onto the throttle classes when it is imported, so settings
    # overrides do not reach them; set them where they are read.
    rates = {"write_reader": "2/min", "write_ip": "3/min"}
    monkeypatch.setattr(WriteReaderThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(WriteIPThrottle, "THROTTLE_RATES", rates)
    return rates


def test_writes_per_reader_are_limited(reader_api, other_api, article, low_write_limits):
    for n in range(2):
        assert (
            reader_api.post(thread_url(article), {"body": f"#{n}"}, format="json").status_code
            == 201
        )
    before = article.comments.count()

    response = reader_api.post(thread_url(article), {"body": "#3"}, format="json")

    error = assert_error(response, 429, "rate_limited")
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 61
    assert error["detail"] == {"retry_after": retry_after}
    assert article.comments.count() == before
    # Reads are never throttled, and another reader on another address may still write.
    assert reader_api.get(thread_url(article)).status_code == 200
    other = other_api.post(
        thread_url(article), {"body": "Mine"}, format="json", REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 201


def test_writes_per_address_are_limited_across_readers(
    reader_api, other_api, api, article, comment, low_write_limits
):
    assert reader_api.post(thread_url(article), {"body": "1"}, format="json").status_code == 201
    assert other_api.post(thread_url(article), {"body": "2"}, format="json").status_code == 201
    assert other_api.put(vote_url(comment), {"value": 1}, format="json").status_code == 200
    before = article.comments.count()

    responses = [
        other_api.post(thread_url(article), {"body": "3"}, format="json"),
        api.post(thread_url(article), {"body": "4"}, format="json"),
    ]

    for response in responses:
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) >= 1
    assert article.comments.count() == before


def test_every_write_counts_against_the_limit(reader_api, article, comment, low_write_limits):
    assert (
        reader_api.patch(comment_url(comment), {"body": "Edit"}, format="json").status_code == 200
    )
    assert reader_api.delete(comment_url(comment)).status_code == 204

    response = reader_api.post(thread_url(article), {"body": "Again"}, format="json")

    assert_error(response, 429, "rate_limited")


def test_token_requests_are_limited(api, db, monkeypatch):
    from comments.throttles import AuthThrottle

    monkeypatch.setattr(AuthThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    payload = {"username": "nobody", "password": "x"}
    for _ in range(2):
        assert_error(api.post("/api/v1/auth/token/", payload, format="json"), 401)

    response = api.post("/api/v1/auth/token/", payload, format="json")

    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
