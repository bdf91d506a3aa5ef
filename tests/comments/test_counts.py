"""Published-comment counts for many articles at once."""

import pytest

from comments.models import CommentStatus

from ..factories import ArticleFactory, CommentFactory, SiteFactory
from .conftest import assert_error, counts_url

S = CommentStatus


@pytest.fixture
def articles(site):
    a1 = ArticleFactory(site=site, key="k1")
    a2 = ArticleFactory(site=site, key="k2")
    top = CommentFactory(article=a1)
    CommentFactory(article=a1, parent=top)
    CommentFactory(article=a1)
    for status in (S.PENDING, S.HELD, S.REJECTED, S.REMOVED, S.DELETED):
        CommentFactory(article=a1, status=status)
    CommentFactory(article=a2)
    return a1, a2


def test_counts_published_comments_and_replies(api, site, articles):
    response = api.get(counts_url(site), {"article": ["k1", "k2"]})

    assert response.status_code == 200
    assert response.json() == {"counts": {"k1": 3, "k2": 1}}


def test_unknown_and_empty_articles_count_zero(api, site, articles):
    ArticleFactory(site=site, key="quiet")

    body = api.get(counts_url(site), {"article": ["k2", "quiet", "nope", "k2"]}).json()

    assert body == {"counts": {"k2": 1, "quiet": 0, "nope": 0}}


def test_another_sites_article_with_the_same_key_is_not_counted(api, site, articles):
    twin = ArticleFactory(site=SiteFactory(slug="weekly"), key="k2")
    CommentFactory(article=twin)
    CommentFactory(article=twin)

    assert api.get(counts_url(site), {"article": "k2"}).json() == {"counts": {"k2": 1}}


def test_unknown_site_is_404(api, db):
    assert_error(api.get("/api/v1/sites/nowhere/counts/", {"article": "k"}), 404, "site_not_found")


@pytest.mark.parametrize("n_articles", [1, 50, 200])
def test_one_counting_query_for_any_number_of_articles(
    api, site, django_assert_num_queries, n_articles
):
    keys = [f"a{i}" for i in range(n_articles)]
    for key in keys[:10]:
        CommentFactory(article=ArticleFactory(site=site, key=key))

    # One query finds the site, one counts every article.
    with django_assert_num_queries(2):
        response = api.get(counts_url(site), {"article": keys})

    counts = response.json()["counts"]
    assert len(counts) == n_articles
    assert sum(counts.values()) == min(n_articles, 10)
