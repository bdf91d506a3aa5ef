"""Who is reading: the signed-in reader behind an API request, for every app's endpoints."""

from rest_framework.request import Request

from .errors import NotAuthenticated
from .models import Commenter
from .services import commenter_for_user


def viewer_of(request: Request) -> Commenter | None:
    """The signed-in reader's commenter profile, or None (anonymous, or staff without one)."""
    user = request.user
    if not user.is_authenticated:
        return None
    try:
        return user.commenter
    except Commenter.DoesNotExist:
        return None


def require_reader(request: Request) -> Commenter:
    """The signed-in reader's commenter profile (created on first use); 401 when anonymous."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return commenter_for_user(request.user)
