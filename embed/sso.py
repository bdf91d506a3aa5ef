"""Checking a host's single sign-on token (JWT, HS256). No database: claims in, claims out."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import jwt

from comments.errors import InvalidInput
from policy.documents import default_policy_source
from policy.engine import RULE_KINDS, Context, Policy, load_policy
from policy.engine.lexicon import Matcher
from policy.engine.normalise import Analysis
from policy.engine.rules import Rule

from .errors import (
    SSOTokenExpired,
    SSOTokenMissingClaims,
    SSOTokenRefused,
    SSOTokenTooLongLived,
    SSOTokenWrongSite,
)

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "name", "aud", "iat", "exp", "jti")
MAX_TOKEN_CHARS = 4096
# PyJWT 2.10+ checks that `sub` and `jti` are strings; older releases leave it to us (below).
_CLAIM_TYPE_ERRORS = tuple(
    getattr(jwt.exceptions, name)
    for name in ("InvalidSubjectError", "InvalidJTIError")
    if hasattr(jwt.exceptions, name)
)


# Names that pass for the site's staff: "Moderator", "Adm1n", "Parley staff", "M0D TEAM".
STAFF_NAMES = (
    "moderator", "moderators", "moderation", "mod team", "admin", "admins", "administrator",
    "administrators", "sysadmin", "webmaster", "parley", "staff", "site team", "support team",
    "community team", "official account",
)  # fmt: skip
# Word rules of a policy that also apply to display names, and the clause cited when a
# name impersonates staff (the default policy's "Be yourself" clause).
NAME_RULE_KINDS = ("profanity", "slurs", "banned_words")
IMPERSONATION_CLAUSE = "impersonation"


class DisplayNameRefused(InvalidInput):
    """A display name readers would see that breaks the site's policy; ``detail`` names the
    clause, so the host can tell its reader why."""

    code = "display_name_refused"
    message = "This display name cannot be used on this site."


@dataclass(frozen=True)
class _NameRules:
    rules: tuple[tuple[Rule, str, str], ...]  # rule, clause id, clause title
    staff: Matcher
    staff_clause: tuple[str, str]
    vocabulary: frozenset[str]


# id of a policy -> (the policy, its compiled name rules); the policy is kept so its id
# is not reused while the entry lives.
_COMPILED: dict[int, tuple[Policy, _NameRules]] = {}


def _name_rules(policy: Policy) -> _NameRules:
    """The policy's word rules that hold or reject, compiled once, quotes counted like text."""
    entry = _COMPILED.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    if len(_COMPILED) >= 16:
        _COMPILED.clear()
    compiled = _compile_name_rules(policy)
    _COMPILED[id(policy)] = (policy, compiled)
    return compiled


def _compile_name_rules(policy: Policy) -> _NameRules:
    rules, seen = [], set()
    for clause in policy.clauses:
        for spec in clause.rules:
            if spec.rule not in NAME_RULE_KINDS or spec.action not in ("hold", "reject"):
                continue
            params = {**spec.params}
            if "quoted" in params:
                params["quoted"] = "include"
            key = (spec.rule, repr(sorted(params.items())))
            if key in seen:
                continue
            seen.add(key)
            rules.append((RULE_KINDS[spec.rule](params), clause.id, clause.title))
    try:
        staff_clause = policy.clause(IMPERSONATION_CLAUSE)
        cited = (staff_clause.id, staff_clause.title)
    except KeyError:
        cited = (IMPERSONATION_CLAUSE, "No impersonation")
    staff = Matcher(STAFF_NAMES, variants=True)
    vocabulary = frozenset().union(staff.vocabulary, *(r.vocabulary() for r, _, _ in rules))
    return _NameRules(tuple(rules), staff, cited, vocabulary)


@lru_cache(maxsize=1)
def default_name_policy() -> Policy:
    return load_policy(default_policy_source())


def check_display_name(name: str, *, policy: Policy | None = None) -> None:
    """Raise :class:`DisplayNameRefused` when ``name`` breaks the policy's word rules (banned
    words, profanity, slurs; every disguise the comment rules see through) or passes for staff.

    ``policy`` is the site's policy in force; the shipped default when None.
    """
    compiled = _name_rules(policy or default_name_policy())
    a = Analysis(name, compiled.vocabulary)
    if compiled.staff.find(a):
        clause_id, title = compiled.staff_clause
        raise DisplayNameRefused(
            "This display name passes for the site's staff; choose another name.",
            reason="impersonation",
            claim="name",
            clause={"id": clause_id, "title": title},
        )
    ctx = Context()
    for rule, clause_id, title in compiled.rules:
        if rule.check(a, ctx) is not None:
            raise DisplayNameRefused(
                f"This display name breaks the comment policy ({title}); choose another name.",
                reason=rule.KIND,
                claim="name",
                clause={"id": clause_id, "title": title},
            )


@dataclass(frozen=True)
class SSOClaims:
    external_id: str
    name: str
    email: str
    avatar_url: str
    jti: str
    expires_at: datetime


def check_sso_token(
    token: str,
    *,
    secret: str,
    audience: str,
    max_lifetime_seconds: int,
    leeway_seconds: int,
    name_policy: Policy | None = None,
) -> SSOClaims:
    """Verify signature, audience, time claims and shape; raise an SSOTokenRefused subclass.

    `audience` is the Parley site slug: a token minted for site A is refused on site B even
    if a publisher gave both sites the same secret.  The display name readers will see goes
    through `check_display_name` under `name_policy` (the default policy when None) and is
    refused with 400 `display_name_refused` before the token is used up.
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise SSOTokenRefused()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SSOTokenRefused() from exc
    if header.get("alg") != ALGORITHM:
        raise SSOTokenRefused(f"The sign-on token must be signed with {ALGORITHM}.")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            leeway=leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS), "verify_iat": True},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SSOTokenExpired() from exc
    except jwt.MissingRequiredClaimError as exc:
        raise SSOTokenMissingClaims(
            f"The sign-on token lacks the claim {exc.claim!r}.", missing=exc.claim
        ) from exc
    except _CLAIM_TYPE_ERRORS as exc:
        raise SSOTokenMissingClaims(
            "The claims 'sub' and 'jti' must be non-empty strings.", detail=str(exc)
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise SSOTokenWrongSite(expected_audience=audience) from exc
    except jwt.ImmatureSignatureError as exc:
        raise SSOTokenRefused("The sign-on token is issued in the future.") from exc
    except jwt.PyJWTError as exc:
        raise SSOTokenRefused() from exc

    sub, name, jti = claims["sub"], claims["name"], claims["jti"]
    for claim, value in (("sub", sub), ("name", name), ("jti", jti)):
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise SSOTokenMissingClaims(
                f"The claim {claim!r} must be a non-empty string of at most 255 characters.",
                missing=claim,
            )
    iat, exp = claims["iat"], claims["exp"]
    if exp - iat > max_lifetime_seconds:
        raise SSOTokenTooLongLived(max_lifetime_seconds=max_lifetime_seconds)
    email = claims.get("email") or ""
    avatar = claims.get("avatar") or ""
    display_name = " ".join(name.split())[:80]
    check_display_name(display_name, policy=name_policy)
    return SSOClaims(
        external_id=sub,
        name=display_name,
        email=email if isinstance(email, str) and len(email) <= 254 and "@" in email else "",
        avatar_url=avatar
        if isinstance(avatar, str) and avatar.startswith(("https://", "http://"))
        else "",
        jti=jti,
        expires_at=datetime.fromtimestamp(exp, tz=UTC),
    )
