"""The clauses a reader may cite: those of the site's policy in force.

Named in settings.PARLEY_POLICY_CLAUSES so that comments (reader reports) can ask without
importing policy.
"""

from comments.models import Site

from .services import site_policy


def site_clauses(site: Site) -> dict[str, str]:
    """Clause id -> clause title, in the order of the policy document."""
    policy = site_policy(site=site).engine.policy
    return {clause.id: clause.title for clause in policy.clauses}
