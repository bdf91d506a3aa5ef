"""The tasks kept the names they had in the policy app: messages already queued, the beat
schedule and workers of the previous release find them under these names."""

from config.celery_app import app
from pipeline import sweeper, tasks

NAMES = {
    "policy.tasks.moderate_comment_task": tasks.moderate_comment_task,
    "policy.tasks.deliver_webhook_task": tasks.deliver_webhook_task,
    "policy.tasks.send_notification_task": tasks.send_notification_task,
    "policy.tasks.remoderate_task": tasks.remoderate_task,
    "policy.tasks.sweep_pending_task": sweeper.sweep_pending_task,
}


def test_every_task_keeps_its_name():
    app.loader.import_default_modules()
    for name, task in NAMES.items():
        assert task.name == name
        assert app.tasks[name].run is task.run
    assert sorted(n for n in app.tasks if n.startswith(("policy.", "pipeline."))) == sorted(NAMES)
