"""The password backend, with the second factor for accounts that have one."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from .second_factor import check_second_factor, has_second_factor, second_factor_required


class SecondFactorBackend(ModelBackend):
    """Django's username-and-password backend, except that an account with a confirmed
    second factor also needs a valid `otp_token`: anywhere that signs in with a password (the
    admin, the re-authentication prompt, the API's token endpoint) refuses the password
    alone. A refusal is a failed sign-in, so django-axes counts wrong codes like wrong
    passwords."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        otp_token: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        if not has_second_factor(user):
            # One who must have a second factor and has none yet may sign in to the admin
            # only, where every page sends them to enrolment; not elsewhere (the API's token
            # endpoint would hand out a token that skips the requirement).
            outside_admin = request is not None and not request.path.startswith("/admin/")
            if outside_admin and user.is_staff and second_factor_required(user):
                return None
            return user
        device = check_second_factor(user, otp_token or "")
        if device is None:
            if request is not None:
                # For the sign-in form's message: the password was right, the code was not.
                setattr(request, "second_factor_refused", True)  # noqa: B010 - read by the form
            return None
        # django-otp's user_logged_in receiver marks the session verified with this device.
        setattr(user, "otp_device", device)  # noqa: B010 - django-otp's login receiver reads it
        return user
