from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


class ReaderTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; loads the reader's commenter profile in the same query."""

    def authenticate_credentials(self, key: str):
        token = Token.objects.select_related("user", "user__commenter").filter(key=key).first()
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return token.user, token
