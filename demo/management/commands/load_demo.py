"""Load the demo: a site, three articles, readers, a moderator and their threads. Safe to re-run.

The demo is a believable newsroom: comments spread over two days, votes on them, every
article on the host page with a conversation under it, and one account per reader whether
they sign in with a password (the API tour) or through the host page's single sign-on.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from comments.lifecycle import Actor, transition
from comments.models import (
    ActorKind,
    Article,
    Comment,
    CommentEvent,
    CommentStatus,
    Site,
)
from comments.reports import report_create
from comments.services import (
    article_upsert,
    comment_create,
    commenter_for_user,
    site_rotate_api_key,
    vote_set,
)
from embed.demo_host import DEMO_ARTICLES, DEMO_HOST_READERS, demo_avatar_url
from embed.models import SSOIdentity
from moderation.demo import seed_queues
from moderation.models import Role, SiteRole
from reactions.models import SiteReactions
from reactions.services import reaction_set

ARTICLE_KEY = "foreign-policy-forum"
ARTICLE_TITLE = DEMO_ARTICLES[ARTICLE_KEY]
BRIDGE_KEY = "harbour-bridge-vote"
# The moderator works the queues (role "moderator": the workspace, nothing else); the editor
# is the site's administrator (its policy, settings, roles and the plumbing).
MODERATOR = ("moderator", "moderator-demo-pass")
EDITOR = ("editor", "editor-demo-pass")
READERS = [
    ("amira", "Amira K."),
    ("ben", "Ben from Leeds"),
    ("chloe", "Chloé"),
    ("dmitri", "Dmitri"),
]
# How long each reader has had an account (the queue shows "member for ..."), in days.
MEMBER_FOR = {"amira": 420, "ben": 95, "chloe": 760, "dmitri": 38}
READER_PASSWORD = "reader-demo-pass"  # noqa: S105 - demo accounts only
DEFAULT_PARLEY_URL = "http://127.0.0.1:8000"
DEFAULT_HOST_URL = "http://127.0.0.1:8001"

THREAD = [
    # (author, parent index or None, body, final status or None to let moderation decide,
    #  minutes ago)
    (
        "amira",
        None,
        "The pact has needed an update since the border agreement lapsed. "
        "Good to see the ministers finally **talking about verification**.",
        None,
        2 * 24 * 60 + 35,
    ),
    (
        "ben",
        0,
        "Verification is the hard part. Who inspects whom, and how often?",
        None,
        2 * 24 * 60 + 5,
    ),
    ("amira", 1, "The draft mentions joint teams, rotating every six months.", None, 47 * 60),
    (
        "chloe",
        None,
        "> rethink the region's security pact\n\nRethink, or quietly shelve? "
        "The communiqué is vague on funding.",
        None,
        26 * 60,
    ),
    ("dmitri", 3, "Funding is in annex B, which hasn't been published yet.", None, 25 * 60),
    ("ben", None, "Does anyone know whether parliament gets a vote on this?", None, 5 * 60),
    (
        "dmitri",
        None,
        "Lisbon was a good choice of venue; neutral ground for everyone.",
        None,
        3 * 60 + 10,
    ),
    ("chloe", 5, "Only if it changes a treaty, as far as I know.", None, 95),
    (
        "ben",
        None,
        "Buy cheap watches at my shop, link in my profile!!!",
        CommentStatus.REJECTED,
        62,
    ),
    (
        "dmitri",
        None,
        "Everyone who disagrees with me here is a paid troll.",
        CommentStatus.HELD,
        24,
    ),
    (
        "amira",
        None,
        "The ministry says annex B comes out on Friday. I'll believe it when I see it.",
        None,
        9,
    ),
]
BRIDGE_THREAD = [
    (
        "chloe",
        None,
        "Forty years of talking about this bridge. Whatever they decide, decide.",
        None,
        7 * 60,
    ),
    ("dmitri", 0, "The ferry operators will fight it either way.", None, 6 * 60 + 20),
    (
        "amira",
        None,
        "Has anyone seen the cycling lanes in the final design? The drawings in the council "
        "papers show them on one side only.",
        None,
        2 * 60 + 40,
    ),
    ("ben", 2, "Page 14 of the papers: both sides, 2.5 m each.", None, 2 * 60 + 5),
]
# (thread index, voters): who upvoted what. Nobody votes on their own comment.
VOTES = {
    ARTICLE_KEY: [
        (0, ["ben", "chloe", "dmitri"]),
        (1, ["amira", "chloe"]),
        (2, ["ben"]),
        (3, ["amira", "dmitri"]),
        (4, ["chloe", "amira", "ben"]),
        (5, ["dmitri"]),
        (7, ["ben", "amira"]),
    ],
    BRIDGE_KEY: [(0, ["amira", "dmitri"]), (2, ["chloe", "ben"]), (3, ["amira"])],
}
# The demo site turns reactions on (a site's choice, admin -> Sites); (thread index, reader,
# reaction) for the budget thread.
DEMO_REACTIONS = ["insightful", "agree", "funny"]
REACTIONS = {
    ARTICLE_KEY: [
        (0, "ben", "insightful"),
        (0, "dmitri", "insightful"),
        (1, "chloe", "agree"),
        (4, "amira", "funny"),
        (4, "ben", "insightful"),
    ],
    BRIDGE_KEY: [(0, "amira", "insightful"), (3, "chloe", "agree")],
}


def _origins(url: str) -> list[str]:
    """The host page's origin, and the same port on localhost (the other name people type)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    names = [origin]
    if parts.hostname in ("127.0.0.1", "localhost"):
        other = "localhost" if parts.hostname == "127.0.0.1" else "127.0.0.1"
        names.append(f"{parts.scheme}://{other}:{parts.port}" if parts.port else origin)
    return list(dict.fromkeys(names))


