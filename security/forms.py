from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate

SECOND_FACTOR_REFUSED = (
    "This account uses two-factor authentication: enter the 6-digit code your authenticator "
    "app shows now, or one of your recovery codes. After a wrong code, wait a few seconds."
)


def code_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label="Authentication code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "size": 12}),
        **kwargs,
    )


class SecondFactorLoginForm(AdminAuthenticationForm):
    """The admin sign-in: username, password, and the code when the account has a second
    factor (checked by security.backends.SecondFactorBackend, like every password sign-in)."""

    otp_token = code_field(
        required=False,
        help_text="Only if two-factor authentication is on for your account: the code from "
        "your app, or a recovery code.",
    )

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(
                self.request,
                username=username,
                password=password,
                otp_token=self.cleaned_data.get("otp_token") or "",
            )
            if self.user_cache is None:
                if getattr(self.request, "second_factor_refused", False):
                    raise forms.ValidationError(SECOND_FACTOR_REFUSED, code="second_factor")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class CodeForm(forms.Form):
    otp_token = code_field()


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
