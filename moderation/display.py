"""How the queue shows a comment to a moderator: escaped text with the evidence marked.

Everything a reader wrote is escaped: the body here (escape and format_html, never mark_safe
on reader text), everything else by the auto-escaping templates in admin/moderation/queuecomment/.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from comments.models import Comment, Report
from pipeline.models import ModerationDecision

EVIDENCE_TEXT_LIMIT = 80
# The evidence key holding [start, end, text] ranges of the body, as every rule writes it
# (docs/policy-format.md).
SPAN_KEYS = ("matches",)


def evidence_spans(hits: Iterable[dict[str, Any]], body: str) -> list[tuple[int, int]]:
    """Character ranges of `body` that the rules matched, sorted and merged.

    A span is [start, end, text] over the original text (under SPAN_KEYS in the evidence);
    one that no longer fits the body (edited since) is looked up by its text, or dropped.
    """
    ranges: list[tuple[int, int]] = []
    for hit in hits:
        evidence = hit.get("evidence") if isinstance(hit, dict) else None
        if not isinstance(evidence, dict):
            continue
        spans = [
            s for key in SPAN_KEYS if isinstance(evidence.get(key), list) for s in evidence[key]
        ]
        for span in spans:
            if not (isinstance(span, (list, tuple)) and len(span) >= 2):
                continue
            start, end = span[0], span[1]
            text = span[2] if len(span) > 2 and isinstance(span[2], str) else None
            if not (isinstance(start, int) and isinstance(end, int)):
                continue
            if not (0 <= start < end <= len(body)) or (text and body[start:end] != text):
                if not text:
                    continue
                start = body.find(text)
                if start < 0:
                    continue
                end = start + len(text)
            ranges.append((start, end))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlighted(body: str, hits: Iterable[dict[str, Any]]) -> SafeString:
    """The body, escaped, with each matched span wrapped in <mark>."""
    parts: list[str] = []
    position = 0
    for start, end in evidence_spans(hits, body):
        parts.append(escape(body[position:start]))
        parts.append(format_html('<mark class="pm-evidence">{}</mark>', body[start:end]))
        position = end
    parts.append(escape(body[position:]))
    return SafeString("".join(parts))  # every part above is escaped or format_html


def _evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in evidence.items():
        if key in SPAN_KEYS and isinstance(value, list):
            texts = [str(s[2]) for s in value if isinstance(s, (list, tuple)) and len(s) > 2]
            if texts:
                items.append(("matched", ", ".join(f"“{t}”" for t in texts)))
            continue
        if isinstance(value, float):
            text = f"{value:.2f}"
        elif isinstance(value, dict):
            text = ", ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()
            )
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        if len(text) > EVIDENCE_TEXT_LIMIT:
            text = text[: EVIDENCE_TEXT_LIMIT - 1] + "…"
        items.append((str(key), text))
    return items


TEMPLATES = "admin/moderation/queuecomment"


def hits_html(decision: ModerationDecision | None) -> SafeString:
    """The clauses that fired, with their evidence and the scorers' scores."""
    hits = [
        {
            "action": hit.get("action", ""),
            "clause_id": hit.get("clause_id", ""),
            "clause_number": hit.get("clause_number", ""),
            "clause_title": hit.get("clause_title", ""),
            "rule": hit.get("rule", ""),
            "evidence": _evidence_items(hit.get("evidence") or {}),
        }
        for hit in ((decision.hits or []) if decision else [])
        if isinstance(hit, dict)
    ]
    scores = [
        f"{name}/{label} {value:.2f}" if isinstance(value, float) else f"{name}/{label} {value}"
        for name, labels in ((decision.scores or {}) if decision else {}).items()
        if isinstance(labels, dict)
        for label, value in labels.items()
    ]
    context = {"decision": decision, "hits": hits, "scores": scores}
    return render_to_string(f"{TEMPLATES}/hits.html", context)


def reports_html(reports: list[Report], open_ids: set[int]) -> SafeString:
    context = {
        "reports": [(r, r.pk in open_ids) for r in reports],
        "open_count": len(open_ids),
    }
    return render_to_string(f"{TEMPLATES}/reports.html", context)


def parent_html(comment: Comment) -> SafeString:
    parent = comment.parent
    body = ""
    if parent is not None:
        body = parent.body if len(parent.body) <= 200 else parent.body[:199] + "…"
    context = {"parent": parent, "body": body}
    return render_to_string(f"{TEMPLATES}/parent.html", context)


def age(value: datetime) -> str:
    return timesince(value, timezone.now()).split(",")[0]
