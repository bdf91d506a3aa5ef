"""Origins of host pages: one normal form for the embed's CORS decision (embed.cors) and the
fast path's copy of it (comments.fastpath), so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` in lower case, or "" when `value` is no http(s) origin or URL."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def origin_allowed(allowed_origins: Iterable[object], origin: str | None) -> bool:
    """Whether `origin` is one of a site's allowed origins (entries that are not strings, as
    a hand-edited JSON field may hold, never match)."""
    wanted = normalize_origin(origin) if origin else ""
    return bool(wanted) and any(
        isinstance(o, str) and normalize_origin(o) == wanted for o in allowed_origins or ()
    )
