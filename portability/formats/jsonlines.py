"""Reading a JSON-lines file (optionally gzipped) line by line, with line numbers."""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..records import BadRecord, UnreadableFile


def json_lines(path: Path, progress: Any) -> Iterator[tuple[int, dict | BadRecord]]:
    """(line number, object) for each non-blank line; a line that is not a JSON object comes
    as a BadRecord in its place. `progress.done` follows the bytes read."""
    raw = path.open("rb")
    compressed = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
    try:
        for number, line in enumerate(stream, 1):
            progress.done = raw.tell()
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # a byte-order mark, as some editors write
            if not line.strip():
                continue
            try:
                value = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                yield number, BadRecord("not UTF-8")
                continue
            except ValueError as exc:
                yield number, BadRecord(f"not JSON ({exc.args[0][:80]})")
                continue
            yield number, value if isinstance(value, dict) else BadRecord("not a JSON object")
    except (OSError, EOFError) as exc:
        raise UnreadableFile(f"{path.name}: {exc}") from exc
    finally:
        stream.close()
        raw.close()