class Command(BaseCommand):
    help = "Load the demo site, articles, readers, moderator and comment threads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--parley-url", default=DEFAULT_PARLEY_URL, help="where Parley runs")
        parser.add_argument(
            "--host-url", default=DEFAULT_HOST_URL, help="where the demo host page runs"
        )

    def handle(self, *args, **options) -> None:
        parley = options["parley_url"].rstrip("/")
        host = options["host_url"].rstrip("/")
        with transaction.atomic():
            site, _ = Site.objects.get_or_create(slug="demo", defaults={"name": "The Daily Demo"})
            # The host page is the demo site's first allowed origin (the landing page links it).
            site.allowed_origins = _origins(host)
            site.save(update_fields=["allowed_origins"])
            articles = {
                key: article_upsert(site=site, key=key, url=f"{host}/articles/{key}", title=title)[
                    0
                ]
                for key, title in DEMO_ARTICLES.items()
            }
            users = {name: self._user(name, display, READER_PASSWORD) for name, display in READERS}
            for name, reader in DEMO_HOST_READERS.items():
                avatar = demo_avatar_url(host, name)
                self._same_reader_on_host(site, users[name], reader, avatar)
            moderator = self._user(MODERATOR[0], "Demo moderator", MODERATOR[1], staff=True)
            editor = self._user(EDITOR[0], "Demo site editor", EDITOR[1], staff=True)
            SiteReactions.objects.update_or_create(site=site, defaults={"kinds": DEMO_REACTIONS})
            for key, thread in ((ARTICLE_KEY, THREAD), (BRIDGE_KEY, BRIDGE_THREAD)):
                if not Comment.objects.filter(article=articles[key]).exists():
                    created = self._thread(articles[key], thread, users, moderator, VOTES[key])
                    for index, name, kind in REACTIONS[key]:
                        reaction_set(
                            comment_id=created[index].pk, reactor=users[name].commenter, kind=kind
                        )
            # seed_queues makes the editor the site's administrator.
            seed_queues(site=site, moderator=editor, readers=[u.commenter for u in users.values()])
            SiteRole.objects.update_or_create(
                user=moderator, site=site, defaults={"role": Role.MODERATOR, "granted_by": editor}
            )
        api_key = site_rotate_api_key(site=site)

        out = self.stdout.write
        out(self.style.SUCCESS("Parley demo loaded."))
        out(f"  Start here:    {parley}/")
        out(f"  Host page:     {host}/  (the embed on another origin, with SSO)")
        out(f"  Review queue:  {parley}/admin/moderation/queuecomment/")
        out(f"  API root:      {parley}/api/v1/  (docs: {parley}/api/docs/)")
        out(f"  Moderator:     {MODERATOR[0]} / {MODERATOR[1]}  (works the queues)")
        out(f"  Site editor:   {EDITOR[0]} / {EDITOR[1]}  (administers the site and its policy)")
        out(f"  Readers:       {', '.join(users)} (password {READER_PASSWORD})")
        out(f"  Site API key:  {api_key}  (new on every run)")

    def _user(self, username: str, display: str, password: str, staff: bool = False):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.set_password(password)
        # Staff with a role on the demo site (moderation.SiteRole), never superusers, so the
        # demo shows what a real moderator and a real site administrator see.
        user.is_staff = staff
        user.is_superuser = False
        if created and username in MEMBER_FOR:
            user.date_joined = timezone.now() - timedelta(days=MEMBER_FOR[username])
        user.save()
        commenter = commenter_for_user(user)
        if commenter.display_name != display:
            commenter.display_name = display
            commenter.save(update_fields=["display_name"])
        return user

    def _same_reader_on_host(self, site: Site, user, reader: dict, avatar: str) -> None:
        """The host page's "Amira K." is the password reader `amira`: her single sign-on maps
        to the same commenter, so the embed offers Edit and Delete on her own comments. Her
        picture is the host's, as if she had signed in there before."""
        SSOIdentity.objects.update_or_create(
            site=site,
            external_id=reader["sub"],
            defaults={
                "commenter": user.commenter,
                "email": reader.get("email", ""),
                "avatar_url": avatar,
            },
        )
        if user.commenter.avatar_url != avatar:
            user.commenter.avatar_url = avatar
            user.commenter.save(update_fields=["avatar_url"])

    def _thread(
        self, article: Article, thread: list, users: dict, moderator, votes
    ) -> list[Comment]:
        now = timezone.now()
        created: list[Comment] = []
        for author, parent, body, final, minutes_ago in thread:
            comment = comment_create(
                article=article,
                author=users[author].commenter,
                body=body,
                parent_id=created[parent].pk if parent is not None else None,
            )
            if final == CommentStatus.HELD and comment.status == CommentStatus.PUBLISHED:
                # Held the way a newsroom sees it happen: the other readers report it.
                for name, user in users.items():
                    if name != author:
                        report_create(
                            comment_id=comment.pk, reporter=user.commenter, clause_id="civility"
                        )
                comment.refresh_from_db()
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
                        clause_title="No spam, advertising or link dumping",
                        note="Advertising is not allowed in comments.",
                    )
            # Demo data only: written now, dated as if the conversation had taken its time.
            at = now - timedelta(minutes=minutes_ago)
            Comment.objects.filter(pk=comment.pk).update(created_at=at, status_changed_at=at)
            CommentEvent.objects.filter(comment=comment).update(created_at=at)
            created.append(comment)
        for index, voters in votes:
            for voter in voters:
                vote_set(comment_id=created[index].pk, voter=users[voter].commenter, value=1)
        return created
