"""End to end in headless Chromium: a host page on one origin, Parley's API on another.

The API is pytest-django's live server (http://localhost:<port>); the host page is the demo
host (embed/demo_host.py) on http://127.0.0.1:<other port>, so every call the embed makes is
a real cross-origin request that CORS must allow. Screenshots land in test-artifacts/.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from comments.models import Article, Comment, CommentStatus
from embed.demo_host import DEMO_HOST_READERS, make_demo_host
from embed.models import SSOIdentity
from embed.services import sso_secret_set
from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, csp_violations

from ..factories import ArticleFactory, CommenterFactory, CommentFactory, SiteFactory

SECRET = "browser-test-sso-secret-0123456789abcdef"
TIMEOUT_MS = 10_000

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # around it are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def api_server(live_server):
    """pytest-django's live server. On SQLite its request threads share the test's one
    in-memory connection, where a write beside an open read fails ("table is locked"):
    there, requests are served one at a time. PostgreSQL keeps full concurrency."""
    if connection.vendor == "sqlite":
        httpd = live_server.thread.httpd
        app = httpd.get_app()
        lock = threading.Lock()

        def serial_app(environ, start_response):
            with lock:
                return app(environ, start_response)

        httpd.set_app(serial_app)
        yield live_server
        httpd.set_app(app)
    else:
        yield live_server


@pytest.fixture
def host(api_server):
    """The demo host page on 127.0.0.1, talking to the live API on localhost."""
    live_server = api_server
    server = make_demo_host(
        "127.0.0.1",
        0,
        parley_url=live_server.url.replace("127.0.0.1", "localhost"),
        site="daily",
        secret=SECRET,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def daily(host, transactional_db):
    cache.clear()
    site = SiteFactory(slug="daily", name="The Daily", allowed_origins=[host.origin])
    sso_secret_set(site=site, secret=SECRET)
    return site


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.console_messages = console
    yield page
    context.close()
    # The demo host page sends a strict CSP of its own (the one docs/embedding.md asks hosts
    # for): the embed must run under it without a single violation.
    assert csp_violations(console) == []


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"embed-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def comment_li(page, comment_id: int):
    return page.locator(f"#comments li.comment[data-id='{comment_id}']")


def sign_in(page, reader: str = "amira") -> None:
    page.click(f"button[data-reader='{reader}']")
    name = DEMO_HOST_READERS[reader]["name"]
    page.locator("#comments [part~='reader']").filter(has_text=name).wait_for()
    # Signing in loads the thread again; the list is aria-busy until that render lands.
    page.wait_for_function(
        "() => !document.querySelector('#comments').shadowRoot.querySelector('ol[aria-busy]')"
    )


def open_article(page, host, key: str = "budget-2026") -> None:
    page.goto(f"{host.origin}/articles/{key}")
    page.locator("#comments section.parley").wait_for()


def test_thread_renders_with_replies_and_keeps_host_styles_out(page, host, daily):
    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    top = CommentFactory(article=article, body="The budget **finally** adds up.")
    replies = [CommentFactory(article=article, parent=top, body=f"Reply {n}") for n in range(5)]
    CommentFactory(article=article, body="<script>alert(1)</script> plain text")

    open_article(page, host)
    thread = comment_li(page, top.pk)
    thread.locator("strong", has_text="finally").wait_for()
    shown = daily.replies_per_comment
    assert thread.locator("ol.replies > li.comment").count() == shown

    thread.locator("button.more-replies").click()
    comment_li(page, replies[-1].pk).wait_for()
    assert thread.locator("ol.replies > li.comment").count() == 5
    # Sanitised HTML only: the script tag is text, never an element.
    assert page.locator("#comments li.comment script").count() == 0
    assert page.locator("#comments").get_attribute("data-parley-site") == "daily"
    count = page.locator("#comments .count")
    count.filter(has_text="(7)").wait_for()

    # The host styles every <button> hotpink; the embed's buttons keep their own look.
    background = page.locator("#comments button.more-replies, #comments [part~='sign-in']").first
    assert background.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 105, 180)"
    # ... and the host's ::part() hook reaches in on purpose.
    author = thread.locator("[part~='author']").first
    assert author.evaluate("a => getComputedStyle(a).color") == "rgb(138, 21, 56)"
    shot(page, "thread")


def test_the_thread_is_aria_busy_while_it_loads_and_settled_after(page, host, daily):
    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    comment = CommentFactory(article=article, body="The council should publish the figures.")
    held = []
    page.route("**/articles/budget-2026/comments/?*", lambda route: held.append(route))
    page.goto(f"{host.origin}/articles/{article.key}")
    busy = (
        "() => document.querySelector('#comments').shadowRoot.querySelector('ol[aria-busy=true]')"
    )
    page.wait_for_function(busy)
    for _ in range(250):  # the route handler runs while Playwright waits; give it up to 5 s
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the list says it is busy while the thread request is unanswered"
    assert page.evaluate(busy) is not None
    held[0].continue_()
    comment_li(page, comment.pk).wait_for()
    assert page.evaluate(busy) is None


def test_reader_signs_in_posts_replies_votes_and_reports(page, host, daily):
    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    ben = CommenterFactory(user__username="host-ben", display_name="Ben")
    others = CommentFactory(article=article, author=ben, body="Taxes should go up.")

    open_article(page, host)
    comment_li(page, others.pk).wait_for()
    sign_in(page, "amira")
    identity = SSOIdentity.objects.get(site=daily, external_id="host-user-1001")
    assert identity.commenter.display_name == "Amira K."

    # Post a top-level comment: published, shown, stored under the SSO reader.
    page.fill("#comments form[part~='form'] textarea", "I read the whole annex. *Worth it.*")
    page.click("#comments form[part~='form'] button[type=submit]")
    page.locator("#comments [part~='notice']").filter(has_text="published").wait_for()
    mine = Comment.objects.get(article=article, author=identity.commenter)
    assert mine.status == CommentStatus.PUBLISHED
    comment_li(page, mine.pk).locator("em", has_text="Worth it.").wait_for()
    shot(page, "posted")

    # Reply to Ben's comment.
    other = comment_li(page, others.pk)
    other.locator(":scope > article button[part~='reply']").click()
    other.locator("textarea").fill("Which taxes, though?")
    other.locator("button[type=submit]").click()
    other.locator("ol.replies > li.comment").wait_for()
    reply = Comment.objects.filter(parent=others).get()
    assert reply.author == identity.commenter
    assert comment_li(page, reply.pk).locator("xpath=..").get_attribute("class") == "replies"

    # Upvote Ben's comment.
    up = other.locator(":scope > article button.vote.up")
    up.click()
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot"
        f".querySelector(\"li[data-id='{others.pk}'] button.vote.up\")"
        ".getAttribute('aria-pressed') === 'true'"
    )
    others.refresh_from_db()
    assert others.score == 1
    assert up.inner_text().strip().endswith("1")

    # Report it with a clause.
    other.locator(":scope > article button.report").click()
    select = other.locator("select[part~='report-clause']")
    select.select_option(index=1)
    other.locator("form[part~='report-form'] textarea").fill("Not really an argument.")
    other.locator("form[part~='report-form'] button[type=submit]").click()
    page.locator("#comments [part~='notice']:has-text('moderator will look')").wait_for()
    assert others.reports.count() == 1
    assert other.locator(":scope > article button.report").is_disabled()
    shot(page, "voted-replied-reported")

    # Keyboard: the composer is reachable and Escape closes a reply form.
    other.locator(":scope > article button[part~='reply']").focus()
    page.keyboard.press("Enter")
    other.locator("textarea").wait_for()
    page.keyboard.press("Escape")
    assert other.locator("textarea").count() == 0
    # Failed loads are network errors the embed handles, not script errors.
    assert not [
        m
        for m in page.console_messages
        if m.startswith("error") and "Failed to load resource" not in m
    ]


def test_policy_clause_shown_before_and_after_posting(page, host, daily):
    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    from django.test import Client

    # The default policy rejects this draft (profanity); the check endpoint says which clause.
    breaking = "fuck this shit"
    check = (
        Client()
        .post(
            "/api/v1/sites/daily/policy/check/", {"body": breaking}, content_type="application/json"
        )
        .json()
    )
    assert check["action"] == "reject"
    clause_title = check["clause"]["title"]

    open_article(page, host)
    sign_in(page)
    form = page.locator("#comments form[part~='form']")
    form.locator("textarea").fill(breaking)
    # Before posting: the live check names the clause.
    form.locator("[part~='check']").filter(has_text=clause_title).wait_for()
    shot(page, "policy-before")
    form.locator("button[type=submit]").click()
    form.locator("button[type=submit]", has_text="Post anyway").wait_for()
    form.locator("button[type=submit]").click()
    # After posting: refused, with the clause, and the reader sees their rejected comment.
    page.locator("#comments [part~='notice']").filter(has_text="Not published").wait_for()
    rejected = page.locator("#comments li.comment[data-status='rejected']")
    rejected.wait_for()
    assert clause_title in rejected.inner_text()
    shot(page, "policy-after")


def test_unknown_article_is_registered_from_an_allowed_origin(page, host, daily):
    open_article(page, host, key="harbour-bridge-vote")
    page.locator("#comments li.empty").wait_for()
    article = Article.objects.get(site=daily, key="harbour-bridge-vote")
    assert article.url == f"{host.origin}/articles/harbour-bridge-vote"
    assert article.title == "Council votes on the harbour bridge tonight"


def test_counts_script_fills_links_with_one_request(page, host, daily):
    forum = ArticleFactory(site=daily, key="foreign-policy-forum")
    CommentFactory.create_batch(2, article=forum)
    CommentFactory(article=forum, status=CommentStatus.HELD)
    count_requests = []
    page.on("request", lambda r: "/counts/" in r.url and count_requests.append(r.url))
    page.goto(host.origin + "/")
    link = page.locator("a[data-parley-count='foreign-policy-forum']")
    page.wait_for_function(
        "() => document.querySelector(\"a[data-parley-count='foreign-policy-forum']\")"
        ".dataset.parleyCountValue !== undefined"
    )
    assert link.inner_text() == "2 comments"
    assert page.locator("a[data-parley-count='harbour-bridge-vote']").inner_text() == "0 comments"
    assert len(count_requests) == 1
    shot(page, "counts")


def test_origin_not_allowed_is_refused(page, host, daily):
    daily.allowed_origins = ["https://somewhere-else.example"]
    daily.save()
    ArticleFactory(site=daily, key="budget-2026")

    open_article(page, host)
    notice = page.locator("#comments [part~='notice']")
    notice.filter(has_text="does not allow this page").wait_for()
    assert page.locator("#comments li.comment").count() == 0
    # The browser itself refuses to hand the response to the page.
    outcome = page.evaluate(
        """async (url) => {
            try { await fetch(url); return "allowed"; } catch (e) { return "blocked"; }
        }""",
        page.evaluate("Parley.api") + "/api/v1/sites/daily/embed/",
    )
    assert outcome == "blocked"
    assert not Article.objects.filter(key="harbour-bridge-vote").exists()
    shot(page, "origin-refused")


def test_guest_comments_and_sees_it_waiting_for_a_moderator(page, host, daily):
    from embed.models import SiteEmbedConfig

    SiteEmbedConfig.objects.filter(site=daily).update(guests=True)
    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")

    open_article(page, host)
    page.fill("#comments [part~='guest-name']", "Passer-by")
    page.click("#comments [part~='guest-sign-in']")
    page.locator("#comments [part~='reader']").filter(has_text="Passer-by").wait_for()
    page.fill("#comments form[part~='form'] textarea", "Visiting from abroad: a fair budget.")
    page.click("#comments form[part~='form'] button[type=submit]")

    page.locator("#comments li.comment[data-status='held']").wait_for()
    comment = Comment.objects.get(body="Visiting from abroad: a fair budget.")
    assert comment.status == "held"
    assert comment.author.display_name == "Passer-by"
    shot(page, "guest-held")


# ---- issue 13: what a reader meets first ----


def shadow_text(page) -> str:
    return page.locator("#comments").evaluate("e => e.shadowRoot.textContent")


def test_signed_out_reader_sees_no_stray_null_and_relative_times(page, host, daily):
    from datetime import timedelta

    from django.utils import timezone

    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    comment = CommentFactory(article=article, body="Three minutes old.")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=3))

    open_article(page, host)
    time = comment_li(page, comment.pk).locator("time").first
    time.wait_for()
    assert page.locator("#comments [part~='account']").inner_text().strip() == (
        "Sign in to comment"
    )
    assert "null" not in shadow_text(page)
    # Relative, in the reader's locale (Chromium's en-US here); the exact time on hover.
    assert time.inner_text() == "3 minutes ago"
    title = time.get_attribute("title")
    assert title and "2026" not in time.inner_text() and "T" not in title
    assert page.evaluate(
        "t => t === new Intl.DateTimeFormat(undefined, {dateStyle: 'full', timeStyle: 'short'})"
        ".format(new Date(document.querySelector('#comments').shadowRoot"
        ".querySelector('time').dateTime))",
        title,
    )


def test_names_and_bodies_are_text_and_avatars_fall_back_to_initials(page, host, daily):
    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    ben = CommenterFactory(user__username="host-ben", display_name="Ben from Leeds")
    sly = CommenterFactory(user__username="sly", display_name='<img src=x onerror="alert(1)">')
    first = CommentFactory(article=article, author=ben, body="Hello.")
    second = CommentFactory(article=article, author=sly, body="Hi.")

    open_article(page, host)
    comment_li(page, second.pk).wait_for()
    assert comment_li(page, first.pk).locator("[part~='avatar']").inner_text() == "BL"
    # A reader signed in through the host shows the host's picture of her.
    sign_in(page, "amira")
    page.fill("#comments form[part~='form'] textarea", "With my picture.")
    page.click("#comments form[part~='form'] button[type=submit]")
    page.locator("#comments [part~='notice']").filter(has_text="published").wait_for()
    mine = Comment.objects.get(body="With my picture.")
    picture = comment_li(page, mine.pk).locator("[part~='avatar'] img")
    assert picture.get_attribute("src") == f"{host.origin}/avatars/amira.svg"
    picture.evaluate("i => i.complete && i.naturalWidth > 0 || new Promise(r => i.onload = r)")
    sly_li = comment_li(page, second.pk)
    assert sly_li.locator("[part~='author']").inner_text() == '<img src=x onerror="alert(1)">'
    assert sly_li.locator("img").count() == 0


def test_signed_in_policy_list_and_hold_explanation_say_things_once(page, host, daily):
    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    open_article(page, host)
    sign_in(page, "amira")
    account = page.locator("#comments [part~='account']").inner_text()
    assert "Signed in as Amira K." in account
    assert "K.." not in shadow_text(page)

    # The policy list is numbered by the list itself, with the policy's own numbers.
    page.click("#comments [part~='policy-link']")
    first = page.locator("#comments [part~='clause']").first
    first.wait_for()
    assert first.get_attribute("value") == "1"
    assert not first.locator("strong").inner_text()[0].isdigit()

    # A held comment's explanation names its clause once.
    page.fill("#comments form[part~='form'] textarea", "You are an idiot if you believe that.")
    page.click("#comments form[part~='form'] button[type=submit]")
    held = page.locator("#comments li.comment[data-status='held']")
    held.wait_for()
    explanation = held.locator("[part~='moderation']").inner_text()
    title = Comment.objects.get(status="held").moderation_clause_title
    assert title and explanation.count(title) == 1


def test_a_new_comment_is_scrolled_to_and_highlighted_and_its_notice_goes(page, host, daily):
    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    for n in range(12):
        CommentFactory(article=article, body=f"Earlier comment number {n}.\n\n" + "Text. " * 40)
    open_article(page, host)
    sign_in(page, "amira")
    page.fill("#comments form[part~='form'] textarea", "Late to the thread, but here goes.")
    page.click("#comments form[part~='form'] button[type=submit]")
    notice = page.locator("#comments [part~='notice']").filter(has_text="published")
    notice.wait_for()
    mine = Comment.objects.get(body="Late to the thread, but here goes.")
    li = comment_li(page, mine.pk)
    assert "just-posted" in li.get_attribute("class")
    # Oldest first: it landed at the bottom, and the page scrolled it into view.
    page.wait_for_function(
        "id => { const li = document.querySelector('#comments').shadowRoot"
        ".querySelector(`li[data-id='${id}']`); const r = li.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight + 1; }",
        arg=mine.pk,
    )
    shot(page, "just-posted")
    # Drafting the next comment clears "Your comment is published."
    page.locator("#comments form[part~='form'] textarea").press_sequentially("And ")
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot"
        ".querySelector('[part~=notice]').textContent === ''"
    )


def test_new_replies_to_the_reader_and_jump_to_my_comment(page, host, daily):
    from datetime import timedelta

    from django.utils import timezone

    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    amira = CommenterFactory(user__username="amira", display_name="Amira K.")
    SSOIdentity.objects.create(site=daily, external_id="host-user-1001", commenter=amira)
    ben = CommenterFactory(user__username="host-ben", display_name="Ben")
    hers = CommentFactory(article=article, author=amira, body="My point.")
    replies = [CommentFactory(article=article, parent=hers, author=ben) for _ in range(2)]
    for n in range(10):
        CommentFactory(article=article, author=ben, body=f"Filler {n}.\n\n" + "Text. " * 40)
    Comment.objects.filter(pk=hers.pk).update(created_at=timezone.now() - timedelta(hours=2))

    open_article(page, host)
    sign_in(page, "amira")
    # The host page's Amira is this commenter: her comment offers Delete, not Report.
    own = comment_li(page, hers.pk).locator(":scope > article")
    own.locator("button[part~='delete']").wait_for()
    assert own.locator("button.report").count() == 0

    new = page.locator("#comments [part~='new-replies']")
    assert new.inner_text() == "2 new replies to you"
    new.click()
    first_reply = comment_li(page, replies[0].pk)
    assert "jumped" in first_reply.get_attribute("class")
    assert new.count() == 0  # seen

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.click("#comments [part~='jump-to-mine']")
    assert "jumped" in comment_li(page, hers.pk).get_attribute("class")
    shot(page, "jump-to-mine")

    # Seen replies are not new on the next visit.
    page.reload()
    page.locator("#comments [part~='jump-to-mine']").wait_for()
    assert page.locator("#comments [part~='new-replies']").count() == 0


def test_the_composer_counts_characters_as_parley_does_emoji_included(page, host, daily):
    # The server counts code points; a maxlength attribute would count UTF-16 units and stop
    # a reader at half the limit in emoji. The limit here is 40 characters.
    daily.max_body_chars = 40
    daily.save(update_fields=["max_body_chars"])
    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    open_article(page, host)
    sign_in(page, "amira")
    body = "Good reporting 👍 thanks 🎉 for this 😀 one"
    body += "." * (40 - len(body))
    assert len(body) == 40 and len(body.encode("utf-16-le")) // 2 > 40
    textarea = page.locator("#comments form[part~='form'] textarea")
    assert textarea.get_attribute("maxlength") is None
    counter = page.locator("#comments form[part~='form'] [part~='counter']")

    textarea.fill(body + "!")
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot"
        ".querySelector('[part~=counter]').textContent.includes('over the limit')"
    )
    assert counter.inner_text() == "1 character over the limit of 40"
    page.click("#comments form[part~='form'] button[type=submit]")
    check = page.locator("#comments form[part~='form'] [part~='check']")
    check.filter(has_text="too long").wait_for()
    assert not Comment.objects.filter(article__key="budget-2026").exists()

    textarea.fill(body)
    page.wait_for_function(
        "() => document.querySelector('#comments').shadowRoot"
        ".querySelector('[part~=counter]').textContent === '0 characters left'"
    )
    page.click("#comments form[part~='form'] button[type=submit]")
    page.locator("#comments [part~='notice']").filter(has_text="published").wait_for()
    assert Comment.objects.get(article__key="budget-2026").body == body


def test_a_site_that_turns_reactions_on_shows_them_and_a_reader_reacts(page, host, daily):
    from reactions.models import Reaction, SiteReactions

    SiteReactions.objects.create(site=daily, kinds=["insightful", "funny"])
    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    theirs = CommentFactory(article=article, body="The council should publish the figures.")
    fan = CommenterFactory()
    Reaction.objects.create(comment=theirs, reactor=fan, kind="funny")
    open_article(page, host)
    sign_in(page, "amira")
    li = comment_li(page, theirs.pk)
    insightful = li.locator("[part~='reaction'][data-kind='insightful']")
    funny = li.locator("[part~='reaction'][data-kind='funny']")
    # The signed-in thread has rendered (sign_in waits for it); its reactions come a moment later.
    page.wait_for_function(
        "id => { const b = document.querySelector('#comments').shadowRoot.querySelector("
        "`li[data-id='${id}'] [data-kind=funny]`); return b && b.getAttribute('aria-label') "
        "=== 'Funny: 1' && b.textContent.includes('1'); }",
        arg=theirs.pk,
    )
    assert funny.get_attribute("aria-label") == "Funny: 1"
    assert insightful.get_attribute("aria-pressed") == "false"

    insightful.click()
    page.wait_for_function(
        "id => document.querySelector('#comments').shadowRoot.querySelector("
        "`li[data-id='${id}'] [data-kind=insightful]`).getAttribute('aria-pressed') === 'true'",
        arg=theirs.pk,
    )
    assert insightful.get_attribute("aria-label") == "Insightful: 1"
    mine = Reaction.objects.get(comment=theirs, reactor__display_name="Amira K.")
    assert mine.kind == "insightful"
    shot(page, "reactions")

    insightful.click()
    page.wait_for_function(
        "id => document.querySelector('#comments').shadowRoot.querySelector("
        "`li[data-id='${id}'] [data-kind=insightful]`).getAttribute('aria-pressed') === 'false'",
        arg=theirs.pk,
    )
    assert not Reaction.objects.filter(pk=mine.pk).exists()


def test_an_author_reads_why_their_comment_is_held_and_appeals(page, host, daily):
    from accountability.models import Appeal

    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    open_article(page, host)
    sign_in(page, "amira")
    page.fill("#comments form[part~='form'] textarea", "You are an idiot if you believe that.")
    page.click("#comments form[part~='form'] button[type=submit]")
    held = page.locator("#comments li.comment[data-status='held']")
    held.wait_for()
    comment = Comment.objects.get(status="held")

    held.locator("[part~='statement']").first.click()
    statement = held.locator("[part~='statement-text']")
    statement.wait_for()
    assert comment.moderation_clause_title in statement.inner_text()
    why = "I was quoting the minister, not calling anyone names."
    held.locator("textarea[part~='appeal']").fill(why)
    held.locator("[part~='submit-appeal']").click()
    status = held.locator("[part~='appeal-status']")
    status.filter(has_text="did not take this decision").wait_for()
    appeal = Appeal.objects.get(comment=comment)
    assert appeal.explanation == why
    shot(page, "statement-and-appeal")

    # Opened again, it says the appeal is under way and offers no second one.
    held.locator("[part~='button'][part~='cancel']").first.click()
    held.locator("[part~='statement']").first.click()
    status.filter(has_text="did not take this decision").wait_for()
    assert held.locator("[part~='submit-appeal']").count() == 0


def test_a_signed_out_reader_notifies_illegal_content_with_an_address(page, host, daily):
    from accountability.models import Notice

    article = ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    theirs = CommentFactory(article=article, body="The mayor took a bribe from the contractor.")
    open_article(page, host)
    li = comment_li(page, theirs.pk)
    li.locator("button[part~='report']").click()
    li.locator("[part~='report-choice'] button[part~='notice']").click()
    form = li.locator("form[part~='notice-form']")
    form.wait_for()
    form.locator("[part~='notice-ground']").fill("Defamation")
    form.locator("textarea").fill("It accuses a named person of a crime without any evidence.")
    form.locator("button[part~='submit-notice']").click()
    # Nothing is sent until every field is there and good faith is confirmed.
    form.locator(".notice.warn").filter(has_text="Fill in every field").wait_for()
    form.locator("[part~='notice-email']").fill("reader@example.org")
    form.locator("button[part~='submit-notice']").click()
    form.locator(".notice.warn").filter(has_text="good faith").wait_for()
    assert not Notice.objects.exists()
    form.locator("[part~='notice-good-faith']").check()
    form.locator("button[part~='submit-notice']").click()
    page.locator("#comments").get_by_text("Your notice was received").wait_for()
    notice = Notice.objects.get(comment=theirs)
    assert (notice.legal_ground, notice.notifier_email, notice.notifier_id) == (
        "Defamation",
        "reader@example.org",
        None,
    )


def test_the_whole_appeal_story_through_the_widget_and_the_admin(browser, api_server, host, daily):
    """Issue 12's "done when": a reader sees why their comment was held, in their language,
    with the clause; appeals it in the widget; a different moderator reverses it in the admin;
    the reader is told; the transparency report counts it."""
    from django.core import mail

    from accountability.models import Appeal
    from moderation.models import Role
    from moderation.services import comment_reject
    from tests.factories import SiteRoleFactory, UserFactory

    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    first, second = (
        UserFactory(username=name, is_staff=True, password=f"{name}-pass-123")
        for name in ("mod1", "mod2")
    )
    for moderator in (first, second):
        SiteRoleFactory(user=moderator, site=daily, role=Role.MODERATOR)

    # The reader's browser speaks German.
    reader_context = browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 1400})
    page = reader_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    open_article(page, host)
    sign_in(page, "amira")
    page.fill("#comments form[part~='form'] textarea", "You are an idiot if you believe that.")
    page.click("#comments form[part~='form'] button[type=submit]")
    page.locator("#comments li.comment[data-status='held']").wait_for()
    comment = Comment.objects.get(status="held")
    # The first moderator confirms the hold: rejected under the clause the engine applied.
    comment_reject(by=first, comment_id=comment.pk, clause_id="civility")

    page.reload()
    rejected = page.locator(f"#comments li.comment[data-id='{comment.pk}']")
    rejected.locator("[part~='statement']").first.click()
    text = rejected.locator("[part~='statement-text']")
    text.wait_for()
    assert "wurde nicht veröffentlicht" in text.inner_text()  # German
    assert comment.moderation_clause_title in text.inner_text()
    rejected.locator("textarea[part~='appeal']").fill("Ich habe den Minister zitiert.")
    rejected.locator("[part~='submit-appeal']").click()
    rejected.locator("[part~='appeal-status']").filter(has_text="did not take").wait_for()
    appeal = Appeal.objects.get(comment=comment)

    # A different moderator reverses it in the admin (the one who rejected could not).
    admin = browser.new_page(viewport={"width": 1400, "height": 1000})
    admin.set_default_timeout(TIMEOUT_MS)
    admin.goto(f"{api_server.url}/admin/login/?next=/admin/accountability/appeal/")
    admin.fill("#id_username", "mod2")
    admin.fill("#id_password", "mod2-pass-123")
    admin.click("input[type=submit]")
    admin.check(f"input[name=_selected_action][value='{appeal.pk}']")
    admin.select_option("select[name=action]", "reverse")
    admin.fill("input[name=note]", "Ein Zitat, keine Beleidigung.")
    admin.click("button[name=index]")
    admin.locator(".messagelist").filter(has_text="1").wait_for()
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED

    # The reader is told, in German, and the thread shows the comment published.
    told = [m for m in mail.outbox if "amira@news.example" in m.to]
    assert told, [(m.to, m.subject) for m in mail.outbox]
    assert "Ein Zitat, keine Beleidigung." in told[-1].body
    page.reload()
    page.locator(
        f"#comments li.comment[data-id='{comment.pk}'][data-status='published']"
    ).wait_for()

    # The transparency report counts the reversed appeal.
    admin.goto(f"{api_server.url}/admin/accountability/appeal/transparency/?site={daily.slug}")
    admin.locator(".pa-summary").filter(has_text="1 reversed").wait_for()
    shot(page, "appeal-story-reader")
    reader_context.close()
    admin.close()


def test_a_suspended_reader_sees_why_and_appeals_their_standing(page, host, daily):
    from datetime import timedelta

    from django.utils import timezone

    from accountability.models import Appeal
    from moderation.models import Role
    from moderation.services import standing_set
    from tests.factories import SiteRoleFactory, UserFactory

    ArticleFactory(site=daily, key="budget-2026", url=f"{host.origin}/articles/x")
    # Made before the browser signs in: on SQLite's shared in-memory database a write to
    # auth_user here could meet the live server's own (the sign-in's) and fail at once with
    # "database table is locked" (shared-cache table locks do not wait).
    moderator = UserFactory(username="mod1", is_staff=True)
    SiteRoleFactory(user=moderator, site=daily, role=Role.MODERATOR)
    open_article(page, host)
    sign_in(page, "amira")  # her account exists from here on
    amira = SSOIdentity.objects.get(site=daily).commenter
    standing_set(
        by=moderator,
        site=daily,
        commenter=amira,
        state="suspended",
        until=timezone.now() + timedelta(days=3),
        reason="Repeated insults",
        message="You can comment again in three days.",
    )
    page.reload()
    sign_in(page, "amira")
    notice = page.locator("#comments [part~='standing']")
    notice.filter(has_text="You can comment again in three days.").wait_for()
    assert "You cannot comment on this site until" in notice.inner_text()
    page.locator("#comments [part~='standing-statement']").click()
    text = page.locator("#comments [part~='statement-text']")
    text.wait_for()
    assert "You cannot comment on The Daily until" in text.inner_text()
    page.locator("#comments textarea[part~='appeal']").fill("I apologised in the thread.")
    page.locator("#comments [part~='submit-appeal']").click()
    page.locator("#comments [part~='appeal-status']").filter(has_text="did not take").wait_for()
    appeal = Appeal.objects.get(appellant=amira)
    assert (appeal.kind, appeal.explanation) == ("standing", "I apologised in the thread.")
