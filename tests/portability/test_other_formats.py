"""The WordPress, Remark42, Isso and Parley readers on fixtures in each format's shape:
encodings, time zones, statuses, orphans, bad lines, and the export read back in."""

import gzip
import json
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from comments.models import Article, Comment, CommentStatus
from portability.models import ImportedRecord

from .conftest import FIXTURES, run_import
from .test_disqus import by_source, table_counts

S = CommentStatus


# WordPress -----------------------------------------------------------------------------


def test_wordpress_latin1_statuses_and_local_times(target):
    summary = run_import(target, "wordpress", FIXTURES / "wordpress.xml")
    assert summary.source == "wordpress:https://gazette.example"
    assert summary.counts["articles_created"] == 1
    assert summary.counts["pages_without_comments"] == 1  # the about page
    assert dict(summary.statuses) == {
        S.PUBLISHED: 2,
        S.HELD: 1,
        S.REJECTED: 1,
        S.REMOVED: 1,
    }
    c = by_source(target)
    assert set(c) == {"7", "8", "9", "10", "11"}  # 12 is a pingback, 13 has no known status
    market = Article.objects.get(site=target, key="gazette.example~2018~05~marche")
    assert market.title == "Le marché du samedi"
    assert not Article.objects.filter(site=target, key="gazette.example~about").exists()
    renee = c["7"]
    assert renee.author.display_name == "Renée"
    # Line breaks in a WordPress comment are breaks; markup is rendered, never kept.
    assert renee.body == (
        "Enfin ! Les fraises sont là à 3 francs.\nDeuxième ligne.\n\n**Nouveau** paragraphe"
    )
    assert renee.html == (
        "<p>Enfin ! Les fraises sont là à 3 francs.<br>\nDeuxième ligne.</p>\n"
        "<p><strong>Nouveau</strong> paragraphe</p>"
    )
    assert renee.created_at == datetime(2018, 5, 5, 10, 30, tzinfo=UTC)
    # No UTC date: the local one, in the blog's zone (UTC unless --timezone says otherwise).
    assert c["8"].created_at == datetime(2018, 5, 5, 14, 0, tzinfo=UTC)
    assert c["8"].parent_id == renee.pk
    assert c["11"].parent_id == renee.pk and c["11"].status == S.REMOVED
    assert Comment.objects.get(pk=renee.pk).reply_count == 1  # 8; 11 is removed
    assert [str(p) for p in summary.problems] == [
        "<item> #1 <wp:comment> #7 13: unknown comment_approved 'maybe'"
    ]


def test_wordpress_local_time_in_the_blogs_zone(target):
    run_import(target, "wordpress", FIXTURES / "wordpress.xml", local_tz=ZoneInfo("Europe/Paris"))
    assert by_source(target)["8"].created_at == datetime(2018, 5, 5, 12, 0, tzinfo=UTC)


def test_wordpress_command_with_a_timezone(target, capsys):
    call_command(
        "import_comments",
        str(FIXTURES / "wordpress.xml"),
        "--format=wordpress",
        "--site=target",
        "--timezone=Europe/Paris",
    )
    out = capsys.readouterr().out
    assert "comments:   5 new" in out
    assert "left out:   1 pingbacks and trackbacks" in out
    assert "left out:   1 pages without comments" in out
    with pytest.raises(CommandError, match="Unknown time zone 'Mars/Olympus'"):
        call_command(
            "import_comments",
            str(FIXTURES / "wordpress.xml"),
            "--format=wordpress",
            "--site=target",
            "--timezone=Mars/Olympus",
        )


# Remark42 ------------------------------------------------------------------------------


