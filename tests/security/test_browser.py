"""Two-factor enrolment and sign-in in headless Chromium, under the enforced CSP."""

import os
import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from moderation.models import Role, SiteRole
from tests.factories import SiteFactory, UserFactory

from .conftest import PASSWORD, totp_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is absent (install it with .ci/browser-setup)",
    ),
]


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
    assert [m for m in console if "Content Security Policy" in m] == []
