"""The Disqus importer, and through it the writer's rules every format shares: threads,
statuses, sanitised HTML, depth clamp, orphans, cycles, duplicates, re-runs and resuming."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Article, Comment, Commenter, CommentEvent, CommentStatus
from comments.rendering import render_body
from pipeline.models import ModerationDecision, NotificationLog, WebhookDelivery
from portability.models import ImportedRecord, ImportRun
from tests.factories import ArticleFactory, UserFactory, WebhookEndpointFactory

from .conftest import FIXTURES, run_import

S = CommentStatus
DISQUS = FIXTURES / "disqus.xml"


def by_source(site) -> dict[str, Comment]:
    pks = dict(
        ImportedRecord.objects.filter(site=site, kind="comment").values_list(
            "source_id", "target_id"
        )
    )
    comments = Comment.objects.in_bulk(pks.values())
    return {source: comments[pk] for source, pk in pks.items() if pk in comments}


def table_counts() -> tuple[int, ...]:
    return (
        Article.objects.count(),
        Commenter.objects.count(),
        get_user_model().objects.count(),
        Comment.objects.count(),
        CommentEvent.objects.count(),
        ImportedRecord.objects.count(),
    )


def test_threads_posts_and_statuses(target):
    summary = run_import(target, "disqus", DISQUS)

    assert summary.counts["articles_created"] == 2
    assert summary.counts["comments_created"] == 11
    assert summary.counts["commenters_created"] == 7
    assert dict(summary.statuses) == {S.PUBLISHED: 9, S.DELETED: 1, S.REJECTED: 1}
    budget = Article.objects.get(site=target, key="budget-2026")
    assert budget.url == "https://news.example/budget-2026"
    assert budget.title == "The budget, explained"
    floods = Article.objects.get(site=target, key="news.example~floods")
    assert floods.is_open is False  # <isClosed>true</isClosed>
    c = by_source(target)
    assert c["102"].parent_id == c["101"].pk and c["102"].depth == 1
    assert c["103"].parent_id == c["102"].pk and c["103"].root_id == c["101"].pk
    assert c["104"].depth == 3
    assert c["101"].created_at == datetime(2019, 3, 1, 10, 0, tzinfo=UTC)
    # An offset in the file is kept as the same instant in UTC.
    assert c["111"].created_at == datetime(2019, 3, 2, 7, 0, tzinfo=UTC)
    assert c["105"].status == S.DELETED and c["105"].body == "" and c["105"].html == ""
    assert c["106"].status == S.REJECTED
    # 105 (deleted) is not a published reply.
    assert c["101"].reply_count == 1
    assert c["102"].reply_count == 1


def test_html_is_resanitised_like_a_live_comment(target):
    run_import(target, "disqus", DISQUS)
    c = by_source(target)["102"]
    assert c.body == (
        "I disagree & here is why: [the numbers](https://stats.example/a_b).\n\n"
        "Second **paragraph** with \\*stars\\*."
    )
    assert c.html == (
        '<p>I disagree &amp; here is why: <a href="https://stats.example/a_b" '
        'rel="nofollow ugc noopener">the numbers</a>.</p>\n'
        "<p>Second <strong>paragraph</strong> with *stars*.</p>"
    )
    assert "script" not in c.html and "onclick" not in c.html
    assert by_source(target)["114"].body == "Ça déborde — 洪水 🌊"
    # Every imported comment's HTML is what the live renderer makes of its body.
    for comment in by_source(target).values():
        assert comment.html == (render_body(comment.body) if comment.body else "")


def test_problems_are_reported_with_their_position(target):
    summary = run_import(target, "disqus", DISQUS)
    problems = {(p.position, p.source_id, p.repaired): p.reason for p in summary.problems}

    assert problems == {
        ("<thread> #3", "5003", True): (
            "same key as an earlier page (news.example~floods): merged into it"
        ),
        ("<post> #7", "107", True): (
            "its parent 99999 is not in the file: imported as a top-level comment"
        ),
        ("<post> #8", "108", True): (
            "its replies' chain of parents is a cycle: imported as a top-level comment"
        ),
        ("<post> #10", "101", False): "duplicate comment id",
        ("<post> #11", "111", True): (
            "its parent 101 is on another page: imported as a top-level comment"
        ),
        ("<post> #12", "112", False): "empty message",
        ("<post> #13", "113", False): "its page '7777' is not in the file",
        ("<post> #15", "115", False): ("unreadable date 'last Tuesday'"),
    }
    assert summary.counts["skipped"] == 4 and summary.counts["repaired"] == 4
    c = by_source(target)
    assert c["107"].parent_id is None and c["107"].depth == 0
    assert c["108"].parent_id is None
    assert c["109"].parent_id == c["108"].pk
    assert c["111"].parent_id is None
    # The merged page's comment is on the first page with that URL.
    assert c["114"].article.key == "news.example~floods"
    # The first of two posts with one id is the one imported.
    assert c["101"].body == "Hello **world**, a fine *piece*."


def test_deep_replies_are_clamped_as_live_replies_are(target):
    target.max_depth = 2
    target.save()
    run_import(target, "disqus", DISQUS)
    c = by_source(target)
    # 104 answers 103, which is at the deepest level: it attaches to 103's parent, as
    # comments.services.comment_create does.
    assert (c["103"].depth, c["103"].parent_id) == (2, c["102"].pk)
    assert (c["104"].depth, c["104"].parent_id) == (2, c["102"].pk)
    assert c["104"].root_id == c["101"].pk
    assert Comment.objects.get(pk=c["102"].pk).reply_count == 2


def test_authors_become_commenters_without_a_login(target):
    run_import(target, "disqus", DISQUS)
    c = by_source(target)
    alice = c["101"].author
    assert c["103"].author_id == alice.pk  # one commenter per Disqus username
    assert alice.display_name == "Alice A."
    assert not alice.user.has_usable_password()
    assert alice.user.email == ""  # the import stores no e-mail address
    # A member since their first comment in the source.
    assert alice.created_at == alice.user.date_joined == datetime(2019, 3, 1, 10, 0, tzinfo=UTC)
    assert c["114"].author.display_name == "花子"


def test_match_email_uses_the_existing_account(target):
    existing = UserFactory(username="alice", email="ALICE@example.org")
    UserFactory(username="alice-later", email="alice@example.org")  # the oldest wins
    run_import(target, "disqus", DISQUS, match_email=True)
    c = by_source(target)
    assert c["101"].author.user_id == existing.pk
    assert existing.check_password("reader-pass-123")  # untouched
    assert not c["102"].author.user.has_usable_password()


def test_matches_an_existing_article_by_url(target):
    existing = ArticleFactory(site=target, key="floods-live", url="https://news.example/floods")
    run_import(target, "disqus", DISQUS)
    assert by_source(target)["114"].article_id == existing.pk
    assert Article.objects.filter(site=target).count() == 2


def test_audit_rows_say_imported_and_nothing_is_sent(target):
    # An endpoint that wants every event: a live change of any comment here is delivered.
    WebhookEndpointFactory(site=target)
    summary = run_import(target, "disqus", DISQUS)
    c = by_source(target)["101"]
    event = CommentEvent.objects.get(comment=c)
    assert event.kind == CommentEvent.Kind.CREATED
    assert event.actor_kind == ActorKind.SYSTEM
    assert event.actor_label == "import:disqus"
    assert event.to_status == S.PUBLISHED
    assert "Imported from disqus (id 101)" in event.note
    assert f"import run {summary.run_id}" in event.note
    assert event.created_at == c.created_at
    assert not ModerationDecision.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert not NotificationLog.objects.exists()
    # The same endpoint hears a moderator's removal of an imported comment.
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=c.pk)
        transition(locked, to=S.REMOVED, actor=Actor(ActorKind.MODERATOR, "mod"))
    assert WebhookDelivery.objects.filter(event="comment.removed").count() == 1


def test_importing_twice_changes_nothing(target):
    run_import(target, "disqus", DISQUS)
    before = table_counts()
    again = run_import(target, "disqus", DISQUS)
    assert table_counts() == before
    assert again.counts["comments_created"] == 0
    assert again.counts["comments_already_imported"] == 11
    assert again.counts["commenters_created"] == 0
    assert again.counts["articles_created"] == 0


class Interrupt(Exception):
    pass


class StopAfter:
    """A progress listener that interrupts the import (like Ctrl-C) after some batches."""

    def __init__(self, batches: int, phase: str = "Comments") -> None:
        self.left = batches
        self.stop_in = phase
        self.phase = ""

    def start(self, phase: str, total: int | None) -> None:
        self.phase = phase

    def update(self, done: int) -> None:
        if self.phase == self.stop_in and done:
            self.left -= 1
            if self.left == 0:
                raise Interrupt()


def test_an_interrupted_import_resumes(target):
    with pytest.raises(Interrupt):
        run_import(target, "disqus", DISQUS, batch_size=2, progress=StopAfter(2))
    assert Comment.objects.count() == 4  # two whole batches, nothing half-written
    assert ImportRun.objects.get().state == ImportRun.State.FAILED
    summary = run_import(target, "disqus", DISQUS, batch_size=2)
    assert summary.counts["comments_already_imported"] == 4
    assert summary.counts["comments_created"] == 7
    c = by_source(target)
    assert len(c) == 11
    assert c["104"].parent_id == c["103"].pk and c["104"].depth == 3
    assert Comment.objects.get(pk=c["101"].pk).reply_count == 1
    assert CommentEvent.objects.count() == 11


def test_an_import_interrupted_among_the_commenters_resumes(target):
    with pytest.raises(Interrupt):
        run_import(target, "disqus", DISQUS, batch_size=2, progress=StopAfter(2, "Commenters"))
    assert Commenter.objects.count() == 4 and not Comment.objects.exists()
    summary = run_import(target, "disqus", DISQUS, batch_size=2)
    assert summary.counts["commenters_already_imported"] == 4
    assert summary.counts["commenters_created"] == 3
    assert Commenter.objects.count() == 7
    assert get_user_model().objects.count() == 7
    assert summary.counts["comments_created"] == 11


def test_dry_run_writes_nothing(target):
    before = table_counts()
    summary = run_import(target, "disqus", DISQUS, dry_run=True)
    assert summary.counts["comments_created"] == 11
    assert summary.run_id is None
    assert table_counts() == before
    assert not ImportRun.objects.exists()


def test_command_prints_a_summary(target, capsys):
    call_command("import_comments", str(DISQUS), "--format", "disqus", "--site", "target")
    out = capsys.readouterr().out
    assert "articles:   2 new, 0 matched by key or URL, 0 already imported" in out
    assert "comments:   11 new (1 deleted, 9 published, 1 rejected), 0 already imported" in out
    assert "problems:   4 skipped, 4 imported with a repair" in out
    assert "[skipped] <post> #15 115: unreadable date 'last Tuesday'" in out
    # Not a terminal: no progress bar on stderr.
    assert capsys.readouterr().err == ""


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<disqus><thread dsq:id="1" xmlns:dsq="http://disqus.com/disqus-internals"><title>&b;</title>
</thread></disqus>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<disqus><thread><title>&x;</title></thread></disqus>"""


