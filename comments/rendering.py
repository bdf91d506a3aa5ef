"""Reader text to safe HTML: a small Markdown subset, then nh3 as the last word."""

import nh3
from markdown_it import MarkdownIt

# The subset readers get: emphasis, links, quotes and line breaks. Raw HTML is text.
_markdown = MarkdownIt("zero", {"breaks": True, "html": False}).enable(
    ["emphasis", "link", "autolink", "blockquote", "newline", "escape"]
)
# The tokenizer and renderer keep no per-call state, so one instance serves every thread.

_ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote"}
# "*" replaces ammonia's default generic attributes (lang, title) with none.
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
_URL_SCHEMES = {"http", "https", "mailto"}


def render_body(body: str) -> str:
    """Render a comment body; the result is safe to insert into a page as HTML."""
    raw = _markdown.render(body)
    return nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    ).strip()
