"""The clauses a reader may cite: those of the site's policy in force.

Registered in comments.hooks by policy.apps, so that comments (reader reports) can ask without
importing policy.
"""

from comments.models import Site

from .services import site_policy


def site_clauses(site: Site) -> dict[str, str]:
    """Clause id -> clause title, in the order of the policy document."""
    policy = site_policy(site=site).engine.policy
    return {clause.id: clause.title for clause in policy.clauses}
