"""Two-factor enrolment and sign-in in headless Chromium, under the enforced CSP."""

import os
import re

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from moderation.models import Role, SiteRole
from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, csp_violations
from tests.factories import SiteFactory, UserFactory

from .conftest import PASSWORD, totp_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = BROWSER_MARKS


@pytest.fixture
def mod(transactional_db):
    site = SiteFactory(slug="daily")
    user = UserFactory(username="mod", is_staff=True, password=PASSWORD)
    SiteRole.objects.create(user=user, site=site, role=Role.MODERATOR)
    return user


def test_a_moderator_enrols_and_signs_in_with_the_app(live_server, mod, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a right code straight after the refused sign-in
    queue = "/admin/moderation/queuecomment/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))

            def sign_in(code: str = "") -> None:
                page.goto(f"{live_server.url}/admin/login/?next={queue}")
                page.fill("#id_username", "mod")
                page.fill("#id_password", PASSWORD)
                page.fill("#id_otp_token", code)
                page.click("input[type=submit]")

            sign_in()
            page.click("#two-factor-link")
            expect(page.locator("#totp-qr svg")).to_be_visible()
            secret = page.locator("#totp-secret").inner_text()
            device = TOTPDevice.objects.get(user=mod, confirmed=False)
            assert re.fullmatch(r"[A-Z2-7]{32}", secret)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "security-enrol.png"), full_page=True)

            page.fill("#id_otp_token", totp_code(device))
            page.click("#enrol-form input[type=submit]")
            expect(page.locator("#enrolled")).to_be_visible()
            expect(page.locator("#recovery-codes li")).to_have_count(10)

            page.click("#logout-form button")
            sign_in()
            expect(page.locator(".errornote")).to_contain_text("two-factor authentication")
            sign_in(totp_code(device, steps_ahead=1))
            page.wait_for_url(f"**{queue}")
            expect(page.locator("#two-factor-link")).to_be_visible()
        finally:
            browser.close()
    assert csp_violations(console) == []


def test_saving_a_policy_after_the_window_asks_for_the_password_then_saves(live_server, mod):
    from django.contrib.sessions.backends.db import SessionStore
    from playwright.sync_api import expect, sync_playwright

    from policy.models import PolicyVersion
    from policy.services import policy_current
    from security.recent import SESSION_KEY

    site = SiteRole.objects.get(user=mod).site
    SiteRole.objects.filter(user=mod).update(role=Role.ADMIN)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "mod")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url("**/admin/")

            # Six minutes later, as far as the session knows.
            key = next(c["value"] for c in context.cookies() if c["name"] == "sessionid")
            session = SessionStore(session_key=key)
            session[SESSION_KEY] -= 360
            session.save()

            page.goto(f"{live_server.url}/admin/policy/policyversion/add/?site={site.pk}")
            source = page.locator("#id_source").input_value()
            edited = source.replace('title = "', 'title = "Edited: ', 1)
            page.fill("#id_source", edited)
            page.fill("#id_note", 'tighter "civility" rules')
            page.click("input[name=_save]")

            expect(page.locator("#reauth-action")).to_have_text("Save the policy version")
            # Only the default policy (version 1, made when the add page read it) so far.
            assert PolicyVersion.objects.filter(site=site).count() == 1
            # Inside Playwright's sync API that query had a connection of its own, which nothing
            # else closes: left open, it kept the test database from being dropped at the end.
            connection.close()
            page.fill("#reauth-field", PASSWORD)
            page.click("#reauth-form input[type=submit]")
            page.wait_for_url("**/admin/policy/policyversion/")
        finally:
            browser.close()
    saved = policy_current(site=site)
    assert saved.version == 2
    assert saved.note == 'tighter "civility" rules'
    # Exactly the text submitted (the form field trims the ends, as on a direct save).
    assert saved.source.replace("\r\n", "\n") == edited.replace("\r\n", "\n").strip()
    assert csp_violations(console) == []
