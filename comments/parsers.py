import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """JSON that is malformed, too deeply nested or not UTF-8 is a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            raw = stream.read() if stream is not None else b""
            return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError as exc:
            raise ParseError("The JSON document is nested too deeply.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")
