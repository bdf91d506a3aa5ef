"""Embed errors, all in the one error shape through comments.errors.exception_handler."""

from comments.errors import Forbidden, ParleyError


class SSOTokenRefused(ParleyError):
    """A single sign-on token that cannot be exchanged; subclasses say why."""

    status_code = 401
    code = "sso_token_invalid"
    message = "The sign-on token is not valid: its signature or format is wrong."


class SSOTokenExpired(SSOTokenRefused):
    code = "sso_token_expired"
    message = "The sign-on token has expired; ask the host site for a new one."


class SSOTokenWrongSite(SSOTokenRefused):
    code = "sso_token_wrong_site"
    message = "The sign-on token was issued for another site."


class SSOTokenReplayed(SSOTokenRefused):
    code = "sso_token_replayed"
    message = "The sign-on token has already been used."


class SSOTokenMissingClaims(SSOTokenRefused):
    code = "sso_token_missing_claims"
    message = "The sign-on token lacks required claims."


class SSOTokenTooLongLived(SSOTokenRefused):
    code = "sso_token_too_long_lived"
    message = "The sign-on token lives too long; exp - iat must be at most the allowed lifetime."


class GuestsNotAllowed(Forbidden):
    code = "guests_not_allowed"
    message = "This site does not take comments from guests; sign in through the site."


class SSONotConfigured(Forbidden):
    code = "sso_not_configured"
    message = "Single sign-on is not set up for this site."


class ReaderSuspended(Forbidden):
    code = "reader_suspended"
    message = "This reader account is suspended."


class SiteTokenRefused(ParleyError):
    status_code = 401
    code = "invalid_token"
    message = "The sign-in token is unknown or has expired; sign in again."


class SiteTokenWrongSite(SiteTokenRefused):
    code = "token_wrong_site"
    message = "This sign-in token is valid on another site only."


class OriginNotAllowed(Forbidden):
    code = "origin_not_allowed"
    message = "This origin is not allowed to embed this site."


class LazyArticlesDisabled(Forbidden):
    code = "lazy_articles_disabled"
    message = "This site registers its articles from its server only."
