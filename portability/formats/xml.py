"""Streaming, safe XML for the Disqus and WordPress readers.

defusedxml refuses entity declarations (the "billion laughs"), external entities and DTD
fetches: an export file is untrusted input. A bare `<!DOCTYPE>` naming no entity is read.
Elements are read one subtree at a time (`iterparse`) and cleared after use, so memory does
not grow with the file.
"""

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from ..records import BadRecord


@cache
def local(tag: str) -> str:
    """A tag or attribute name without its namespace (a file has few: cached)."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element | None) -> dict[str, Element]:
    """An element's children by local name (the first of each name)."""
    if element is None:
        return {}
    found: dict[str, Element] = {}
    for item in element:
        found.setdefault(local(item.tag), item)
    return found


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def text(element: Element | None, name: str | None = None) -> str:
    if element is not None and name is not None:
        element = child(element, name)
    return (element.text or "").strip() if element is not None else ""


def raw_text(element: Element | None, name: str) -> str:
    found = child(element, name) if element is not None else None
    return found.text or "" if found is not None else ""


def attribute(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if local(key) == name:
            return value.strip()
    return ""


@contextmanager
def open_export(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """(the file as read, its bytes): a gzipped export (Disqus sends one) is read as it is.
    The first is for progress (`tell`), the second for the parser."""
    with path.open("rb") as raw:
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield raw, unzipped  # type: ignore[misc]
        else:
            raw.seek(0)
            yield raw, raw


class XMLError(Exception):
    """The file is not well-formed or not safe XML: nothing after the error can be read."""


def elements(stream: IO[bytes], names: set[str], *, level: int) -> Iterator[Element]:
    """Each complete element at `level` (1: the root's children) whose local name is in
    `names`, in document order, for the length of the caller's loop body; then it is dropped
    from the tree."""
    stack: list[Element] = []
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=False):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            if len(stack) == level and local(element.tag) in names:
                yield element
                element.clear()
                if stack:
                    stack[-1].remove(element)
    except (ParseError, DefusedXmlException) as exc:
        raise XMLError(str(exc) or type(exc).__name__) from exc


__all__ = [
    "BadRecord", "XMLError", "attribute", "child", "children", "elements", "local", "open_export",
    "raw_text", "text",
]  # fmt: skip
