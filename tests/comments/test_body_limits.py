"""A comment body: one length limit (PARLEY_BODY_MAX_CHARS, in characters), the same for posting
and editing and declared in the schema, and at least one visible character."""

import io
import json

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from comments.models import Comment, Site

from ..factories import CommentFactory
from .conftest import assert_error, comment_url, thread_url

LIMIT = 5000

# One character of each width in UTF-8 (1 to 4 bytes); the last is an emoji outside the Basic
# Multilingual Plane, two UTF-16 code units (a surrogate pair when JSON-escaped).
CHARACTERS = pytest.mark.parametrize("char", ["x", "é", "€", "\N{GRINNING FACE}"])

# Each kind of character that shows nothing by itself.
INVISIBLE = pytest.mark.parametrize(
    "invisible",
    [
        pytest.param("\u200b", id="zero-width-space"),
        pytest.param("\u200c", id="zero-width-non-joiner"),
        pytest.param("\u200d", id="zero-width-joiner"),
        pytest.param("\u2060", id="word-joiner"),
        pytest.param("\ufeff", id="bom"),
        pytest.param("\u00ad", id="soft-hyphen"),
        pytest.param("\u202e", id="right-to-left-override"),
        pytest.param("\u180e", id="mongolian-vowel-separator"),
        pytest.param("\U000e0041", id="tag-character"),
        pytest.param("\ufe0f", id="variation-selector"),
        pytest.param("\u034f", id="combining-grapheme-joiner"),
        pytest.param("\u3164", id="hangul-filler"),
        pytest.param("\u2800", id="braille-blank"),
        pytest.param("\u0007", id="control-character"),
        pytest.param("\u00a0", id="no-break-space"),
        pytest.param("\u3000", id="ideographic-space"),
        pytest.param("\u200b \u200d\n\ufeff\u00ad\t\u2060", id="mixed-with-whitespace"),
    ],
)


def _post(reader_api, article, body: str):
    return reader_api.post(thread_url(article), {"body": body}, format="json")


def _edit(reader_api, comment, body: str):
    return reader_api.patch(comment_url(comment), {"body": body}, format="json")


def test_the_limit_is_one_setting_and_every_sites_default():
    assert settings.PARLEY_BODY_MAX_CHARS == LIMIT
    assert Site._meta.get_field("max_body_chars").default == LIMIT


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/sites/{site}/articles/{key}/comments/", "post"),
        ("/api/v1/comments/{comment_id}/", "patch"),
    ],
)
def test_the_schema_declares_the_limit_for_posting_and_editing(path, method):
    out = io.StringIO()
    call_command("spectacular", "--urlconf", "tests.comments.reader_urls", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert component["properties"]["body"] == {"type": "string", "maxLength": LIMIT}


@CHARACTERS
def test_a_body_exactly_at_the_limit_is_accepted(reader_api, article, char):
    response = _post(reader_api, article, char * LIMIT)

    assert response.status_code == 201, response.content
    assert Comment.objects.get().body == char * LIMIT


@CHARACTERS
def test_a_body_at_the_limit_fits_the_request_size_even_fully_escaped(reader_api, article, char):
    # ensure_ascii: every character as \uXXXX, an emoji as a surrogate pair (12 bytes).
    raw = json.dumps({"body": char * LIMIT})
    assert len(raw) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = reader_api.post(thread_url(article), raw, content_type="application/json")

    assert response.status_code == 201, response.content
    assert Comment.objects.get().body == char * LIMIT


def test_the_request_size_limit_leaves_room_for_a_fully_escaped_body():
    # 12 bytes per character (a surrogate pair escaped) and room for the rest of the document.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 12 * settings.PARLEY_BODY_MAX_CHARS + 1024


@CHARACTERS
def test_one_character_more_is_refused(reader_api, article, unchanged, char):
    with unchanged():
        response = _post(reader_api, article, char * (LIMIT + 1))

    error = assert_error(response, 400, "body_too_long")
    assert error["detail"] == {"max_chars": LIMIT, "chars": LIMIT + 1}
    assert str(LIMIT) in error["message"]


def test_far_above_the_limit_is_refused_the_same_way(reader_api, article, unchanged):
    with unchanged():
        response = _post(reader_api, article, "x" * 100_001)

    error = assert_error(response, 400, "body_too_long")
    assert error["detail"] == {"max_chars": LIMIT, "chars": 100_001}


def test_a_lower_site_limit_answers_the_same_way(reader_api, article, unchanged):
    Site.objects.filter(pk=article.site_id).update(max_body_chars=100)

    with unchanged():
        response = _post(reader_api, article, "x" * 101)

    error = assert_error(response, 400, "body_too_long")
    assert error["detail"] == {"max_chars": 100, "chars": 101}


def test_a_site_limit_above_the_apis_does_not_raise_it(reader_api, article, unchanged):
    Site.objects.filter(pk=article.site_id).update(max_body_chars=LIMIT * 2)

    with unchanged():
        response = _post(reader_api, article, "x" * (LIMIT + 1))

    assert assert_error(response, 400, "body_too_long")["detail"]["max_chars"] == LIMIT


@INVISIBLE
def test_a_body_of_invisible_characters_only_is_refused(reader_api, article, unchanged, invisible):
    with unchanged():
        response = _post(reader_api, article, invisible * 3)

    assert_error(response, 400, "empty_body")


@INVISIBLE
def test_invisible_characters_beside_visible_text_are_kept(reader_api, article, invisible):
    response = _post(reader_api, article, f"Hi{invisible}there")

    assert response.status_code == 201, response.content
    assert Comment.objects.get().body == f"Hi{invisible}there"


@pytest.mark.parametrize("body", ["\N{GRINNING FACE}", "\N{COMBINING ACUTE ACCENT}e", "0", "."])
def test_short_visible_bodies_are_accepted(reader_api, article, body):
    response = _post(reader_api, article, body)

    assert response.status_code == 201, response.content


# Editing obeys the same rules.


@CHARACTERS
def test_an_edit_exactly_at_the_limit_is_accepted(reader_api, article, reader, char):
    comment = CommentFactory(article=article, author=reader, body="Short")

    response = _edit(reader_api, comment, char * LIMIT)

    assert response.status_code == 200, response.content
    comment.refresh_from_db()
    assert comment.body == char * LIMIT


@CHARACTERS
def test_an_edit_one_character_over_is_refused(reader_api, article, reader, unchanged, char):
    comment = CommentFactory(article=article, author=reader, body="Short")

    with unchanged():
        response = _edit(reader_api, comment, char * (LIMIT + 1))

    error = assert_error(response, 400, "body_too_long")
    assert error["detail"] == {"max_chars": LIMIT, "chars": LIMIT + 1}


@INVISIBLE
def test_an_edit_to_invisible_characters_only_is_refused(
    reader_api, article, reader, unchanged, invisible
):
    comment = CommentFactory(article=article, author=reader, body="Visible")

    with unchanged():
        response = _edit(reader_api, comment, invisible * 3)

    assert_error(response, 400, "empty_body")
