"""The one access path for moderation: every view, API and admin queryset asks here.

A moderator is an active staff user with a SiteRole on the site; a superuser moderates and
administers every site. Anyone else has no moderation power anywhere.
"""

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest

from comments.errors import Forbidden, NotAuthenticated, NotFound
from comments.models import Comment, Site

from .models import Role, SiteRole

AnyUser = User | AnonymousUser


SIGN_IN = "Sign in as a moderator to do that."


class NotModerator(Forbidden):
    code = "not_moderator"
    message = "You are not a moderator of this site."


def _is_superuser(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _may_hold_roles(user: AnyUser) -> TypeGuard[User]:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def sites_moderated_by(user: AnyUser) -> QuerySet[Site]:
    """Sites on which `user` may work the queue and act on commenters."""
    if _is_superuser(user):
        return Site.objects.all()
    if not _may_hold_roles(user):
        return Site.objects.none()
    return Site.objects.filter(roles__user=user).distinct()


def sites_administered_by(user: AnyUser) -> QuerySet[Site]:
    """Sites whose roles, policy and settings `user` may edit."""
    if _is_superuser(user):
        return Site.objects.all()
    if not _may_hold_roles(user):
        return Site.objects.none()
    return Site.objects.filter(roles__user=user, roles__role=Role.ADMIN).distinct()


def _roles(user: AnyUser) -> frozenset[str]:
    """The kinds of role `user` holds on any site, looked up once per user object (the
    request's user is loaded per request, so this never outlives one)."""
    if not _may_hold_roles(user):
        return frozenset()
    cached = getattr(user, "_moderation_roles", None)
    if cached is None:
        cached = frozenset(SiteRole.objects.filter(user=user).values_list("role", flat=True))
        setattr(user, "_moderation_roles", cached)  # noqa: B010 - a per-request memo on the object
    return cached


def is_moderator(user: AnyUser) -> bool:
    """Whether `user` moderates at least one site (may open the moderation pages at all)."""
    return _is_superuser(user) or bool(_roles(user))


def is_site_admin(user: AnyUser) -> bool:
    return _is_superuser(user) or Role.ADMIN in _roles(user)


def acting_user(request: HttpRequest) -> User:
    """The signed-in account a moderation action is taken by (recorded as its actor): every
    moderation page and endpoint is behind a sign-in, so an anonymous request here is refused."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def check_moderator(user: AnyUser) -> None:
    """Raise unless `user` moderates some site: 401 when anonymous, 403 otherwise."""
    if not user.is_authenticated:
        raise NotAuthenticated(SIGN_IN)
    if not is_moderator(user):
        raise NotModerator("You are not a moderator.")


def check_can_moderate(user: AnyUser, site: Site) -> None:
    if not user.is_authenticated:
        raise NotAuthenticated(SIGN_IN)
    if _is_superuser(user):
        return
    if not (_may_hold_roles(user) and SiteRole.objects.filter(user=user, site=site).exists()):
        raise NotModerator(site=site.slug)


def check_can_administer(user: AnyUser, site: Site) -> None:
    if not user.is_authenticated:
        raise NotAuthenticated(SIGN_IN)
    if _is_superuser(user):
        return
    if not (
        _may_hold_roles(user)
        and SiteRole.objects.filter(user=user, site=site, role=Role.ADMIN).exists()
    ):
        raise Forbidden("You are not an administrator of this site.", code="not_site_admin")


def access_site_for_moderation(user: AnyUser, slug: str) -> Site:
    """The site named `slug`, if `user` moderates it: 401 anonymous, 403 without power there,
    404 only to moderators when there is no such site."""
    if not user.is_authenticated:
        raise NotAuthenticated(SIGN_IN)
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        check_moderator(user)
        raise NotFound("No such site.", code="site_not_found")
    check_can_moderate(user, site)
    return site


def access_comment_for_moderation(user: AnyUser, comment_id: int) -> Comment:
    """A comment in any status, if `user` moderates its site (404 only to moderators)."""
    if not user.is_authenticated:
        raise NotAuthenticated(SIGN_IN)
    comment = (
        Comment.objects.select_related("site", "article", "author").filter(pk=comment_id).first()
    )
    if comment is None:
        check_moderator(user)
        raise NotFound("No such comment.", code="comment_not_found")
    check_can_moderate(user, comment.site)
    return comment


def comments_for_moderation(user: AnyUser) -> QuerySet[Comment]:
    """Every comment `user` may see in the moderation queue (the admin's base queryset)."""
    return Comment.objects.filter(site__in=sites_moderated_by(user))
