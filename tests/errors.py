"""The one error shape every 4xx has: {"error": {"code", "message", "detail"}}."""

from typing import Any


def assert_error_body(body: Any, context: Any = None) -> dict:
    """``body`` (a decoded JSON answer) is the error shape; returns the inner error.
    ``context`` is shown when an assertion fails."""
    assert list(body) == ["error"], context or body
    error = body["error"]
    assert sorted(error) == ["code", "detail", "message"], context or body
    assert isinstance(error["code"], str) and error["code"], context or body
    assert isinstance(error["message"], str) and error["message"], context or body
    assert isinstance(error["detail"], dict), context or body
    return error
