"""`Authorization: Token pst_…`: a reader token that is valid on one site's endpoints only."""

import hashlib

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from comments.models import Comment

from .models import SiteToken

# DRF imports this module while loading its settings, before comments.errors can be imported
# (it imports rest_framework.views), so the error classes are imported where they are raised.
SITE_TOKEN_PREFIX = "pst_"  # noqa: S105 - a public marker, not a secret


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class SiteTokenAuthentication(BaseAuthentication):
    """Listed before the reader token class; keys carry a prefix so the two never collide.

    A site token authenticates only requests whose URL names its own site
    (`/api/v1/sites/<slug>/…`) or a comment of its site (`/api/v1/comments/<id>/…`);
    anywhere else it answers 401 `token_wrong_site`, so a token obtained on site A cannot
    post, vote or report on site B.
    """

    keyword = "Token"

    def authenticate(self, request: Request):
        auth = get_authorization_header(request).split()
        if len(auth) != 2 or auth[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = auth[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(SITE_TOKEN_PREFIX):
            return None  # a plain reader token: comments.authentication handles it
        token = (
            SiteToken.objects.select_related("user", "user__commenter", "site")
            .filter(digest=token_digest(key), expires_at__gt=timezone.now())
            .first()
        )
        if token is None or not token.user.is_active:
            from .errors import SiteTokenRefused

            raise SiteTokenRefused()
        check_token_site(request, token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def check_token_site(request: Request, token: SiteToken) -> None:
    """Refuse the token unless the URL names its site or a comment of its site."""
    from .errors import SiteTokenWrongSite

    kwargs = (request.parser_context or {}).get("kwargs") or {}
    if "site" in kwargs:
        if kwargs["site"] != token.site.slug:
            raise SiteTokenWrongSite(site=token.site.slug)
        return
    if "comment_id" in kwargs:
        comment_site = (
            Comment.objects.filter(pk=kwargs["comment_id"])
            .values_list("site_id", flat=True)
            .first()
        )
        # An unknown comment is left to the view, which answers 404.
        if comment_site is not None and comment_site != token.site_id:
            raise SiteTokenWrongSite(site=token.site.slug)
        return
    raise SiteTokenWrongSite(
        "This sign-in token is valid on its site's endpoints only.", site=token.site.slug
    )
