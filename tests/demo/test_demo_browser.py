"""The demo as a newcomer meets it, in headless Chromium: the start page, the host page on its
own origin, a thread, single sign-on as Amira K. (the same account as the reader `amira`).

With PARLEY_SCREENSHOTS=docs the screenshots the README shows are rewritten in
docs/screenshots/; otherwise they land in test-artifacts/.
"""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, csp_violations

from .conftest import ROOT

TIMEOUT_MS = 10_000
SHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("PARLEY_SCREENSHOTS") == "docs"
    else ROOT / "test-artifacts"
)

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def host_page(demo) -> Iterator[str]:
    """`manage.py embed_demo --serve`, as `make demo` starts it, on the demo's host port."""
    port = int(demo.host_url.rsplit(":", 1)[1])
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "embed_demo",
            "--parley-url",
            demo.url,
            "--serve",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=demo.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the demo host did not start"
            time.sleep(0.1)
        yield demo.host_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def new_page(browser, width: int, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(f"{msg.type}: {msg.text}"))
    return page


def shot(target, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path


def shadow_text(page) -> str:
    return page.locator("#comments").evaluate("e => e.shadowRoot.textContent")


def test_start_page_host_page_thread_and_sign_in(browser, demo, host_page):
    page = new_page(browser, 1280)
    page.goto(demo.url + "/")
    assert page.title() == "Parley"
    for name in ("API docs", "The review queue", "The host page"):
        assert page.get_by_role("link", name=name).count() == 1

    page.get_by_role("link", name="The host page").click()
    page.wait_for_url(host_page + "/")
    # Three articles, each with a conversation (count.js fills the links).
    counts = page.locator("a[data-parley-count]")
    assert counts.count() == 3
    page.wait_for_function(
        "() => [...document.querySelectorAll('a[data-parley-count]')]"
        ".every(a => /^[1-9]\\d* comments?$/.test(a.textContent))"
    )

    page.get_by_role("link", name=re.compile("^Ministers meet in Lisbon")).click()
    page.locator("#comments li.comment").first.wait_for()
    assert page.locator("#comments [part~='account']").inner_text().strip() == "Sign in to comment"
    text = shadow_text(page)
    assert "null" not in text
    assert re.search(r"\d+ days? ago|yesterday", text)
    assert re.search(r"\d+ (minutes|hours?) ago", text)

    page.click("button[data-reader='amira']")
    page.locator("#comments [part~='reader']").filter(has_text="Amira K.").wait_for()
    page.locator("#comments [part~='new-replies']").wait_for()
    # Amira K. of the host page is the reader `amira`: her comments are hers to delete.
    first = page.locator("#comments li.comment").first
    assert first.locator(":scope > article [part~='author']").inner_text() == "Amira K."
    assert first.locator(":scope > article button[part~='delete']").count() == 1
    assert first.locator(":scope > article button.report").count() == 0
    assert "K.." not in shadow_text(page)
    # Her host picture (served by the host, allowed by its CSP), Ben's initials.
    picture = first.locator(":scope > article [part~='avatar'] img")
    page.wait_for_function(
        "() => [...document.querySelector('#comments').shadowRoot"
        ".querySelectorAll('[part~=avatar] img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert picture.get_attribute("src") == f"{host_page}/avatars/amira.svg"
    ben = page.locator("#comments li.comment li.comment").first.locator(":scope > article")
    assert ben.locator("[part~='author']").inner_text() == "Ben from Leeds"
    assert ben.locator("[part~='avatar']").inner_text() == "BL"
    page.locator("#comments").scroll_into_view_if_needed()
    shot(page.locator("#comments"), "widget-desktop")
    assert csp_violations(page.console_messages) == []


def test_the_widget_on_a_phone(browser, demo, host_page):
    page = new_page(browser, 390, 844)
    page.goto(host_page + "/articles/moderation-demo")
    page.locator("#comments li.comment").first.wait_for()
    page.click("button[data-reader='dmitri']")
    page.locator("#comments [part~='reader']").filter(has_text="Dmitri").wait_for()
    held = page.locator("#comments li.comment[data-status='held']").first
    held.wait_for()
    # No horizontal scrolling at 390 px.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator("#comments").scroll_into_view_if_needed()
    shot(page, "widget-390")


def signed_in_moderator(browser, demo, width: int):
    page = new_page(browser, width, 900)
    page.goto(demo.url + "/admin/login/?next=/admin/moderation/queuecomment/")
    page.fill("#id_username", "moderator")
    page.fill("#id_password", "moderator-demo-pass")
    page.click("input[type=submit]")
    page.locator("#result_list tbody tr").first.wait_for()
    return page


CELL_WIDTHS = """() => [...document.querySelectorAll('#result_list tbody tr')].map(tr => {
  const w = (sel) => tr.querySelector(sel).getBoundingClientRect();
  return {comment: w('td.field-comment').width, why: w('td.field-why').width,
          decide: w('td.field-decide').width, right: w('td.field-decide').right};
})"""


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_queue_gives_the_comment_the_widest_column(browser, demo, width):
    page = signed_in_moderator(browser, demo, width)
    viewport = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport
    for row in page.evaluate(CELL_WIDTHS):
        assert row["comment"] >= max(row["why"], row["decide"]), row
        assert row["comment"] >= (400 if width >= 1280 else 300), row
        assert row["right"] <= viewport, row  # the decision column is never cut off
    # The footer counts comments, not "6 moderation queue".
    assert re.fullmatch(
        r"\d+ comments? in this queue", page.locator("p.paginator").inner_text().strip()
    )
    if width in (1280, 1440):
        page.locator("#result_list").scroll_into_view_if_needed()
        page.evaluate("() => window.scrollTo(0, 0)")
        shot(page, f"queue-{width}")
    assert csp_violations(page.console_messages) == []


def test_the_reported_queue_names_each_applied_clause(browser, demo):
    page = signed_in_moderator(browser, demo, 1280)
    page.click(".pm-tab[data-queue='reported']")
    page.locator(".pm-tab.pm-current[data-queue='reported']").wait_for()
    applied = page.locator(".pm-applied")
    assert applied.count() >= 1
    for text in applied.all_inner_texts():
        assert "()" not in text
        title = re.match(r"Applied: (.+?) \(", text)
        assert title and title[1].strip(), text
        # The reason is shown only when it adds to the clause's title.
        assert text.count(title[1]) == 1, text


def test_the_moderators_workspace_is_their_start_page(browser, demo):
    page = new_page(browser, 1280, 900)
    page.goto(demo.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "moderator")
    page.fill("#id_password", "moderator-demo-pass")
    page.click("input[type=submit]")
    workspace = page.locator("section.pm-workspace")
    workspace.wait_for()
    assert workspace.locator(".pm-tab").count() == 5
    # A moderator's admin holds the moderation pages (the queues, and the appeals, notices and
    # transparency report of accountable moderation) and none of the plumbing.
    captions = page.locator("#content-main .module caption").all_inner_texts()
    assert sorted(captions) == ["ACCOUNTABILITY", "MODERATION"]
    shot(page, "workspace")
