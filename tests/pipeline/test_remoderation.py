"""Re-moderation after a policy change: a dry run first, then applied as `policy_change`."""

import pytest
from django.core.management import call_command

from comments.errors import Conflict
from comments.models import ActorKind, Comment, CommentStatus
from pipeline.entry import remoderation_start
from pipeline.models import ModerationDecision, RemoderationRun
from pipeline.remoderation import parse_since, remoderation_execute
from policy.documents import default_policy_source
from policy.services import policy_current, policy_save
from tests.factories import CommentFactory

S = CommentStatus

STRICTER = """

[[clauses]]
id = "no-pineapple"
number = 95
title = "No talk of pineapple pizza"
text = "We have had enough of it."

  [[clauses.rules]]
  rule = "banned_words"
  action = "reject"
  words = ["pineapple"]

  [[clauses.rules]]
  rule = "suspect_words"
  action = "hold"
  words = ["anchovies"]
"""


@pytest.fixture
def published(site, article):
    policy_current(site=site)  # version 1: the default
    return {
        "pineapple": CommentFactory(article=article, body="Pineapple belongs on pizza."),
        "anchovies": CommentFactory(article=article, body="Anchovies, surely."),
        "fine": CommentFactory(article=article, body="Margherita is the classic."),
    }


@pytest.fixture
def stricter(site, published):
    return policy_save(site=site, source=default_policy_source() + STRICTER, note="pizza")


def test_a_dry_run_lists_what_would_change_and_changes_nothing(site, published, stricter):
    run = remoderation_start(site=site, since=parse_since("7d"), run_now=True)
    assert remoderation_execute(run.pk) == 2
    run.refresh_from_db()
    assert run.state == "done"
    assert run.checked == 3
    assert {(c["comment"], c["action"], c["to_status"]) for c in run.changes} == {
        (published["pineapple"].pk, "reject", "removed"),
        (published["anchovies"].pk, "hold", "held"),
    }
    assert set(Comment.objects.values_list("status", flat=True)) == {S.PUBLISHED}
    assert not ModerationDecision.objects.filter(stage="policy_change").exists()


def test_applying_a_confirmed_dry_run_records_the_policy_change(
    site, published, stricter, on_commit
):
    dry = remoderation_start(site=site, since=parse_since("7d"), run_now=True)
    remoderation_execute(dry.pk)
    dry.refresh_from_db()
    with on_commit():  # queued: the task runs after commit (eagerly in tests)
        run = remoderation_start(site=site, since=dry.since, apply=True, confirms=dry)
    run.refresh_from_db()
    assert (run.state, len(run.changes)) == ("done", 2)

    removed = Comment.objects.get(pk=published["pineapple"].pk)
    held = Comment.objects.get(pk=published["anchovies"].pk)
    assert (removed.status, removed.moderation_clause_id) == (S.REMOVED, "no-pineapple")
    assert held.status == S.HELD
    assert Comment.objects.get(pk=published["fine"].pk).status == S.PUBLISHED
    event = removed.events.get(to_status=S.REMOVED)
    assert (event.actor_kind, event.policy_version) == (ActorKind.POLICY_CHANGE, 2)
    decisions = ModerationDecision.objects.filter(stage="policy_change")
    assert sorted(decisions.values_list("action", flat=True)) == ["hold", "reject"]

    # Running it again changes nothing more.
    again = remoderation_start(site=site, since=dry.since, apply=True, run_now=True)
    assert remoderation_execute(again.pk) == 0
    assert decisions.count() == 2


def test_a_dry_run_made_under_an_older_policy_cannot_be_applied(site, published, stricter):
    dry = remoderation_start(site=site, since=parse_since("7d"), run_now=True)
    remoderation_execute(dry.pk)
    dry.refresh_from_db()
    policy_save(site=site, source=default_policy_source(), note="back to default")
    with pytest.raises(Conflict) as exc:
        remoderation_start(site=site, since=dry.since, apply=True, confirms=dry)
    assert exc.value.code == "policy_changed"
    assert RemoderationRun.objects.count() == 1


def test_the_management_command(site, published, stricter, capsys):
    call_command("remoderate", "--site", "daily", "--since", "7d")
    out = capsys.readouterr().out
    assert "checked 3 published comments" in out
    assert "2 would change" in out
    assert "--apply" in out
    assert set(Comment.objects.values_list("status", flat=True)) == {S.PUBLISHED}
    call_command("remoderate", "--site", "daily", "--since", "7d", "--apply")
    assert "2 changed" in capsys.readouterr().out
    assert Comment.objects.filter(status=S.PUBLISHED).count() == 1


@pytest.mark.parametrize("value", ["7", "7w", "-1d", ""])
def test_since_must_be_a_duration(value):
    from comments.errors import InvalidInput

    with pytest.raises(InvalidInput):
        parse_since(value)
