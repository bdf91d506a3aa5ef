from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from . import rows

KEY_LENGTH: int = Token._meta.get_field("key").max_length or 40


# Every signed-in request runs it: the token with its user and the user's commenter profile.
_TOKEN_WITH_USER = rows.Select(Token, related=("user", "user__commenter"), where=("key",))


def token_user(key: str) -> tuple[Token, AbstractBaseUser] | None:
    """The token with its user and the user's commenter profile (cached on the user when it
    exists), in one hand-written query (comments.rows)."""
    token = _TOKEN_WITH_USER.get(key)
    if token is None:
        return None
    return token, token.user


class ReaderTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; loads the reader's commenter profile in the same query."""

    def authenticate_credentials(self, key: str):
        # Keys are hexadecimal: anything else (a NUL byte, which PostgreSQL refuses in a query
        # parameter; an oversized header) is refused before it reaches the database.
        if not (key.isascii() and key.isalnum() and len(key) <= KEY_LENGTH):
            raise AuthenticationFailed("Invalid token.")
        found = token_user(key)
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        token, user = found
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return user, token
