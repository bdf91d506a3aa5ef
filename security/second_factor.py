"""Two-factor authentication for staff (django-otp): TOTP apps and one-time recovery codes.

Who must have a second factor: superusers when PARLEY_REQUIRE_2FA_SUPERUSERS is on, and
everyone with a role on a site whose `require_2fa` is set. Anyone who has one must use it:
signing in with the password alone is refused (security.backends).
"""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from comments.models import Site

RECOVERY_CODES = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
TOTP_DEVICE_NAME = "Authenticator app"


# request.user: the functions that take it answer "no" for an anonymous visitor.
AnyUser = User | AnonymousUser


def is_verified(user: AnyUser) -> bool:
    """Whether this request's session signed in with a second factor (django-otp's
    OTPMiddleware sets `is_verified` on request.user)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def has_second_factor(user: AnyUser) -> bool:
    return bool(user.is_authenticated) and user_has_device(user, confirmed=True)


def second_factor_state(user: AnyUser) -> tuple[bool, bool]:
    """(has a confirmed second factor, must have one) in one query: asked on every admin
    request of a staff session that has not used a second factor."""
    if not user.is_authenticated:
        return False, False
    if user.is_superuser and settings.PARLEY_REQUIRE_2FA_SUPERUSERS:
        return has_second_factor(user), True
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            has_static=Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            required=Exists(Site.objects.filter(require_2fa=True, roles__user=OuterRef("pk"))),
        )
        .values("has_totp", "has_static", "required")
        .first()
    )
    if row is None:
        return False, False
    return row["has_totp"] or row["has_static"], row["required"]


def second_factor_required(user: AnyUser) -> bool:
    """Whether `user` may use the moderation pages only after signing in with a second
    factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser and settings.PARLEY_REQUIRE_2FA_SUPERUSERS:
        return True
    # `roles` is moderation's SiteRole; asked through the ORM so this app imports only comments.
    return Site.objects.filter(require_2fa=True, roles__user=user).exists()


def check_second_factor(user: AnyUser, token: str) -> Device | None:
    """The confirmed device of `user` that accepts `token` (a TOTP code or an unused recovery
    code, which this uses up), or None. Each device throttles its own failures."""
    token = "".join(token.split()).lower()
    if not token or len(token) > 16:
        return None
    # A six-digit code is the app's, anything else a recovery code: only that kind of device
    # is asked, so a recovery code does not count as a failure against the app's throttle.
    kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, kind) and device.verify_token(token):
                return device
    return None


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created with a new secret if there is
    none (reloading the enrolment page keeps the QR code the user may have scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` with a code from the app; returns the new recovery codes (to show
    once), or None if the code is wrong. Replaces any earlier authenticator and codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token("".join(token.split())):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    # An API token obtained with the password alone would outlive the second factor.
    Token.objects.filter(user=device.user).delete()
    return recovery_codes_renew(user=device.user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New single-use recovery codes for `user`; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: AnyUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it typed in (base32)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (no image request for the CSP)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]
