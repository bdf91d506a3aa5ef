"""The moderation API renders through its output serializers; its real responses match the
OpenAPI schema, strictly (tests/openapi.py)."""

import pytest
from jsonschema import ValidationError

from tests.factories import CommenterFactory, ReportFactory
from tests.openapi import assert_matches_schema


def test_every_moderation_endpoint(mod_api, site, make_held, reader):
    comment = make_held(author=reader)
    ReportFactory(comment=comment, reporter=CommenterFactory(), clause_id="civility")
    base = "/api/v1/moderation"

    assert_matches_schema(mod_api.get(f"{base}/sites/"))
    page = assert_matches_schema(mod_api.get(f"{base}/sites/{site.slug}/queue/"))
    assert [item["id"] for item in page["results"]] == [comment.pk]
    assert page["results"][0]["decision"]["hits"]
    assert_matches_schema(mod_api.get(f"{base}/sites/{site.slug}/stats/"))
    assert_matches_schema(mod_api.get(f"{base}/comments/{comment.pk}/history/"))
    standing = f"{base}/sites/{site.slug}/commenters/{reader.public_id}/standing/"
    assert_matches_schema(mod_api.get(standing))
    changed = mod_api.put(standing, {"state": "warned", "message": "Mind it."}, format="json")
    assert changed.status_code == 200
    assert assert_matches_schema(changed, "put")["changed"] is True
    decided = mod_api.post(
        f"{base}/comments/{comment.pk}/decision/", {"action": "approve"}, format="json"
    )
    assert decided.status_code == 200
    assert assert_matches_schema(decided, "post")["status"] == "published"


def test_a_stray_key_fails_the_check(mod_api, monkeypatch):
    response = mod_api.get("/api/v1/moderation/sites/")
    monkeypatch.setattr(response, "json", lambda: [{"slug": "s", "stray": 1}])
    with pytest.raises(ValidationError):
        assert_matches_schema(response)
