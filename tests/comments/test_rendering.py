"""Nothing a reader writes is served as executable HTML."""

from html.parser import HTMLParser

import pytest

from comments.models import Comment
from comments.rendering import render_body

from .conftest import comment_url, thread_url

REL = 'rel="nofollow ugc noopener"'

CASES = [
    # Markdown that readers get.
    ("**b** _i_", "<p><strong>b</strong> <em>i</em></p>"),
    ("> quote", "<blockquote>\n<p>quote</p>\n</blockquote>"),
    ("a\nb", "<p>a<br>\nb</p>"),
    ("[x](https://example.com)", f'<p><a href="https://example.com" {REL}>x</a></p>'),
    (
        "<https://example.com>",
        f'<p><a href="https://example.com" {REL}>https://example.com</a></p>',
    ),
    ('[x](https://example.com "title")', f'<p><a href="https://example.com" {REL}>x</a></p>'),
    ("[x](mailto:a@b.example)", f'<p><a href="mailto:a@b.example" {REL}>x</a></p>'),
    # Raw HTML is text.
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ("<svg/onload=alert(1)>", "<p>&lt;svg/onload=alert(1)&gt;</p>"),
    ("<iframe src=x></iframe>", "<p>&lt;iframe src=x&gt;&lt;/iframe&gt;</p>"),
    ("<style>*{}</style>", "<p>&lt;style&gt;*{}&lt;/style&gt;</p>"),
    ('<a href="https://x">x</a>', '<p>&lt;a href="https://x"&gt;x&lt;/a&gt;</p>'),
    ("<!-- c -->", "<p>&lt;!-- c --&gt;</p>"),
    ("&lt;script&gt;", "<p>&amp;lt;script&amp;gt;</p>"),
    # Dangerous link targets never become links.
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"),
    ("[x](  javascript:alert(1))", "<p>[x](  javascript:alert(1))</p>"),
    ("[x](<javascript:alert(1)>)", "<p>[x](&lt;javascript:alert(1)&gt;)</p>"),
    ("[x](java&#x73;cript:alert(1))", "<p>[x](java&amp;#x73;cript:alert(1))</p>"),
    ("[x](vbscript:msgbox)", "<p>[x](vbscript:msgbox)</p>"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>"),
    ("[x](ftp://e.example)", f"<p><a {REL}>x</a></p>"),
    ('[x](https://e.example" onmouseover="alert(1))', None),
    # Images are not part of the subset: at most a link to the picture.
    (
        "![img](https://evil.example/x.png)",
        f'<p>!<a href="https://evil.example/x.png" {REL}>img</a></p>',
    ),
    ("![img](javascript:alert(1))", "<p>![img](javascript:alert(1))</p>"),
    ("![img](data:image/png;base64,iVBORw0KGgo=)", None),
    # Neither headings nor code: plain text.
    ("# h1", "<p># h1</p>"),
    ("`code`", "<p>`code`</p>"),
]


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in {"p", "br", "em", "strong", "a", "blockquote"}, html
        if tag != "a":
            assert attrs == {}, html
            continue
        assert set(attrs) <= {"href", "rel"}, html
        assert attrs["rel"] == "nofollow ugc noopener", html
        href = (attrs.get("href") or "https:").strip().lower()
        assert href.startswith(("https:", "http:", "mailto:", "//")), html


@pytest.mark.parametrize(("body", "html"), CASES)
def test_render_body(body, html):
    rendered = render_body(body)

    if html is not None:
        assert rendered == html
    assert_inert(rendered)


def test_posted_comments_are_stored_and_served_sanitised(reader_api, api, article):
    body = "<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.com)"

    response = reader_api.post(thread_url(article), {"body": body}, format="json")

    assert response.status_code == 201
    expected = (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) "
        f'<a href="https://example.com" {REL}>ok</a></p>'
    )
    comment = Comment.objects.get()
    assert comment.body == body  # the reader's words are kept as written
    assert comment.html == expected
    thread = api.get(thread_url(article))
    permalink = api.get(comment_url(comment))
    assert thread["Content-Type"] == permalink["Content-Type"] == "application/json"
    assert thread.json()["results"][0]["html"] == expected
    assert permalink.json()["html"] == expected


def test_edits_are_sanitised_too(reader_api, article):
    comment_id = reader_api.post(thread_url(article), {"body": "ok"}, format="json").json()["id"]

    response = reader_api.patch(
        comment_url(comment_id), {"body": "<img src=x onerror=alert(1)>"}, format="json"
    )

    assert response.json()["html"] == "<p>&lt;img src=x onerror=alert(1)&gt;</p>"
