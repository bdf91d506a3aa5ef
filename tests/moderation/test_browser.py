"""A moderator works the held queue in the real admin, in headless Chromium.

Signs in, sees the clause and the highlighted evidence, approves one comment by keyboard and
rejects another citing a clause, without reloading; then the author's reader API shows both
decisions. A screenshot of the queue is saved under test-artifacts/.
"""

import os
import re

import pytest
import requests
from rest_framework.authtoken.models import Token

from comments.models import CommentStatus
from moderation.models import Role
from policy.services import policy_save
from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, csp_violations
from tests.factories import (
    ArticleFactory,
    CommenterFactory,
    CommentFactory,
    SiteFactory,
    SiteRoleFactory,
    UserFactory,
)

from .conftest import TEST_POLICY, decide_by_policy

# Playwright's sync API runs an event loop in this thread; the ORM calls around it are plain
# synchronous test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


pytestmark = BROWSER_MARKS


@pytest.fixture
def queue_data(transactional_db):
    site = SiteFactory(slug="daily")
    policy_save(site=site, source=TEST_POLICY)
    article = ArticleFactory(site=site, key="budget", title="The budget")
    moderator = UserFactory(username="mod", is_staff=True, password="mod-pass-123")
    SiteRoleFactory(user=moderator, site=site, role=Role.MODERATOR)
    author = CommenterFactory(display_name="Alice")
    first = decide_by_policy(
        CommentFactory(article=article, author=author, status="pending", body="You nincompoop.")
    )
    second = decide_by_policy(
        CommentFactory(
            article=article, author=author, status="pending", body="What a buffoon, buy here."
        )
    )
    assert first.status == second.status == CommentStatus.HELD
    token, _ = Token.objects.get_or_create(user=author.user)
    return {"first": first, "second": second, "token": token.key}


def test_moderator_works_the_held_queue(live_server, queue_data):
    from playwright.sync_api import expect, sync_playwright

    first, second = queue_data["first"], queue_data["second"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            # The admin runs under an enforced Content-Security-Policy; Chromium reports every
            # refused script, style or request in the console.
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(
                f"{live_server.url}/admin/login/?next=/admin/moderation/queuecomment/%3Fqueue%3Dheld"
            )
            page.fill("#id_username", "mod")
            page.fill("#id_password", "mod-pass-123")
            page.click("input[type=submit]")
            page.wait_for_selector(".pm-row")

            rows = page.locator("#result_list tbody tr")
            expect(rows).to_have_count(2)
            first_row = page.locator(f"tr:has(.pm-row[data-id='{first.pk}'])")
            second_row = page.locator(f"tr:has(.pm-row[data-id='{second.pk}'])")
            expect(first_row.locator("mark.pm-evidence")).to_have_text("nincompoop")
            expect(second_row.locator("mark.pm-evidence")).to_have_text("buffoon")
            expect(first_row.locator(".pm-hits .pm-clause")).to_have_text("§1 Be civil")
            expect(page.locator(".pm-tab.pm-current .pm-count")).to_have_text("2")

            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "moderation-held-queue.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nScreenshot of the held queue: {shot}")

            # The first row is selected on load (oldest first): approve it with the keyboard.
            expect(first_row).to_have_class(re.compile("pm-selected"))
            page.keyboard.press("a")
            expect(page.locator(f".pm-row[data-id='{first.pk}']")).to_have_count(0)
            expect(rows).to_have_count(1)
            expect(second_row).to_have_class(re.compile("pm-selected"))

            # Reject the second citing the advertising clause, with a note, then press r.
            second_row.locator(".pm-clause-select").select_option("spam")
            second_row.locator(".pm-note").fill("Selling things is not allowed here.")
            page.keyboard.press("Escape")
            page.keyboard.press("r")
            expect(rows).to_have_count(0)
            expect(page.locator(".pm-tab.pm-current .pm-count")).to_have_text("0")
            assert csp_violations(console) == []
        finally:
            browser.close()

    headers = {"Authorization": f"Token {queue_data['token']}"}
    approved = requests.get(
        f"{live_server.url}/api/v1/comments/{first.pk}/", headers=headers, timeout=10
    ).json()
    rejected = requests.get(
        f"{live_server.url}/api/v1/comments/{second.pk}/", headers=headers, timeout=10
    ).json()
    assert (approved["status"], approved["moderation"]) == ("published", None)
    assert rejected["status"] == "rejected"
    assert rejected["moderation"] == {
        "clause_id": "spam",
        "clause_title": "No advertising",
        "reason": "Selling things is not allowed here.",
    }
