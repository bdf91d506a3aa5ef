"""Database ids as they arrive in URLs, query strings and forms."""

# No number of at most 18 digits overflows a bigint (or SQLite's INTEGER).
ID_DIGITS = 18
ID_REGEX = rf"[0-9]{{1,{ID_DIGITS}}}"


def parse_id(raw: object) -> int | None:
    """``raw`` as an id (or a count), or None: 1 to 18 ASCII digits. ``str.isdigit`` alone
    also accepts "²", which ``int`` refuses, and a longer number overflows the database."""
    if isinstance(raw, str) and 0 < len(raw) <= ID_DIGITS and raw.isascii() and raw.isdigit():
        return int(raw)
    return None