def test_remark42_backup(target):
    summary = run_import(target, "remark42", FIXTURES / "remark42.jsonl")
    assert summary.source == "remark42:myblog"
    c = by_source(target)
    assert set(c) == {"c-1", "c-2", "c-3", "c-4"}
    first = c["c-1"]
    assert first.created_at == datetime(2020, 6, 1, 9, 0, tzinfo=UTC)  # 12:00+03:00
    assert (first.upvotes, first.downvotes, first.score) == (2, 0, 2)
    assert first.featured is True  # pinned
    assert first.author.avatar_url == ""  # remark42's relative avatar path is not kept
    assert first.article.title == "My first post"
    assert c["c-2"].parent_id == first.pk
    assert (c["c-2"].upvotes, c["c-2"].downvotes, c["c-2"].score) == (0, 1, -1)
    assert c["c-2"].author.avatar_url == "https://avatars.example/bee.png"
    assert c["c-3"].status == S.DELETED and c["c-3"].author_id == first.author_id
    assert c["c-4"].parent_id is None
    assert c["c-4"].article.key == "blog.example~posts~second"
    assert c["c-4"].article.url == "https://blog.example/posts/second/"
    # Problems in reading come first, then those of placing the comments.
    assert [str(p) for p in summary.problems] == [
        "line 6: not JSON (Expecting value: line 1 column 1 (char 0))",
        "line 7 c-5: no locator.url",
        "line 5 c-4: its parent c-404 is not in the file: imported as a top-level comment",
    ]


def test_remark42_gzipped_backup_reads_the_same(target, tmp_path):
    path = tmp_path / "backup-myblog-20200602.gz"
    path.write_bytes(gzip.compress((FIXTURES / "remark42.jsonl").read_bytes()))
    summary = run_import(target, "remark42", path)
    assert summary.counts["comments_created"] == 4


# Isso ----------------------------------------------------------------------------------


@pytest.fixture
def isso_db(tmp_path):
    path = tmp_path / "comments.db"
    db = sqlite3.connect(path)
    db.executescript((FIXTURES / "isso.sql").read_text())
    db.close()
    return path


def test_isso_database(target, isso_db):
    summary = run_import(target, "isso", isso_db, base_url="https://blog.example/")
    assert summary.source == "isso"
    c = by_source(target)
    assert set(c) == {"1", "2", "3", "4", "5"}
    jo = c["1"]
    assert jo.created_at == datetime(2020, 7, 1, 10, 0, 0, 250000, tzinfo=UTC)
    assert jo.article.key == "2021~hello-world"
    assert jo.article.url == "https://blog.example/2021/hello-world/"
    assert jo.html == "<p>Nice <em>post</em>, thanks.</p>"
    assert (jo.upvotes, jo.downvotes, jo.score) == (4, 1, 3)
    assert c["2"].edited_at == datetime(2020, 7, 1, 12, 0, tzinfo=UTC)
    assert c["2"].author.display_name == "Anonymous"
    # Isso's text is what the reader typed: raw HTML in it is shown as text, as in Parley.
    assert c["2"].html == "<p>Edited reply &lt;b&gt;bold?&lt;/b&gt;</p>"
    assert c["3"].status == S.HELD
    assert c["4"].status == S.DELETED and c["4"].parent_id == c["3"].pk
    assert c["5"].body == "Cafe é, bad \ufffdbyte"  # not UTF-8: replaced, not refused
    assert [str(p) for p in summary.problems] == ["comments id 6 6: unknown mode 3"]


def test_isso_file_that_is_not_a_database(target, tmp_path):
    path = tmp_path / "comments.db"
    path.write_bytes(b"this is not sqlite")
    with pytest.raises(CommandError, match=r"Nothing imported: comments\.db is not an Isso"):
        call_command("import_comments", str(path), "--format=isso", "--site=target")


# Parley --------------------------------------------------------------------------------


def test_parley_file(target):
    summary = run_import(target, "parley", FIXTURES / "parley.jsonl")
    assert summary.source == "parley:oldsite"
    c = by_source(target)
    assert set(c) == {"10", "11"}
    first = c["10"]
    # The body is rendered again; the html in the file is never trusted.
    assert first.html == (
        "<p>Turnout looks <strong>high</strong>. &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert (first.upvotes, first.downvotes, first.featured) == (3, 1, True)
    assert c["11"].status == S.HELD
    assert c["11"].created_at == datetime(2025, 11, 1, 20, 5, tzinfo=UTC)
    assert c["11"].author.avatar_url == "https://avatars.example/ben.png"
    assert sorted(str(p) for p in summary.problems) == [
        "line 7 12: author 'nobody' is not among the commenters above",
        "line 8 13: unknown status 'approved'",
    ]


def test_parley_file_with_a_byte_order_mark_and_no_end(target, tmp_path):
    lines = (FIXTURES / "parley.jsonl").read_bytes().splitlines(keepends=True)
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(lines[:-1]))
    summary = run_import(target, "parley", path)
    assert summary.counts["comments_created"] == 2
    assert "end of file: no end line: the export may be cut short" in [
        str(p) for p in summary.problems
    ]


