"""The one hook between comments and the apps above it (comments/hooks.py): what the pipeline
and policy apps register when Django loads them, and that nothing else can take their place
unnoticed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from comments import hooks
from pipeline.entry import moderate_comment
from pipeline.listeners import email_outbox, webhook_outbox
from policy.clauses import site_clauses


def test_the_apps_register_the_pipeline_and_the_policy_clauses():
    assert hooks.moderation_entry() is moderate_comment
    assert hooks.status_listeners() == (webhook_outbox, email_outbox)
    assert hooks._hooks.policy_clauses is site_clauses


def test_a_second_moderation_entry_is_refused():
    with pytest.raises(ImproperlyConfigured):
        hooks.register_moderation(lambda comment, *, reason: None)
    assert hooks.moderation_entry() is moderate_comment


def test_registering_again_changes_nothing():
    hooks.register_moderation(moderate_comment)
    hooks.register_status_listener(webhook_outbox)
    hooks.register_policy_clauses(site_clauses)
    assert hooks.moderation_entry() is moderate_comment
    assert hooks.status_listeners() == (webhook_outbox, email_outbox)


def test_a_stand_in_entry_is_used_only_inside_the_block():
    def stand_in(comment, *, reason):
        raise AssertionError("not called here")

    with hooks.moderation_replaced(stand_in):
        assert hooks.moderation_entry() is stand_in
    assert hooks.moderation_entry() is moderate_comment
