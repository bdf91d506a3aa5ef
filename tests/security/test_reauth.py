"""Re-authentication before dangerous admin actions: refused (prompted) without a recent
sign-in, done once the password or code is given, done at once within the window."""

import pytest
from django.test import Client

from comments.services import site_rotate_api_key
from embed.models import SiteEmbedConfig
from embed.services import sso_secret_set
from policy.models import PolicyVersion
from security.recent import SESSION_KEY
from tests.factories import UserFactory
from tests.moderation.conftest import TEST_POLICY

from .conftest import PASSWORD, admin_login, enrolled, totp_code

SITES = "/admin/comments/site/"
ROTATE = {"action": "rotate_api_key", "index": "0"}


def signed_in(username: str) -> Client:
    client = Client()
    assert admin_login(client, username, PASSWORD).status_code == 302
    return client


def age(client: Client, seconds: int) -> None:
    session = client.session
    session[SESSION_KEY] -= seconds
    session.save()


@pytest.fixture
def keyed_site(site):
    site_rotate_api_key(site=site)
    site.refresh_from_db()
    return site


def digest(site) -> str:
    site.refresh_from_db()
    return site.api_key_digest


def test_rotating_an_api_key_after_the_window_asks_for_the_password(site_admin, keyed_site):
    client = signed_in("boss")
    age(client, 301)
    before = digest(keyed_site)
    data = {**ROTATE, "_selected_action": [keyed_site.pk]}

    prompt = client.post(SITES, data)
    html = prompt.content.decode()
    assert prompt.status_code == 200
    assert 'id="reauth-form"' in html
    assert "Rotate the API key (shown once)" in html
    assert f'name="_selected_action" value="{keyed_site.pk}"' in html
    assert digest(keyed_site) == before

    wrong = client.post(SITES, {**data, "_reauth_password": "not-it"})
    assert "That password is not right." in wrong.content.decode()
    assert digest(keyed_site) == before

    done = client.post(SITES, {**data, "_reauth_password": PASSWORD})
    assert done.status_code == 302
    rotated = digest(keyed_site)
    assert rotated != before
    # The confirmation opens a new window: the next rotation goes straight through.
    assert client.post(SITES, data).status_code == 302
    assert digest(keyed_site) != rotated


def test_within_the_window_the_action_proceeds_at_once(site_admin, keyed_site):
    client = signed_in("boss")
    age(client, 299)
    before = digest(keyed_site)
    response = client.post(SITES, {**ROTATE, "_selected_action": [keyed_site.pk]})
    assert response.status_code == 302
    assert digest(keyed_site) != before


def test_a_session_that_never_signed_in_through_the_form_is_asked(site_admin, keyed_site):
    client = Client()
    client.force_login(site_admin)
    before = digest(keyed_site)
    prompt = client.post(SITES, {**ROTATE, "_selected_action": [keyed_site.pk]})
    assert 'id="reauth-form"' in prompt.content.decode()
    assert digest(keyed_site) == before


def test_other_actions_and_pages_need_no_re_authentication(site_admin, keyed_site):
    client = signed_in("boss")
    age(client, 3600)
    assert client.get(SITES).status_code == 200
    response = client.get(f"/admin/policy/policyversion/add/?site={keyed_site.pk}")
    assert response.status_code == 200
    assert 'id="reauth-form"' not in response.content.decode()


def test_saving_a_policy_version_asks_again_then_saves(site_admin, site):
    client = signed_in("boss")
    age(client, 301)
    url = "/admin/policy/policyversion/add/"
    data = {"site": site.pk, "source": TEST_POLICY, "note": "stricter"}
    prompt = client.post(url, data)
    assert "Save the policy version" in prompt.content.decode()
    assert not PolicyVersion.objects.filter(site=site, note="stricter").exists()

    done = client.post(url, {**data, "_reauth_password": PASSWORD})
    assert done.status_code == 302
    assert PolicyVersion.objects.filter(site=site, note="stricter").count() == 1