@pytest.mark.parametrize("content", [BOMB, EXTERNAL, b"<disqus><thread>"])
def test_unsafe_or_broken_xml_imports_nothing(target, tmp_path, content):
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=r"Nothing imported: export\.xml is not readable XML"):
        call_command("import_comments", str(path), "--format", "disqus", "--site", "target")
    assert not Article.objects.exists()
    assert not ImportRun.objects.exists()


def test_a_doctype_without_entities_is_read(target, tmp_path):
    path = tmp_path / "export.xml"
    text = DISQUS.read_text()
    path.write_text(text.replace("<disqus ", '<!DOCTYPE disqus SYSTEM "disqus.dtd">\n<disqus ', 1))
    assert run_import(target, "disqus", path).counts["comments_created"] == 11


def test_unknown_site_is_a_command_error(db):
    with pytest.raises(CommandError, match="No site 'nope'"):
        call_command("import_comments", str(DISQUS), "--format", "disqus", "--site", "nope")


@pytest.mark.parametrize(
    ("key", "url", "expected"),
    [
        ("budget-2026", "https://news.example/x", "budget-2026"),
        ("", "https://news.example/2021/story/", "news.example~2021~story"),
        ("123 https://news.example/?p=123", "", "123 https:~~news.example~?p=123"),
        ("", "", "imported-77"),
        ("", "https://news.example/" + "a" * 300, "sha256-"),
    ],
)
def test_article_keys_take_the_reader_apis_form(key, url, expected):
    from portability.records import SourceArticle
    from portability.services import article_key

    made = article_key(SourceArticle(source_id="77", key=key, url=url))
    assert made.startswith(expected) if expected == "sha256-" else made == expected
    assert "/" not in made and len(made) <= 200


