"""Notification preferences take JSON booleans only, as the schema says."""

import pytest

from tests.comments.conftest import assert_error


@pytest.mark.parametrize("value", [0, 1, "true", "on", None])
@pytest.mark.parametrize("field", ["reply_emails", "decision_emails"])
def test_a_preference_is_true_or_false(reader_api, field, value):
    before = reader_api.get("/api/v1/me/preferences/").json()

    response = reader_api.put("/api/v1/me/preferences/", {field: value}, format="json")

    assert list(assert_error(response, 400, "invalid")["detail"]["fields"]) == [field]
    assert reader_api.get("/api/v1/me/preferences/").json() == before
