"""The issue's whole story in a real browser (headless Chromium) and the real API: a reader's
comment is held by the policy and the reader reads why; they appeal; a different moderator
reverses it in the admin; the reader's comment is published and the reader is told; the
transparency page counts it and draws its charts under the enforced CSP. A screenshot of the
report is saved under test-artifacts/.

The embed does not show statements yet (docs/accountability.md), so the reader's side goes
through the reader API, as the embed would."""

import os

import pytest
import requests
from django.core import mail
from rest_framework.authtoken.models import Token

from comments.models import CommentStatus
from moderation.models import Role
from moderation.services import comment_reject
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
from tests.moderation.conftest import TEST_POLICY, decide_by_policy

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = BROWSER_MARKS


@pytest.fixture
def story(transactional_db):
    site = SiteFactory(slug="daily", name="Daily")
    policy_save(site=site, source=TEST_POLICY)
    article = ArticleFactory(site=site, key="budget", title="The budget")
    first_mod = UserFactory(username="mod", is_staff=True, password="mod-pass-123")
    second_mod = UserFactory(username="mod2", is_staff=True, password="mod2-pass-123")
    for user in (first_mod, second_mod):
        SiteRoleFactory(user=user, site=site, role=Role.MODERATOR)
    author = CommenterFactory(user__username="zoe", display_name="Zoe")
    author.user.email = "zoe@example.org"
    author.user.save()
    held = decide_by_policy(
        CommentFactory(
            article=article, author=author, status="pending", body="You nincompoop, read it."
        )
    )
    assert held.status == CommentStatus.HELD
    comment_reject(by=first_mod, comment_id=held.pk, clause_id="civility")
    token, _ = Token.objects.get_or_create(user=author.user)
    return {"comment": held, "token": token.key}


def test_held_appealed_reversed_by_another_moderator_told_and_counted(live_server, story):
    from playwright.sync_api import expect, sync_playwright

    comment, url = story["comment"], live_server.url
    reader = {"Authorization": f"Token {story['token']}", "Accept-Language": "en"}
    statement = requests.get(
        f"{url}/api/v1/comments/{comment.pk}/statement/", headers=reader, timeout=10
    ).json()
    assert statement["automation"] == "automated_then_confirmed"
    assert statement["clause"]["number"] == 1
    appeal = requests.post(
        f"{url}{statement['appeal']['url']}",
        json={"explanation": "It was a quote from the article."},
        headers=reader,
        timeout=10,
    )
    assert appeal.status_code == 201, appeal.text

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{url}/admin/login/?next=/admin/accountability/appeal/")
            page.fill("#id_username", "mod2")
            page.fill("#id_password", "mod2-pass-123")
            page.click("input[type=submit]")
            expect(page.locator("#content h1")).to_have_text("Appeals: 1 open, 0 overdue")
            page.check(f"input[name=_selected_action][value='{appeal.json()['id']}']")
            page.select_option("select[name=action]", "reverse")
            page.fill("input[name=note]", "A quotation, not an insult.")
            page.click("button[name=index]")
            expect(page.locator(".messagelist")).to_contain_text("Reversed: 1.")

            page.goto(f"{url}/admin/accountability/appeal/transparency/?site=daily")
            for chart in ("clauses", "actions", "appeals", "notices"):
                expect(page.locator(f"#pa-chart-{chart}")).to_have_attribute("data-drawn", "true")
            expect(page.locator(".pa-summary")).to_contain_text("1 (0 upheld, 1 reversed, 0 open)")
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "accountability-transparency.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nScreenshot of the transparency report: {shot}")
            assert csp_violations(console) == []
        finally:
            browser.close()

    seen = requests.get(f"{url}/api/v1/comments/{comment.pk}/", headers=reader, timeout=10)
    assert seen.json()["status"] == "published"
    told = [m for m in mail.outbox if m.subject == "The outcome of your appeal (Daily)"]
    assert len(told) == 1 and "A quotation, not an insult." in told[0].body