def test_imported_thread_reads_through_the_reader_api(target):
    from rest_framework.test import APIClient

    run_import(target, "disqus", DISQUS)
    response = APIClient().get("/api/v1/sites/target/articles/news.example~floods/comments/")
    assert response.status_code == 200
    bodies = [c["html"] for c in response.json()["results"]]
    assert "<p>Ça déborde — 洪水 🌊</p>" in bodies


def test_progress_bar_when_asked(target):
    from io import StringIO

    err = StringIO()
    call_command(
        "import_comments",
        str(DISQUS),
        "--format=disqus",
        "--site=target",
        "--progress=always",
        stdout=StringIO(),
        stderr=err,
    )
    bar = err.getvalue()
    assert "Reading" in bar and "Commenters" in bar and "Comments" in bar
    assert "11/11" in bar


def test_import_run_is_in_the_admin_read_only(target, client):
    summary = run_import(target, "disqus", DISQUS)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/portability/importrun/{summary.run_id}/change/")
    assert page.status_code == 200
    assert "disqus.xml" in page.content.decode()
    assert client.get("/admin/portability/importrun/add/").status_code == 403


def test_a_later_export_adds_only_the_new_comments(target, tmp_path):
    run_import(target, "disqus", DISQUS)
    later = tmp_path / "later.xml"
    later.write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<post dsq:id="120"><message><![CDATA[<p>Back again.</p>]]></message>'
        "<createdAt>2019-04-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
        "<isSpam>false</isSpam><author><name>Alice A.</name><isAnonymous>false</isAnonymous>"
        '<username>alice_a</username></author><thread dsq:id="5001"/>'
        '<parent dsq:id="104"/></post></disqus>'
    )
    summary = run_import(target, "disqus", later)
    assert summary.counts["comments_created"] == 1 and summary.problems == []
    c = by_source(target)
    assert c["120"].parent_id == c["104"].pk and c["120"].depth == 4
    assert c["120"].author_id == c["101"].author_id
    assert Comment.objects.get(pk=c["104"].pk).reply_count == 1


