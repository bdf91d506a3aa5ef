"""Sign-in lockout (django-axes): the attacker's 30 wrong passwords, the release, and forged
X-Forwarded-For headers that must not reset the count."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.management import call_command
from django.test import Client

from .conftest import PASSWORD, admin_login

LIMIT = 5  # AXES_FAILURE_LIMIT's default, PARLEY_LOGIN_FAILURE_LIMIT


def test_thirty_wrong_passwords_end_in_a_lockout_at_the_documented_limit(moderator):
    client = Client()
    statuses = [admin_login(client, "mod", f"guess-{n}").status_code for n in range(30)]

    # The form again (200) for the first LIMIT - 1, then 429 from the LIMIT-th on.
    assert statuses == [200] * (LIMIT - 1) + [429] * (30 - LIMIT + 1)
    locked = admin_login(client, "mod", "guess-31")
    assert b"Too many failed sign-ins" in locked.content
    assert b"15 minutes" in locked.content
    # Every failure is recorded for the admins, the lock with it.
    assert AccessFailureLog.objects.filter(username="mod").count() == 31
    assert AccessFailureLog.objects.filter(username="mod", locked_out=True).count() == 31 - 4

    # The right password is refused too, until the lock is released.
    refused = admin_login(client, "mod", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session

    call_command("axes_reset_username", "mod")
    assert not AccessAttempt.objects.filter(username="mod").exists()
    released = admin_login(client, "mod", PASSWORD)
    assert released.status_code == 302
    assert client.session["_auth_user_id"] == str(moderator.pk)


def test_the_address_is_locked_out_across_usernames(moderator):
    client = Client()
    for n in range(LIMIT):
        admin_login(client, f"nobody-{n}", "guess")
    # Five different usernames from one address: the address is locked, for everyone.
    assert admin_login(client, "mod", PASSWORD).status_code == 429
    call_command("axes_reset_ip", "127.0.0.1")
    assert admin_login(client, "mod", PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_neither_resets_nor_moves_the_count(moderator):
    client = Client()
    for n in range(LIMIT - 1):
        response = admin_login(client, "mod", "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert response.status_code == 200
    # With no proxy configured the header is ignored: all were counted against the socket.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    response = admin_login(client, "mod", "guess", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429


def test_behind_one_proxy_only_the_address_the_proxy_appended_counts(moderator, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    for n in range(LIMIT - 1):
        # The client forges the left entries; the proxy appends the real address.
        forged = f"10.0.0.{n}, 192.0.2.{n}, 198.51.100.7"
        assert admin_login(client, "mod", "guess", HTTP_X_FORWARDED_FOR=forged).status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_rotating_real_addresses_does_not_reset_the_account_count(moderator, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    statuses = [
        admin_login(client, "mod", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(LIMIT + 2)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429] * 3
    fresh = admin_login(client, "mod", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert fresh.status_code == 429


def test_the_token_endpoint_locks_out_a_staff_account(moderator, api):
    url = "/api/v1/auth/token/"
    statuses = [
        api.post(url, {"username": "mod", "password": "guess"}, format="json").status_code
        for _ in range(LIMIT + 1)
    ]
    assert statuses == [401] * (LIMIT - 1) + [429] * 2
    response = api.post(url, {"username": "mod", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    # The admin is closed to that account as well.
    assert admin_login(Client(), "mod", PASSWORD).status_code == 429


@pytest.mark.parametrize("username", ["alice", "nobody-at-all"])
def test_the_token_endpoint_leaves_readers_to_its_rate_limit(reader, api, username):
    url = "/api/v1/auth/token/"
    for _ in range(LIMIT + 2):
        response = api.post(url, {"username": username, "password": "guess"}, format="json")
        assert response.status_code == 401
    assert not AccessAttempt.objects.exists()
    ok = api.post(url, {"username": "alice", "password": "reader-pass-123"}, format="json")
    assert ok.status_code == 200


def test_site_admins_see_and_release_the_locks_of_their_own_staff(moderator, site_admin):
    from moderation.models import Role, SiteRole
    from tests.factories import SiteFactory, UserFactory

    elsewhere = UserFactory(username="elsewhere", is_staff=True, password=PASSWORD)
    SiteRole.objects.create(user=elsewhere, site=SiteFactory(slug="other"), role=Role.ADMIN)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("mod", "elsewhere", "nobody"):
        for _ in range(LIMIT):
            admin_login(attacker, name, "guess")
    assert admin_login(Client(), "mod", PASSWORD).status_code == 429

    boss = Client()
    admin_login(boss, "boss", PASSWORD)
    for page in ("accessattempt", "accessfailurelog"):
        listing = boss.get(f"/admin/axes/{page}/").content.decode()
        assert "mod" in listing
        assert "elsewhere" not in listing and "nobody" not in listing
    assert Client().get("/admin/axes/accessattempt/").status_code == 302  # sign in first

    mod_attempt = AccessAttempt.objects.get(username="mod")
    released = boss.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [mod_attempt.pk], "post": "yes"},
    )
    assert released.status_code == 302
    assert not AccessAttempt.objects.filter(username="mod").exists()
    assert AccessAttempt.objects.filter(username="elsewhere").exists()
    assert admin_login(Client(), "mod", PASSWORD).status_code == 302


def test_a_moderator_does_not_see_the_sign_in_records(moderator):
    client = Client()
    admin_login(client, "mod", PASSWORD)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
