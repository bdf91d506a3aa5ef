"""How the queue shows a comment to a moderator: escaped text with the evidence marked.

Everything a reader wrote is escaped here; markup is built with format_html only, never
mark_safe on reader text.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
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


def hits_html(decision: ModerationDecision | None) -> SafeString:
    """The clauses that fired, with their evidence and the scorers' scores."""
    if decision is None:
        return format_html('<span class="pm-muted">{}</span>', "No engine decision yet.")
    hits = [h for h in (decision.hits or []) if isinstance(h, dict)]
    rows = format_html_join(
        "",
        '<li class="pm-hit pm-hit-{}"><span class="pm-clause" data-clause="{}">§{} {}</span>'
        ' <span class="pm-action">{}</span> <span class="pm-rule">{}</span>{}</li>',
        (
            (
                hit.get("action", ""),
                hit.get("clause_id", ""),
                hit.get("clause_number", ""),
                hit.get("clause_title", ""),
                hit.get("action", ""),
                hit.get("rule", ""),
                format_html_join(
                    "",
                    '<br><span class="pm-evidence-item">{}: {}</span>',
                    _evidence_items(hit.get("evidence") or {}),
                ),
            )
            for hit in hits
        ),
    )
    scores = format_html_join(
        ", ",
        "{} {}",
        (
            (f"{name}/{label}", f"{value:.2f}" if isinstance(value, float) else value)
            for name, labels in (decision.scores or {}).items()
            if isinstance(labels, dict)
            for label, value in labels.items()
        ),
    )
    return format_html(
        '<div class="pm-decision">Engine: <b>{}</b>{} <span class="pm-muted">(policy v{})'
        '</span></div><ul class="pm-hits">{}</ul>{}',
        decision.action,
        format_html(" under “{}”", decision.clause_title) if decision.clause_title else "",
        decision.policy_version_number or "?",
        rows,
        format_html('<div class="pm-scores">Scores: {}</div>', scores) if scores else "",
    )


def reports_html(reports: list[Report], open_ids: set[int]) -> SafeString:
    if not reports:
        return SafeString("")
    return format_html(
        '<div class="pm-reports"><b>Reports ({} open)</b><ul>{}</ul></div>',
        len(open_ids),
        format_html_join(
            "",
            '<li class="{}">{} cites <span class="pm-clause">{}</span>{}</li>',
            (
                (
                    "pm-open" if r.pk in open_ids else "pm-closed",
                    r.reporter.display_name,
                    r.clause_id,
                    format_html(": “{}”", r.note) if r.note else "",
                )
                for r in reports
            ),
        ),
    )


def parent_html(comment: Comment) -> SafeString:
    parent = comment.parent
    if parent is None:
        return SafeString("")
    body = parent.body if len(parent.body) <= 200 else parent.body[:199] + "…"
    return format_html(
        '<blockquote class="pm-parent">In reply to {} ({}): {}</blockquote>',
        parent.author.display_name,
        parent.status,
        body,
    )


def age(value: datetime) -> str:
    return timesince(value, timezone.now()).split(",")[0]
