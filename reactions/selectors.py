"""Reads: which reactions a site offers, and the counts (and the viewer's own) per comment."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count

from comments.models import Commenter, CommentStatus, Site

from .kinds import KINDS, Kind
from .models import Reaction, SiteReactions


def site_reaction_kinds(site: Site) -> list[Kind]:
    """The kinds `site` offers, in its order; empty when it has not turned reactions on."""
    row = SiteReactions.objects.filter(site=site).values_list("kinds", flat=True).first()
    return [KINDS[k] for k in (row or []) if k in KINDS]


def reactions_for(
    *, site: Site, comment_ids: Iterable[int], viewer: Commenter | None
) -> dict[int, dict]:
    """Per published comment of `site` among `comment_ids`: {"counts": {kind: n}, "yours":
    kind or None}. Comments that are not published on this site are left out (never a hint
    they exist). Two queries: the counts, and the viewer's own reactions."""
    ids = list(dict.fromkeys(comment_ids))
    found = (
        Reaction.objects.filter(
            comment_id__in=ids, comment__site=site, comment__status=CommentStatus.PUBLISHED
        )
        .values_list("comment_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for comment_id, kind, n in found:
        counts[comment_id][kind] = n
    yours: dict[int, str] = {}
    if viewer is not None and ids:
        yours = dict(
            Reaction.objects.filter(comment_id__in=ids, reactor=viewer).values_list(
                "comment_id", "kind"
            )
        )
    return {
        cid: {"counts": counts.get(cid, {}), "yours": yours.get(cid)}
        for cid in ids
        if cid in counts or cid in yours
    }
