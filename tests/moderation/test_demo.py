"""The demo seeding fills every queue and gives the moderator a role."""

from moderation.demo import seed_queues
from moderation.models import SiteRole
from moderation.selectors import queue_counts
from policy.models import Standing
from tests.factories import CommenterFactory, UserFactory


def test_seed_queues_fills_every_queue(site):
    moderator = UserFactory(username="demo-mod")
    readers = [CommenterFactory() for _ in range(4)]
    seeded = seed_queues(site=site, moderator=moderator, readers=readers)
    assert SiteRole.objects.get(user=moderator, site=site).role == "admin"
    counts = queue_counts(sites=[site])
    # Held and rejected depend on the shipped default policy; every queue has something.
    assert all(counts[name] >= 1 for name in counts), counts
    assert (counts["reported"], counts["pending"]) == (2, 1)
    assert len(seeded["held"]) == 4
    assert Standing.objects.get(commenter=readers[0]).state == "warned"
    # re-running adds nothing
    assert seed_queues(site=site, moderator=moderator, readers=readers) == {}
    assert queue_counts(sites=[site]) == counts
