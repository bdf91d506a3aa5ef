"""Imported comments go through the existing re-moderation flow (pipeline.remoderation): a dry
run that changes nothing, then the run that confirms it holds what the policy holds."""

from django.core.management import call_command

from comments.models import ActorKind, CommentEvent, CommentStatus
from pipeline.entry import remoderation_start
from pipeline.models import RemoderationRun
from pipeline.remoderation import remoderation_execute
from policy.services import policy_save

from .conftest import FIXTURES
from .test_disqus import by_source

S = CommentStatus

POLICY = """
title = "House rules"
introduction = "Argue with ideas, not people."

[[clauses]]
id = "no-disagreeing"
number = 1
title = "Agree politely"
text = "A test clause that holds one imported comment."

  [[clauses.rules]]
  rule = "suspect_words"
  action = "hold"
  words = ["disagree"]
"""


def test_import_then_remoderation_dry_run_then_apply(target, capsys):
    policy_save(site=target, source=POLICY)
    call_command(
        "import_comments",
        str(FIXTURES / "disqus.xml"),
        "--format=disqus",
        "--site=target",
        "--remoderate",
    )
    out = capsys.readouterr().out
    c = by_source(target)
    dry = RemoderationRun.objects.get(site=target)
    assert dry.apply is False and dry.state == RemoderationRun.State.DONE
    assert dry.checked == 9  # every published imported comment
    assert [change["comment"] for change in dry.changes] == [c["102"].pk]
    assert f"Re-moderation dry run {dry.pk}" in out and "1 would change" in out
    c["102"].refresh_from_db()
    assert c["102"].status == S.PUBLISHED  # a dry run changes nothing

    applied = remoderation_start(site=target, since=dry.since, apply=True, confirms=dry)
    remoderation_execute(applied.pk)
    c["102"].refresh_from_db()
    assert c["102"].status == S.HELD
    event = CommentEvent.objects.filter(comment=c["102"]).latest("id")
    assert event.actor_kind == ActorKind.POLICY_CHANGE
    assert event.clause_id == "no-disagreeing"
