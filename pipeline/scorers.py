"""Adapters for slow classifiers the pipeline calls before the engine decides.

Each adapter speaks one protocol over HTTP and returns `{label: score}`; the pipeline puts the
result under `Context.scores[config.name]` for the policy's `score` rules. Errors are split the
way the task needs them: `ScorerUnavailable` (connection error, timeout, 5xx, 429) is worth a
retry; `ScorerFailed` (4xx, an answer we cannot read, a bad key) is not. Neither publishes a
comment: when every retry is spent the pipeline holds it for a moderator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import requests

from comments.models import Comment
from policy.engine import Context

from . import http
from .config import SiteModeration
from .models import ScorerConfig, ScorerKind
from .signing import signed_headers

USER_AGENT = "Parley/1.0 (moderation pipeline)"
AKISMET_DEFAULT_ENDPOINT = "https://rest.akismet.com/1.1/comment-check"


class ScorerError(Exception):
    """A scorer could not give an answer."""

    def __init__(self, scorer: str, message: str):
        self.scorer = scorer
        super().__init__(f"{scorer}: {message}")


class ScorerUnavailable(ScorerError):
    """Transient: the service is down, slow or overloaded. Retry with backoff."""


class ScorerFailed(ScorerError):
    """Terminal: retrying the same request would get the same refusal."""


def _post(config: ScorerConfig, **kwargs) -> requests.Response:
    try:
        response = http.post(USER_AGENT, config.endpoint, timeout=config.timeout_seconds, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise ScorerUnavailable(config.name, type(exc).__name__) from exc
    except requests.RequestException as exc:  # an invalid URL, too many redirects
        raise ScorerFailed(config.name, str(exc)[:200]) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise ScorerUnavailable(config.name, f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise ScorerFailed(config.name, f"HTTP {response.status_code}")
    return response


class AkismetScorer:
    """Akismet's `comment-check` (or any service speaking it): form fields in, "true" (spam) or
    "false" (ham) out; the header `X-akismet-pro-tip: discard` marks blatant spam.

    Labels: `spam` (1.0 or 0.0) and `discard` (1.0 when Akismet says the comment need not even
    be reviewed)."""

    def __init__(self, config: ScorerConfig, comment: Comment):
        self.config = config
        self.comment = comment
        self.name = config.name

    def form(self) -> dict[str, str]:
        comment = self.comment
        site = comment.site
        blog = (site.allowed_origins or [""])[0] or comment.article.url
        user = comment.author.user
        return {
            "api_key": self.config.key,
            "blog": blog,
            "user_ip": comment.user_ip or "",
            "user_agent": comment.user_agent,
            "permalink": comment.article.url,
            "comment_type": "reply" if comment.parent_id else "comment",
            "comment_author": comment.author.display_name,
            "comment_author_email": user.email or "",
            "comment_content": comment.body,
            "comment_date_gmt": comment.created_at.isoformat(),
            "blog_charset": "UTF-8",
        }

    def score(self, text: str, context: Context | None = None) -> Mapping[str, float]:
        response = _post(self.config, data=self.form())
        body = response.text.strip()
        if body not in ("true", "false"):
            help_text = response.headers.get("X-akismet-debug-help", "")
            raise ScorerFailed(self.name, f"unexpected answer {body[:40]!r} {help_text}".strip())
        discard = response.headers.get("X-akismet-pro-tip", "").lower() == "discard"
        return {"spam": 1.0 if body == "true" else 0.0, "discard": 1.0 if discard else 0.0}


class HttpScorer:
    """A host's own classifier: POST the comment as JSON, signed with the site's secret; the
    answer is `{"scores": {"<label>": <number>, ...}}`."""

    def __init__(self, config: ScorerConfig, comment: Comment):
        self.config = config
        self.comment = comment
        self.name = config.name

    def payload(self) -> dict:
        comment = self.comment
        return {
            "comment": {
                "id": comment.pk,
                "site": comment.site.slug,
                "article": {"key": comment.article.key, "url": comment.article.url},
                "parent": comment.parent_id,
                "author": {
                    "id": comment.author.public_id,
                    "display_name": comment.author.display_name,
                },
                "body": comment.body,
                "created_at": comment.created_at.isoformat(),
            }
        }

    def score(self, text: str, context: Context | None = None) -> Mapping[str, float]:
        body = json.dumps(self.payload(), separators=(",", ":")).encode()
        response = _post(self.config, data=body, headers=signed_headers(self.config.key, body))
        try:
            scores = response.json()["scores"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ScorerFailed(self.name, "the answer has no scores object") from exc
        if not isinstance(scores, dict):
            raise ScorerFailed(self.name, "scores is not an object")
        clean: dict[str, float] = {}
        for label, value in scores.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScorerFailed(self.name, f"score {label!r} is not a number")
            if not math.isfinite(value):
                raise ScorerFailed(self.name, f"score {label!r} is not finite")
            clean[str(label)[:64]] = float(value)
        return clean


ADAPTERS = {ScorerKind.AKISMET: AkismetScorer, ScorerKind.HTTP: HttpScorer}


def scorers_for(comment: Comment, *, config: SiteModeration, names: set[str] | None = None) -> list:
    """The site's enabled scorers (`config`, the comment's site's) for this comment, limited to
    `names` when given."""
    return [
        ADAPTERS[ScorerKind(scorer.kind)](scorer, comment)
        for scorer in config.scorers
        if names is None or scorer.name in names
    ]


def run_scorers(comment: Comment, scorers: list) -> dict[str, dict[str, float]]:
    """Call every scorer; the first error propagates (the whole task retries, so a result is
    never half-scored)."""
    return {scorer.name: dict(scorer.score(comment.body, None)) for scorer in scorers}
