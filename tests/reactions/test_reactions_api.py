"""Reactions beyond the up-vote, for sites that turn them on (issue 13): the reader API."""

import pytest

from comments.models import CommentStatus
from reactions.models import Reaction, SiteReactions
from tests.openapi import assert_matches_schema

from ..conftest import client_for
from ..factories import ArticleFactory, CommenterFactory, CommentFactory, SiteFactory


def reaction_url(comment) -> str:
    return f"/api/v1/comments/{comment.pk}/reaction/"


def page_url(site) -> str:
    return f"/api/v1/sites/{site.slug}/reactions/"


@pytest.fixture
def reacting(site):
    return SiteReactions.objects.create(site=site, kinds=["insightful", "funny", "like"])


@pytest.fixture
def comment(article, other_reader):
    return CommentFactory(article=article, author=other_reader)


def test_a_site_without_reactions_offers_none_and_refuses_them(api, reader_api, site, comment):
    settings = api.get(f"/api/v1/sites/{site.slug}/embed/")
    assert settings.status_code == 200, settings.content
    assert settings.json()["reactions"] == []
    refused = reader_api.put(reaction_url(comment), {"kind": "funny"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "reactions_off"
    assert not Reaction.objects.exists()
    page = assert_matches_schema(api.get(page_url(site), {"comments": str(comment.pk)}))
    assert page == {"kinds": [], "comments": {}}


def test_a_reader_reacts_changes_their_mind_and_takes_it_back(
    api, reader_api, site, comment, reacting
):
    settings = api.get(f"/api/v1/sites/{site.slug}/embed/").json()
    assert [k["kind"] for k in settings["reactions"]] == ["insightful", "funny", "like"]
    assert settings["reactions"][0] == {"kind": "insightful", "emoji": "💡", "label": "Insightful"}

    first = assert_matches_schema(
        reader_api.put(reaction_url(comment), {"kind": "insightful"}, format="json"), "put"
    )
    assert first == {"counts": {"insightful": 1}, "yours": "insightful"}
    # Idempotent, and one reaction per reader: a new kind replaces the old.
    again = reader_api.put(reaction_url(comment), {"kind": "insightful"}, format="json").json()
    assert again == first
    changed = reader_api.put(reaction_url(comment), {"kind": "funny"}, format="json").json()
    assert changed == {"counts": {"funny": 1}, "yours": "funny"}
    assert Reaction.objects.count() == 1

    third = CommenterFactory()
    client_for(third).put(reaction_url(comment), {"kind": "funny"}, format="json")
    cleared = assert_matches_schema(reader_api.delete(reaction_url(comment)), "delete")
    assert cleared == {"counts": {"funny": 1}, "yours": None}
    assert list(Reaction.objects.values_list("reactor", "kind")) == [(third.pk, "funny")]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "angry"}, 400, "invalid_reaction"),  # a known kind the site does not offer
        ({"kind": "meh"}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"kind": ["funny"]}, 400, "invalid"),
    ],
)
def test_bad_reactions_are_refused_and_change_nothing(
    reader_api, comment, reacting, body, status, code
):
    response = reader_api.put(reaction_url(comment), body, format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Reaction.objects.exists()


def test_who_may_react_to_what(api, reader, reader_api, article, comment, reacting):
    anonymous = api.put(reaction_url(comment), {"kind": "funny"}, format="json")
    assert anonymous.status_code == 401
    own = CommentFactory(article=article, author=reader)
    refused = reader_api.put(reaction_url(own), {"kind": "funny"}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "own_comment")
    held = CommentFactory(article=article, status=CommentStatus.HELD)
    hidden = reader_api.put(reaction_url(held), {"kind": "funny"}, format="json")
    assert hidden.status_code == 404
    missing = reader_api.put("/api/v1/comments/999999/reaction/", {"kind": "funny"}, format="json")
    assert missing.status_code == 404
    assert not Reaction.objects.exists()


def test_a_page_of_reactions_in_two_queries_with_the_readers_own(
    api, reader, reader_api, site, article, reacting, django_assert_num_queries
):
    comments = [CommentFactory(article=article) for _ in range(5)]
    others = [CommenterFactory() for _ in range(3)]
    for n, other in enumerate(others):
        client_for(other).put(reaction_url(comments[0]), {"kind": "funny"}, format="json")
        client_for(other).put(
            reaction_url(comments[1]), {"kind": ["like", "insightful", "like"][n]}, format="json"
        )
    reader_api.put(reaction_url(comments[1]), {"kind": "insightful"}, format="json")
    # Neither another site's comment nor a held one is shown, reactions or not.
    elsewhere = CommentFactory(article=ArticleFactory(site=SiteFactory(slug="other")))
    held = CommentFactory(article=article)
    client_for(others[0]).put(reaction_url(held), {"kind": "funny"}, format="json")
    held.status = CommentStatus.HELD
    held.save(update_fields=["status"])
    ids = ",".join(str(c.pk) for c in [*comments, elsewhere, held])

    # token (1), site (1), kinds (1), counts (1), the reader's own (1)
    with django_assert_num_queries(5):
        mine = reader_api.get(page_url(site), {"comments": ids})
    body = assert_matches_schema(mine)
    assert body["comments"] == {
        str(comments[0].pk): {"counts": {"funny": 3}, "yours": None},
        str(comments[1].pk): {
            "counts": {"like": 2, "insightful": 2},
            "yours": "insightful",
        },
    }
    assert mine["Cache-Control"] == "private, no-cache"

    anonymous = api.get(page_url(site), {"comments": ids})
    assert anonymous.json()["comments"][str(comments[1].pk)]["yours"] is None
    assert anonymous["Cache-Control"].startswith("public")


@pytest.mark.parametrize("ids", ["", "a,b", "1;2", "-1", ",".join(["1"] * 201), "9" * 30])
def test_bad_comment_lists_are_refused(api, site, reacting, ids):
    response = api.get(page_url(site), {"comments": ids})
    assert response.status_code == 400
    assert "error" in response.json()


def test_the_site_setting_accepts_known_kinds_only():
    from django.core.exceptions import ValidationError

    site = SiteFactory.build()
    for bad in (
        ["nope"],
        ["funny", "funny"],
        ["like", "insightful", "agree", "funny", "sad", "angry", "surprised"],
        "funny",
    ):
        with pytest.raises(ValidationError):
            SiteReactions(site=site, kinds=bad).clean_fields(exclude=["site"])
    SiteReactions(site=site, kinds=["funny", "like"]).clean_fields(exclude=["site"])
