"""The second-factor rule for API tokens.

`SecondFactorMiddleware` holds signed-in *sessions* to the rule; a request that carries an
API token is authenticated later, by DRF, so the rule is checked again here for it: a
staff account whose role requires a second factor and that has none gets no use of the
moderation API with a token it obtained before the requirement (403
`second_factor_required`, as for a session).
"""

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from comments.errors import Forbidden

from .second_factor import second_factor_state


class SecondFactorRequired(Forbidden):
    code = "second_factor_required"
    message = "Set up two-factor authentication first: your role requires it."


class SecondFactorForTokens(BasePermission):
    """Refuses a token-authenticated staff request whose account must have a second factor
    and has none. Sessions are left to SecondFactorMiddleware, which has already run."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_staff and isinstance(request.auth, Token)):
            return True
        has_one, required = second_factor_state(user)
        if required and not has_one:
            raise SecondFactorRequired()
        return True
