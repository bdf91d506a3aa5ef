"""Imported HTML to Parley's body format (portability.bodies), then the live renderer: what
survives, what becomes text, and that nothing executable comes out."""

import re

import pytest

from comments.rendering import render_body
from portability.bodies import html_to_body


@pytest.mark.parametrize(
    ("html", "body"),
    [
        ("<p>Plain words.</p>", "Plain words."),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("line<br>break", "line\nbreak"),
        ("<b>bold</b> and <strong>strong</strong>", "**bold** and **strong**"),
        ("<i>it</i> and <em>em</em>", "*it* and *em*"),
        ('<a href="https://x.example/a_b">a link</a>', "[a link](https://x.example/a_b)"),
        ('<a href="mailto:ed@x.example">write</a>', "[write](mailto:ed@x.example)"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href="JaVa&#x53;cript:alert(1)">click</a>', "click"),
        ('<a href="data:text/html,x">data</a>', "data"),
        ('<a href="/relative">here</a>', "here"),
        ("<blockquote>quoted <b>words</b></blockquote>after", "> quoted **words**\n\nafter"),
        ("<ul><li>one</li><li>two</li></ul>", "one\n\ntwo"),
        ("<h2>Title</h2>text", "Title\n\ntext"),
        ("<script>alert(1)</script>kept", "kept"),
        ("<style>p{}</style>kept", "kept"),
        ('<img src="x" onerror="alert(1)">', ""),
        ("5 * 3 = 15 and a_b [x]", "5 \\* 3 = 15 and a\\_b \\[x\\]"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "\\<script\\>alert(1)\\</script\\>"),
        ("&amp; &eacute; &#128512;", "& é 😀"),
        ("<p>unclosed <b>bold", "unclosed **bold"),
        ("   spaced \n\n  out   ", "spaced out"),
    ],
)
def test_html_to_body(html, body):
    assert html_to_body(html) == body


def test_newlines_are_breaks_when_the_source_says_so():
    assert html_to_body("one\ntwo\n\nthree", newlines=True) == "one\ntwo\n\nthree"
    assert html_to_body("one\ntwo\n\nthree") == "one two three"


VECTORS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<svg onload="alert(1)"><circle/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    "<p style=\"background:url('javascript:alert(1)')\">x</p>",
    '<a href="https://x.example/)](javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "<<script>script>alert(1)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("html", VECTORS)
def test_nothing_executable_comes_out(html):
    """Text may still read "javascript:" (as text, harmless); no tag, handler or link is."""
    out = render_body(html_to_body(html))
    assert not re.search(r"<(script|iframe|svg|img|style|math)", out, re.I)
    assert not re.search(r"\son\w+\s*=", out, re.I)
    for href in re.findall(r'href="([^"]*)"', out):
        assert href.startswith(("https://", "http://", "mailto:"))
