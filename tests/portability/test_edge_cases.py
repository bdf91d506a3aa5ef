"""The same edge cases in every format: a cycle of parents, a duplicate id, a reply to a
comment that is not in the file. Small files written here in each format's shape."""

import json
import sqlite3

import pytest

from comments.models import Comment

from .conftest import FIXTURES, run_import
from .test_disqus import by_source


def wordpress(path):
    def comment(cid, parent, text):
        return (
            f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
            f"<wp:comment_author>A{cid}</wp:comment_author>"
            "<wp:comment_date_gmt>2020-01-01 10:00:00</wp:comment_date_gmt>"
            f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content>"
            "<wp:comment_approved>1</wp:comment_approved>"
            f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
        )

    items = "".join(
        [
            comment(1, 2, "cycle one"),
            comment(2, 1, "cycle two"),
            comment(3, 0, "first three"),
            comment(3, 0, "second three"),
            comment(4, 99, "orphan"),
        ]
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:wp="http://wordpress.org/export/1.2/">'
        "<channel><wp:base_site_url>https://b.example</wp:base_site_url><item>"
        "<link>https://b.example/p/</link><wp:post_id>5</wp:post_id>"
        f"{items}</item></channel></rss>"
    )


def remark42(path):
    def line(cid, pid, text):
        return json.dumps(
            {
                "id": cid,
                "pid": pid,
                "text": f"<p>{text}</p>",
                "user": {"id": f"u{cid}", "name": f"U{cid}"},
                "locator": {"site": "s", "url": "https://b.example/p/"},
                "time": "2020-01-01T10:00:00Z",
            }
        )

    path.write_text(
        "\n".join(
            [
                json.dumps({"version": 1, "users": [], "posts": []}),
                line("1", "2", "cycle one"),
                line("2", "1", "cycle two"),
                line("3", "", "first three"),
                line("3", "", "second three"),
                line("4", "99", "orphan"),
            ]
        )
    )


def isso(path):
    db = sqlite3.connect(path)
    db.executescript((FIXTURES / "isso.sql").read_text().split("INSERT INTO threads")[0])
    db.execute("INSERT INTO threads VALUES (1, '/p/', 'P')")
    # Isso's ids are a primary key: no duplicates; a cycle and an orphan are still possible.
    rows = [(1, 2, "cycle one"), (2, 1, "cycle two"), (3, None, "three"), (4, 99, "orphan")]
    for cid, parent, text in rows:
        db.execute(
            "INSERT INTO comments (tid, id, parent, created, mode, text, author, voters) "
            "VALUES (1, ?, ?, 1577872800, 1, ?, 'A', x'00')",
            (cid, parent, text),
        )
    db.commit()
    db.close()


def parley(path):
    lines = (FIXTURES / "parley.jsonl").read_text().splitlines()[:4]

    def comment(cid, parent, text):
        return json.dumps(
            {
                "type": "comment",
                "id": cid,
                "article": "1",
                "parent": parent,
                "author": "pubA",
                "body": text,
                "status": "published",
                "created_at": "2025-11-01T21:00:00Z",
            }
        )

    lines += [
        comment("1", "2", "cycle one"),
        comment("2", "1", "cycle two"),
        comment("3", None, "first three"),
        comment("3", None, "second three"),
        comment("4", "99", "orphan"),
        json.dumps({"type": "end", "counts": {}}),
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("fmt", "write", "duplicates"),
    [
        ("wordpress", wordpress, True),
        ("remark42", remark42, True),
        ("isso", isso, False),
        ("parley", parley, True),
    ],
)
def test_cycles_duplicates_and_orphans(target, tmp_path, fmt, write, duplicates):
    path = tmp_path / f"export.{fmt}"
    write(path)
    summary = run_import(target, fmt, path)
    c = by_source(target)
    assert set(c) == {"1", "2", "3", "4"}
    # The cycle is broken at its first comment in the file, which becomes top-level.
    assert c["1"].parent_id is None and c["2"].parent_id == c["1"].pk
    assert c["4"].parent_id is None
    reasons = sorted(p.reason for p in summary.problems)
    expected = [
        "its parent 99 is not in the file: imported as a top-level comment",
        "its replies' chain of parents is a cycle: imported as a top-level comment",
    ]
    if duplicates:
        expected.insert(0, "duplicate comment id")
        assert "first three" in c["3"].body
    assert reasons == expected
    assert Comment.objects.count() == 4
