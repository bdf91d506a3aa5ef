"""Two-factor authentication for staff: enrolment in the admin, sign-in with a code, recovery
codes, and the per-site and superuser requirements."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from security.forms import SECOND_FACTOR_REFUSED

from .conftest import PASSWORD, enrolled, totp_code

QUEUE = "/admin/moderation/queuecomment/"


def sign_in(client: Client, username: str, password: str = PASSWORD, code: str = ""):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "otp_token": code, "next": QUEUE},
    )


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def no_code_delay(settings):
    """django-otp makes a device wait 2^n seconds after n wrong codes; these tests enter a
    right code straight after a wrong one."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def test_a_moderator_with_a_second_factor_cannot_sign_in_with_the_password_alone(
    moderator, api, no_code_delay
):
    device, _ = enrolled(moderator)
    client = Client()
    response = sign_in(client, "mod")
    assert response.status_code == 200
    assert SECOND_FACTOR_REFUSED in response.content.decode()
    assert not is_signed_in(client)
    wrong = sign_in(client, "mod", code="000000")
    assert SECOND_FACTOR_REFUSED in wrong.content.decode()
    assert not is_signed_in(client)
    # Nor can it get an API token with the password alone.
    token = api.post(
        "/api/v1/auth/token/", {"username": "mod", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 401

    # With the code, it can; the session is verified with that device.
    response = sign_in(client, "mod", code=totp_code(device))
    assert response.status_code == 302
    assert client.session["otp_device_id"] == device.persistent_id


def test_enrolment_then_sign_in_with_the_app(moderator, no_code_delay):
    client = Client()
    assert sign_in(client, "mod").status_code == 302
    page = client.get("/admin/security/two-factor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html)[1]
    device = TOTPDevice.objects.get(user=moderator, confirmed=False)
    assert secret.startswith(device.config_url.split("secret=")[1][:16])

    wrong = client.post("/admin/security/two-factor/", {"otp_token": "123456"})
    assert "That code is not right" in wrong.content.decode()
    confirmed = client.post("/admin/security/two-factor/", {"otp_token": totp_code(device)})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", confirmed.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    # Shown once: the page now only says how many are left.
    again = client.get("/admin/security/two-factor/").content.decode()
    assert "Recovery codes left: <strong>10</strong>" in again
    assert codes[0] not in again

    client.post("/admin/logout/")
    assert not is_signed_in(client)
    assert SECOND_FACTOR_REFUSED in sign_in(client, "mod").content.decode()
    assert sign_in(client, "mod", code=totp_code(device, steps_ahead=1)).status_code == 302
    assert client.get(QUEUE).status_code == 200


def test_a_recovery_code_works_once(moderator, no_code_delay):
    _, codes = enrolled(moderator)
    client = Client()
    assert sign_in(client, "mod", code=codes[3].upper()).status_code == 302
    client.post("/admin/logout/")
    used_again = sign_in(client, "mod", code=codes[3])
    assert SECOND_FACTOR_REFUSED in used_again.content.decode()
    assert not is_signed_in(client)
    assert sign_in(client, "mod", code=codes[4]).status_code == 302


def test_wrong_codes_end_in_the_lockout_like_wrong_passwords(moderator, no_code_delay):
    device, _ = enrolled(moderator)
    client = Client()
    statuses = [sign_in(client, "mod", code=f"00000{n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(client, "mod", code=totp_code(device)).status_code == 429


def test_a_site_that_requires_it_sends_role_holders_to_enrolment(moderator, site, api):
    site.require_2fa = True
    site.save()
    client = Client()
    assert sign_in(client, "mod").status_code == 302
    response = client.get(QUEUE + "?queue=held")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/security/two-factor/?next=")
    assert client.get("/admin/").status_code == 302
    # The queue's API calls with the session are held to the same rule.
    refused = client.get("/api/v1/moderation/sites/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"

    # Nor can it get an API token, which would skip the requirement.
    token = api.post(
        "/api/v1/auth/token/", {"username": "mod", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 401

    client.get("/admin/security/two-factor/")
    device = TOTPDevice.objects.get(user=moderator)
    done = client.post(
        "/admin/security/two-factor/", {"otp_token": totp_code(device), "next": QUEUE}
    )
    assert 'href="/admin/moderation/queuecomment/"' in done.content.decode()
    assert client.get(QUEUE).status_code == 200
    assert client.get("/api/v1/moderation/sites/").status_code == 200


def test_a_site_that_does_not_require_it_lets_role_holders_in(moderator):
    client = Client()
    sign_in(client, "mod")
    assert client.get(QUEUE).status_code == 200


@pytest.mark.parametrize("required", [True, False])
def test_superusers_need_it_when_the_setting_says_so(db, settings, required):
    from tests.factories import UserFactory

    UserFactory(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    settings.PARLEY_REQUIRE_2FA_SUPERUSERS = required
    client = Client()
    sign_in(client, "root")
    response = client.get("/admin/")
    assert response.status_code == (302 if required else 200)


def test_a_session_from_before_enrolment_is_asked_for_a_code(moderator):
    client = Client()
    sign_in(client, "mod")
    device, _ = enrolled(moderator)  # enrolled from another session
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/security/two-factor/verify/")
    client.post("/admin/security/two-factor/verify/", {"otp_token": totp_code(device)})
    assert client.get(QUEUE).status_code == 200


def test_an_api_token_meets_the_same_second_factor_rule_as_a_session(moderator, site, api):
    # A token obtained while the site did not require a second factor...
    token = api.post(
        "/api/v1/auth/token/", {"username": "mod", "password": PASSWORD}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/moderation/sites/").status_code == 200
    # ...stops working with the moderation API once the site requires one and there is none.
    site.require_2fa = True
    site.save()
    refused = api.get("/api/v1/moderation/sites/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"

    # Enrolling cancels every token obtained with the password alone.
    client = Client()
    assert sign_in(client, "mod").status_code == 302
    client.get("/admin/security/two-factor/")
    device = TOTPDevice.objects.get(user=moderator)
    confirmed = client.post("/admin/security/two-factor/", {"otp_token": totp_code(device)})
    assert confirmed.status_code == 200
    assert not Token.objects.filter(user=moderator).exists()
    gone = api.get("/api/v1/moderation/sites/")
    assert gone.status_code == 401
    # A token a superuser issues afterwards (the admin's Auth Token page) works.
    fresh = Token.objects.create(user=moderator)
    api.credentials(HTTP_AUTHORIZATION=f"Token {fresh.key}")
    assert api.get("/api/v1/moderation/sites/").status_code == 200
