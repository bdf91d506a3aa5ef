import pytest
import responses

from pipeline.models import ScorerConfig
from policy.documents import default_policy_source
from policy.services import policy_save

from ..conftest import client_for
from ..factories import CommenterFactory

SPAM_CLAUSE = """

[[clauses]]
id = "spam-service"
number = 90
title = "No spam, as our spam service sees it"
text = "Comments our spam service is sure about are not published."

  [[clauses.rules]]
  rule = "score"
  action = "reject"
  scorer = "akismet"
  label = "spam"
  threshold = 0.5

[[clauses]]
id = "classifier"
number = 91
title = "Held when the site's classifier is unsure"
text = "Comments the site's own classifier rates as toxic wait for a moderator."

  [[clauses.rules]]
  rule = "score"
  action = "hold"
  scorer = "house"
  label = "toxic"
  threshold = 0.8
"""

AKISMET_URL = "https://akismet.test/1.1/comment-check"
HOUSE_URL = "https://classifier.test/score"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run after-commit work (tasks are eager in tests) as a committed request would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def scored_policy(site):
    return policy_save(site=site, source=default_policy_source() + SPAM_CLAUSE, note="scorers")


@pytest.fixture
def akismet(site):
    return ScorerConfig.objects.create(
        site=site,
        name="akismet",
        kind="akismet",
        endpoint=AKISMET_URL,
        key="ak-key",
        timeout_seconds=2,
    )


@pytest.fixture
def house(site):
    return ScorerConfig.objects.create(
        site=site,
        name="house",
        kind="http",
        endpoint=HOUSE_URL,
        key="house-secret",
        timeout_seconds=2,
    )


@pytest.fixture
def quiet_house(house):
    """The site's classifier is up and finds nothing: comments wait for it, then publish."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(HOUSE_URL, json={"scores": {"toxic": 0.01}})
        yield mock


@pytest.fixture
def third_reader(db):
    return CommenterFactory(user__username="carol", display_name="Carol")


@pytest.fixture
def third_api(third_reader):
    return client_for(third_reader)
