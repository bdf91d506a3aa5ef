"""Comment HTML from other systems to Parley's body format, which `render_body` then renders.

Parley stores what a reader typed (a small Markdown subset: emphasis, links, quotes, line
breaks) and renders it through `comments.rendering.render_body`, whose last word is nh3. An
imported comment takes the same path, so its HTML is exactly as safe as a live one's: the
source HTML is never stored or served; only its text, emphasis, links (http, https, mailto)
and quotes survive, as Markdown. Markup the subset lacks (lists, headings, images, tables)
becomes its text. Parsed with the standard library's HTMLParser, which fetches nothing.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Markdown punctuation the renderer would read as markup; escaped so text stays text.
_SPECIAL = re.compile(r"([\\*_\[\]<>`])")
_BLOCK_TAGS = {
    "p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "tr",
    "hr", "section", "article", "header", "footer", "figure", "dl", "dt", "dd",
}  # fmt: skip
_DROPPED_TAGS = {"script", "style", "head", "title", "template", "iframe", "object", "svg"}
_STRONG = {"strong", "b"}
_EMPHASIS = {"em", "i"}
_SCHEMES = {"http", "https", "mailto"}


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


class _Converter(HTMLParser):
    def __init__(self, *, newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.newlines = newlines
        # A stack of buffers: a quote or a link collects its content before it is written.
        self.stack: list[list[str]] = [[]]
        self.links: list[str | None] = []
        self.dropping = 0
        self.pre = 0

    @property
    def out(self) -> list[str]:
        return self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self.dropping += 1
        elif self.dropping:
            return
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK_TAGS:
            self.pre += tag == "pre"
            self.out.append("\n\n")
        elif tag in _STRONG:
            self.out.append("**")
        elif tag in _EMPHASIS:
            self.out.append("*")
        elif tag == "blockquote":
            self.stack.append([])
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            scheme = urlsplit(href).scheme.lower() if href else ""
            self.links.append(href if scheme in _SCHEMES else None)
            self.stack.append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr") and not self.dropping:
            self.out.append("\n" if tag == "br" else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self.dropping = max(0, self.dropping - 1)
        elif self.dropping:
            return
        elif tag in _BLOCK_TAGS:
            self.pre -= tag == "pre" and self.pre > 0
            self.out.append("\n\n")
        elif tag in _STRONG:
            self.out.append("**")
        elif tag in _EMPHASIS:
            self.out.append("*")
        elif tag == "blockquote" and len(self.stack) > 1:
            inner = _tidy("".join(self.stack.pop()))
            quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
            self.out.append(f"\n\n{quoted}\n\n")
        elif tag == "a" and self.links and len(self.stack) > 1:
            href = self.links.pop()
            text = "".join(self.stack.pop()).strip()
            if href and text:
                self.out.append(f"[{text}]({href.replace(')', '%29').replace(' ', '%20')})")
            else:
                self.out.append(text)

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if not (self.newlines or self.pre):
            data = re.sub(r"\s+", " ", data)
        self.out.append(escape_markdown(data))

    def result(self) -> str:
        while len(self.stack) > 1:  # unclosed quotes and links keep their text
            inner = "".join(self.stack.pop())
            self.out.append(inner)
        return _tidy("".join(self.stack[0]))


def _tidy(text: str) -> str:
    lines = [line.strip(" \t") for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_body(html: str, *, newlines: bool = False) -> str:
    """The body a reader would have typed for this HTML. `newlines`: line breaks in the text
    are breaks (WordPress stores comments that way), not just whitespace (Disqus, Remark42)."""
    converter = _Converter(newlines=newlines)
    converter.feed(html)
    converter.close()
    return converter.result()
