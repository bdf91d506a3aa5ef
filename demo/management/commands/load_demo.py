"""Load the demo: a site, an article, readers, a moderator and a thread. Safe to re-run."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Article, Comment, CommentStatus, Site
from comments.services import (
    article_upsert,
    comment_create,
    commenter_for_user,
    site_rotate_api_key,
)
from moderation.demo import seed_queues

ARTICLE_KEY = "foreign-policy-forum"
ARTICLE_TITLE = "Ministers meet in Lisbon to rethink the region's security pact"
ARTICLE_URL = "http://127.0.0.1:8001/articles/foreign-policy-forum"
MODERATOR = ("moderator", "moderator-demo-pass")
READERS = [
    ("amira", "Amira K."),
    ("ben", "Ben from Leeds"),
    ("chloe", "Chloé"),
    ("dmitri", "Dmitri"),
]
READER_PASSWORD = "reader-demo-pass"  # noqa: S105 - demo accounts only

THREAD = [
    # (author, parent index or None, body, final status or None to let moderation decide)
    (
        "amira",
        None,
        "The pact has needed an update since the border agreement lapsed. "
        "Good to see the ministers finally **talking about verification**.",
        None,
    ),
    ("ben", 0, "Verification is the hard part. Who inspects whom, and how often?", None),
    ("amira", 1, "The draft mentions joint teams, rotating every six months.", None),
    (
        "chloe",
        None,
        "> rethink the region's security pact\n\nRethink, or quietly shelve? "
        "The communiqué is vague on funding.",
        None,
    ),
    ("dmitri", 3, "Funding is in annex B, which hasn't been published yet.", None),
    ("ben", None, "Does anyone know whether parliament gets a vote on this?", None),
    ("dmitri", None, "Lisbon was a good choice of venue; neutral ground for everyone.", None),
    ("chloe", 5, "Only if it changes a treaty, as far as I know.", None),
    ("ben", None, "Buy cheap watches at my shop, link in my profile!!!", CommentStatus.REJECTED),
    ("dmitri", None, "Everyone who disagrees with me here is a paid troll.", CommentStatus.HELD),
]


class Command(BaseCommand):
    help = "Load the demo site, article, readers, moderator and comment thread."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            site, _ = Site.objects.get_or_create(
                slug="demo",
                defaults={
                    "name": "The Daily Demo",
                    "allowed_origins": ["http://127.0.0.1:8001", "http://localhost:8001"],
                },
            )
            article, _ = article_upsert(
                site=site, key=ARTICLE_KEY, url=ARTICLE_URL, title=ARTICLE_TITLE
            )
            users = {name: self._user(name, display, READER_PASSWORD) for name, display in READERS}
            moderator = self._user(MODERATOR[0], "Demo moderator", MODERATOR[1], staff=True)
            if not Comment.objects.filter(article=article).exists():
                self._thread(article, users, moderator)
            seed_queues(
                site=site, moderator=moderator, readers=[u.commenter for u in users.values()]
            )
        api_key = site_rotate_api_key(site=site)

        out = self.stdout.write
        out(self.style.SUCCESS("Parley demo loaded."))
        out("  API root:      http://127.0.0.1:8000/api/v1/")
        out(
            f"  Thread:        http://127.0.0.1:8000/api/v1/sites/demo/articles/{ARTICLE_KEY}/comments/"
        )
        out("  API docs:      http://127.0.0.1:8000/api/docs/")
        out("  Admin:         http://127.0.0.1:8000/admin/")
        out("  Review queue:  http://127.0.0.1:8000/admin/moderation/queuecomment/")
        out("  Host page:     http://127.0.0.1:8001/  (the embed on another origin, with SSO)")
        out(f"  Moderator:     {MODERATOR[0]} / {MODERATOR[1]}")
        out(f"  Readers:       {', '.join(users)} (password {READER_PASSWORD})")
        out(f"  Site API key:  {api_key}  (new on every run)")

    def _user(self, username: str, display: str, password: str, staff: bool = False):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.set_password(password)
        # The moderator is staff with a site-admin role (moderation.SiteRole), not a superuser,
        # so the demo shows what a real moderator sees.
        user.is_staff = staff
        user.is_superuser = False
        user.save()
        commenter = commenter_for_user(user)
        if commenter.display_name != display:
            commenter.display_name = display
            commenter.save(update_fields=["display_name"])
        return user

    def _thread(self, article: Article, users: dict, moderator) -> None:
        created: list[Comment] = []
        for author, parent, body, final in THREAD:
            comment = comment_create(
                article=article,
                author=users[author].commenter,
                body=body,
                parent_id=created[parent].pk if parent is not None else None,
            )
            if final is not None and comment.status != final:
                comment = Comment.objects.select_for_update().get(pk=comment.pk)
                if comment.status == CommentStatus.PUBLISHED:
                    transition(
                        comment, to=CommentStatus.HELD, actor=Actor(ActorKind.SYSTEM, "demo")
                    )
                if final == CommentStatus.REJECTED:
                    transition(
                        comment,
                        to=final,
                        actor=Actor.moderator(moderator),
                        clause_id="spam",
                        clause_title="No spam or advertising",
                        note="Advertising is not allowed in comments.",
                    )
            created.append(comment)