@pytest.fixture
def refusing_database(db):
    """A real trigger that makes the database refuse comments containing "Third level", as a
    constraint the importer cannot foresee would."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_third() RETURNS trigger AS $$ BEGIN "
                "IF NEW.body LIKE '%Third level%' THEN RAISE EXCEPTION 'refused by a test' "
                "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_third BEFORE INSERT ON comments_comment "
                "FOR EACH ROW EXECUTE FUNCTION refuse_third()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_third BEFORE INSERT ON comments_comment "
                "WHEN NEW.body LIKE '%Third level%' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test'); END"
            )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER refuse_third"
            + (" ON comments_comment" if connection.vendor == "postgresql" else "")
        )


def test_a_row_the_database_refuses_is_skipped_not_the_batch(target, refusing_database):
    summary = run_import(target, "disqus", DISQUS)
    c = by_source(target)
    assert "103" not in c
    assert summary.counts["comments_created"] == 10
    problems = {p.source_id: str(p) for p in summary.problems}
    assert problems["103"].startswith("<post> #3 103: refused by the database (")
    assert "refused by a test" in problems["103"]
    # Its reply comes in at the top of the thread, reported.
    assert c["104"].parent_id is None
    assert problems["104"] == (
        "<post> #4 104: its parent 103 was skipped: imported as a top-level comment"
    )
    assert not Comment.objects.filter(body__contains="Third level").exists()
    assert CommentEvent.objects.count() == ImportedRecord.objects.filter(kind="comment").count()


def test_dry_run_command_says_so_and_writes_nothing(target, capsys):
    before = table_counts()
    call_command("import_comments", str(DISQUS), "--format=disqus", "--site=target", "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("Dry run, nothing written: disqus.xml (disqus, source 'disqus')")
    assert "comments:   11 new" in out
    assert table_counts() == before


def test_imported_comments_show_on_a_page_already_cached(target):
    """Thread pages are cached by article version (comments.pagecache): the import bumps the
    versions of the articles it adds comments to."""
    from rest_framework.test import APIClient

    ArticleFactory(site=target, key="budget-2026", url="https://news.example/budget-2026")
    url = "/api/v1/sites/target/articles/budget-2026/comments/"
    assert APIClient().get(url).json()["results"] == []  # rendered and cached, empty
    run_import(target, "disqus", DISQUS)
    results = APIClient().get(url).json()["results"]
    assert "<p>Hello <strong>world</strong>, a fine <em>piece</em>.</p>" in [
        c["html"] for c in results
    ]


def test_what_was_deleted_since_stays_deleted(target, tmp_path):
    """A record whose row is gone was deleted on purpose (it is written in the row's own
    transaction): an erased commenter, a deleted page, do not come back."""
    run_import(target, "disqus", DISQUS)
    c = by_source(target)
    carol = c["104"].author
    carol.user.delete()  # erased, with her comment
    Article.objects.filter(pk=c["114"].article_id).delete()  # the floods page, with 111, 114
    before = table_counts()
    again = run_import(target, "disqus", DISQUS)
    assert table_counts() == before
    assert again.counts["comments_created"] == 0
    assert again.counts["comments_deleted_since"] == 3
    later = tmp_path / "later.xml"
    later.write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<post dsq:id="130"><message><![CDATA[<p>Carol again.</p>]]></message>'
        "<createdAt>2019-04-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
        "<isSpam>false</isSpam><author><name>Carol</name><isAnonymous>true</isAnonymous>"
        '</author><thread dsq:id="5001"/></post>'
        '<post dsq:id="131"><message><![CDATA[<p>On the floods.</p>]]></message>'
        "<createdAt>2019-04-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
        "<isSpam>false</isSpam><author><name>Zed</name><isAnonymous>true</isAnonymous>"
        '</author><thread dsq:id="5002"/></post>'
        '<post dsq:id="132"><message><![CDATA[<p>To Carol.</p>]]></message>'
        "<createdAt>2019-04-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
        "<isSpam>false</isSpam><author><name>Zed</name><isAnonymous>true</isAnonymous>"
        '</author><thread dsq:id="5001"/><parent dsq:id="104"/></post></disqus>'
    )
    summary = run_import(target, "disqus", later)
    assert [str(p) for p in summary.problems] == [
        "<post> #2 131: its page '5002' was deleted after an earlier import",
        "<post> #1 130: its author was deleted after an earlier import",
        "<post> #3 132: its parent 104 was deleted after an earlier import: "
        "imported as a top-level comment",
    ]
    assert by_source(target)["132"].parent_id is None
    assert not Commenter.objects.filter(display_name="Carol").exists()


def test_a_gzipped_export_reads_as_it_came(target, tmp_path):
    import gzip

    path = tmp_path / "export.xml.gz"
    path.write_bytes(gzip.compress(DISQUS.read_bytes()))
    assert run_import(target, "disqus", path).counts["comments_created"] == 11


def test_a_reply_to_a_skipped_comment_says_so(target, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>https://news.example/a</link></thread>'
        '<post dsq:id="10"><message><![CDATA[<p>When?</p>]]></message>'
        "<createdAt>someday</createdAt><author><name>A</name></author>"
        '<thread dsq:id="1"/></post>'
        '<post dsq:id="11"><message><![CDATA[<p>Reply.</p>]]></message>'
        "<createdAt>2020-01-01T00:00:00Z</createdAt><author><name>B</name></author>"
        '<thread dsq:id="1"/><parent dsq:id="10"/></post></disqus>'
    )
    summary = run_import(target, "disqus", path)
    assert [str(p) for p in summary.problems] == [
        "<post> #1 10: unreadable date 'someday'",
        "<post> #2 11: its parent 10 was skipped: imported as a top-level comment",
    ]
