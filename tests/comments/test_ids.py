"""Ids from URLs, query strings and forms (comments.ids)."""

import pytest

from comments.ids import parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("007", 7),
        ("9" * 18, 10**18 - 1),
        ("9" * 19, None),  # past a bigint
        ("²", None),  # str.isdigit() says yes; int() refuses it
        ("١٢", None),  # Arabic-Indic digits: int() reads them, ids are ASCII
        ("", None),
        (" 1", None),
        ("-1", None),
        ("1.0", None),
        (None, None),
        (12, None),  # only text is parsed
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
