"""Fixtures: the moderators' side (tests/moderation/conftest.py: a small policy, roles, held
comments, the permission matrix's users) plus what appeals and notices need."""

import pytest

from accountability.models import Appeal, Notice, OutcomeMessage
from moderation.models import Role
from tests.factories import SiteRoleFactory
from tests.moderation.conftest import *  # noqa: F403 - the moderation fixtures
from tests.moderation.conftest import snapshot as moderation_snapshot
from tests.moderation.conftest import staff


@pytest.fixture
def second_moderator(site, policy):
    user = staff("mod2")
    SiteRoleFactory(user=user, site=site, role=Role.MODERATOR)
    return user


def snapshot() -> dict:
    """Everything an appeal or notice could change, to assert a refusal changed nothing."""
    return {
        **moderation_snapshot(),
        "appeals": list(Appeal.objects.order_by("pk").values_list("pk", "state", "reviewer_id")),
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "outcome")),
        "messages": OutcomeMessage.objects.count(),
    }


@pytest.fixture
def nothing_changes(db):
    class _Unchanged:
        def __enter__(self):
            self.before = snapshot()

        def __exit__(self, *exc_info):
            if exc_info[0] is None:
                assert snapshot() == self.before

    return _Unchanged


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run after-commit work (tasks are eager in tests) as a committed request would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture(autouse=True)
def _reader_email(reader):
    reader.user.email = "alice@example.org"
    reader.user.save()
