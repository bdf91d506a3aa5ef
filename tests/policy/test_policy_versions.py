"""The first version of a site's policy, saved by whichever request needs it first."""

import threading

import pytest
from django.db import connection, transaction

from policy.models import PolicyVersion
from policy.services import policy_current

from ..factories import ArticleFactory, CommentFactory, SiteFactory


@pytest.mark.django_db(transaction=True)
def test_the_first_posts_on_a_new_site_save_its_default_policy_once():
    # Four posts on a site with no policy yet, each asking for it inside its own transaction
    # after writing its comment: all four saw "none" and each saved the default again
    # (versions 1 to 4) before the save re-checked under the site's lock.
    if connection.vendor != "postgresql":
        pytest.skip("row-lock modes are PostgreSQL's; SQLite locks the whole database")
    site = SiteFactory(slug="brand-new")
    article = ArticleFactory(site=site)
    posts = 4
    both_wrote = threading.Barrier(posts)
    failures: list[BaseException] = []
    versions: list[int] = []

    def post() -> None:
        try:
            with transaction.atomic():
                CommentFactory(article=article)
                both_wrote.wait(10)
                versions.append(policy_current(site=site).version)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert failures == []
    assert versions == [1] * posts
    assert PolicyVersion.objects.filter(site=site).count() == 1