def test_rotating_an_sso_secret_asks_again(db, site):
    UserFactory(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    sso_secret_set(site=site, secret="s" * 40)
    config = SiteEmbedConfig.objects.get(site=site)
    client = signed_in("root")
    age(client, 301)
    data = {"action": "rotate_sso_secret", "index": "0", "_selected_action": [config.pk]}
    url = "/admin/embed/siteembedconfig/"
    assert 'id="reauth-form"' in client.post(url, data).content.decode()
    config.refresh_from_db()
    assert config.sso_secret == "s" * 40
    assert client.post(url, {**data, "_reauth_password": PASSWORD}).status_code == 302
    config.refresh_from_db()
    assert config.sso_secret != "s" * 40


def test_an_account_with_a_second_factor_confirms_with_a_code(site_admin, keyed_site, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _ = enrolled(site_admin)
    client = Client()
    admin_login(client, "boss", PASSWORD, otp_token=totp_code(device))
    age(client, 301)
    before = digest(keyed_site)
    data = {**ROTATE, "_selected_action": [keyed_site.pk]}
    prompt = client.post(SITES, data).content.decode()
    assert 'name="_reauth_code"' in prompt and 'name="_reauth_password"' not in prompt
    # The password is not what it asks for.
    client.post(SITES, {**data, "_reauth_password": PASSWORD})
    assert digest(keyed_site) == before
    done = client.post(SITES, {**data, "_reauth_code": totp_code(device, steps_ahead=1)})
    assert done.status_code == 302
    assert digest(keyed_site) != before


QUEUE = "/admin/moderation/queuecomment/"


@pytest.mark.parametrize(
    ("action", "banned", "status"),
    [
        ("ban_authors", True, "held"),
        ("ban_authors_and_take_down", True, "rejected"),
        ("reject_or_remove", False, "rejected"),
    ],
)
def test_bulk_take_downs_and_bans_in_the_queue_ask_again(moderator, site, action, banned, status):
    from comments.models import Comment
    from policy.models import Standing
    from policy.services import policy_save
    from tests.factories import ArticleFactory, CommentFactory
    from tests.moderation.conftest import decide_by_policy

    policy_save(site=site, source=TEST_POLICY)
    comment = decide_by_policy(
        CommentFactory(
            article=ArticleFactory(site=site), status="pending", body="What a nincompoop."
        )
    )
    assert comment.status == "held"
    client = signed_in("mod")
    age(client, 301)
    data = {
        "action": action,
        "_selected_action": [comment.pk],
        "index": 0,
        "clause": "civility",
        "note": "",
        "days": "",
    }
    prompt = client.post(QUEUE, data)
    assert 'id="reauth-form"' in prompt.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == "held"
    assert not Standing.objects.filter(commenter=comment.author, state="banned").exists()

    done = client.post(QUEUE, {**data, "_reauth_password": PASSWORD})
    assert done.status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == status
    assert Standing.objects.filter(commenter=comment.author, state="banned").exists() == banned


def test_approving_in_bulk_needs_no_re_authentication(moderator, site):
    from comments.models import Comment
    from policy.services import policy_save
    from tests.factories import ArticleFactory, CommentFactory
    from tests.moderation.conftest import decide_by_policy

    policy_save(site=site, source=TEST_POLICY)
    comment = decide_by_policy(
        CommentFactory(article=ArticleFactory(site=site), status="pending", body="Nincompoop.")
    )
    client = signed_in("mod")
    age(client, 3600)
    data = {"action": "approve", "_selected_action": [comment.pk], "index": 0, "clause": ""}
    assert client.post(QUEUE, data).status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == "published"


def test_granting_a_role_asks_again(site_admin, site):
    from moderation.models import SiteRole

    UserFactory(username="newmod", is_staff=True)
    client = signed_in("boss")
    age(client, 301)
    url = "/admin/moderation/siterole/add/"
    data = {"username": "newmod", "site": site.pk, "role": "moderator"}
    assert "Save the site role" in client.post(url, data).content.decode()
    assert not SiteRole.objects.filter(user__username="newmod").exists()
    assert client.post(url, {**data, "_reauth_password": PASSWORD}).status_code == 302
    assert SiteRole.objects.filter(user__username="newmod", site=site).exists()
