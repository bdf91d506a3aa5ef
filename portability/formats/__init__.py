"""One reader per export format; `reader_for` picks it by the `--format` name."""

from datetime import tzinfo
from pathlib import Path

from ..records import Reader
from .disqus import DisqusReader
from .isso import IssoReader
from .parley import ParleyReader
from .remark42 import Remark42Reader
from .wordpress import WordPressReader

FORMATS = ("parley", "disqus", "wordpress", "remark42", "isso")


def reader_for(
    name: str, path: Path, *, base_url: str = "", local_tz: tzinfo | None = None
) -> Reader:
    if name == "parley":
        return ParleyReader(path)
    if name == "disqus":
        return DisqusReader(path)
    if name == "wordpress":
        return WordPressReader(path, local_tz=local_tz)
    if name == "remark42":
        return Remark42Reader(path)
    if name == "isso":
        return IssoReader(path, base_url=base_url)
    raise ValueError(f"unknown format {name!r}")
