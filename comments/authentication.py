from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from . import rows
from .models import Commenter

KEY_LENGTH = Token._meta.get_field("key").max_length


def token_user(key: str) -> tuple[Token, AbstractBaseUser] | None:
    """The token with its user and the user's commenter profile (cached on the user when it
    exists), in one hand-written query: every signed-in request runs it."""
    user_model = get_user_model()
    t, u, c = rows.columns(Token, "t"), rows.columns(user_model, "u"), rows.columns(Commenter, "c")
    row = rows.fetchone(
        f"SELECT {t.sql}, {u.sql}, {c.sql} FROM {Token._meta.db_table} t "  # noqa: S608
        f"JOIN {user_model._meta.db_table} u ON u.{user_model._meta.pk.column} = t.user_id "
        f"LEFT JOIN {Commenter._meta.db_table} c ON c.user_id = u.{user_model._meta.pk.column} "
        f"WHERE t.{connection.ops.quote_name('key')} = %s",
        [key],
    )
    if row is None:
        return None
    token, user, commenter = rows.load_joined(row, t, u, c)
    token.user = user
    if commenter is not None:
        user.commenter = commenter
    return token, user


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