def test_parley_file_of_a_later_version_is_refused(target, tmp_path):
    path = tmp_path / "v2.jsonl"
    path.write_text(json.dumps({"type": "parley-export", "version": 2}) + "\n")
    with pytest.raises(CommandError, match="version 2 of the export format"):
        call_command("import_comments", str(path), "--format=parley", "--site=target")


def test_export_then_import_into_another_site_keeps_everything(target, tmp_path):
    from tests.factories import SiteFactory

    run_import(target, "disqus", FIXTURES / "disqus.xml")
    out = tmp_path / "target.jsonl"
    call_command("export_comments", "--site=target", f"--output={out}")
    copy = SiteFactory(slug="copy", max_depth=4)
    summary = run_import(copy, "parley", out)
    assert summary.problems == []
    assert summary.counts["comments_created"] == 11

    def shape(site):
        rows = Comment.objects.filter(site=site).order_by("created_at", "body")
        index = {c.pk: n for n, c in enumerate(rows)}
        return [
            (
                c.article.key,
                c.author.display_name,
                c.body,
                c.html,
                c.status,
                c.created_at,
                c.depth,
                index.get(c.parent_id),
                c.reply_count,
                c.score,
            )
            for c in rows
        ]

    assert shape(copy) == shape(target)
    before = table_counts()
    assert run_import(copy, "parley", out).counts["comments_created"] == 0
    assert table_counts() == before
    assert ImportedRecord.objects.filter(site=copy, source="parley:target").count() == 2 + 7 + 11


def test_nul_characters_and_unusable_ids(target, tmp_path):
    """PostgreSQL's text holds no NUL: it is dropped from text, and an id with one (or too
    long to record) makes its record a problem, not a failed batch."""
    header, article, ann, _ben, first, *_ = (FIXTURES / "parley.jsonl").read_text().splitlines()
    comment = json.loads(first)
    nul_body = {**comment, "id": "20", "body": "Nul\u0000 here \ud800"}
    nul_id = {**comment, "id": "2\u00001"}
    long_id = {**comment, "id": "9" * 300}
    surrogate_id = {**comment, "id": "\udc00"}
    named = json.loads(ann) | {"id": "pubZ", "display_name": "Z\u0000oe"}
    by_z = {**comment, "id": "22", "author": "pubZ"}
    path = tmp_path / "nul.jsonl"
    records = [header, article, ann, json.dumps(named)]
    records += [json.dumps(r) for r in (nul_body, nul_id, long_id, surrogate_id, by_z)]
    path.write_text("\n".join(records) + "\n")
    summary = run_import(target, "parley", path)
    c = by_source(target)
    assert set(c) == {"20", "22"}
    assert c["20"].body == "Nul here ?"  # and a lone surrogate, not UTF-8, replaced
    assert c["22"].author.display_name == "Zoe"
    assert [p.reason for p in summary.problems if not p.repaired] == [
        "an id Parley cannot store"
    ] * 3
    assert run_import(target, "parley", path).counts["comments_created"] == 0


def test_a_pending_comment_comes_in_held(target, tmp_path):
    """The sweeper would send a pending comment to moderation, and on to webhooks."""
    text = (FIXTURES / "parley.jsonl").read_text().replace('"status":"held"', '"status":"pending"')
    path = tmp_path / "pending.jsonl"
    path.write_text(text)
    summary = run_import(target, "parley", path)
    assert by_source(target)["11"].status == S.HELD
    assert "line 6 11: pending in the source: held for a moderator" in [
        str(p) for p in summary.problems
    ]
    assert not Comment.objects.filter(status=S.PENDING).exists()
