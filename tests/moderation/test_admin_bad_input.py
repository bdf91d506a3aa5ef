"""The admin pages a moderator or site administrator can reach, asked with ids and query values
nobody should send (a mistyped link, an edited URL): an answer, never a 500.

Every registered model's list, add, change, history and delete pages and the custom admin views
are requested by a superuser and by a moderator of one site."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from moderation.models import Role
from policy.documents import default_policy_source
from policy.services import policy_current
from tests.factories import ArticleFactory, CommentFactory, SiteRoleFactory, UserFactory

from .conftest import browser_for

# Filters, sorting, paging and search, each with a value that does not fit.
LIST_QUERIES = [
    "",
    "?q=%00",
    "?site=nope",
    "?site=%00",
    "?since=not-a-date&until=2026-13-45",
    "?o=abc",
    "?p=abc",
    "?queue=nope&article=abc&clause=%FF%FE",
    "?site=%C2%B2&article=%C2%B2",  # "²", a digit to str.isdigit() that int() refuses
    f"?site={'9' * 20}&article={'9' * 20}",
]
BAD_IDS = ["abc", "9" * 20, "%C2%B2"]
OBJECT_PAGES = ("change", "history", "delete")
_OWN = ("_changelist", "_add", "_change", "_history", "_delete", "_autocomplete")


def admin_urls() -> tuple[list[str], list[str]]:
    """(pages taking a query, pages of one object with a bad id)."""
    queried, by_id = ["/admin/"], []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        queried += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        by_id += [reverse(f"{name}_{page}", args=[i]) for page in OBJECT_PAGES for i in BAD_IDS]
    by_id += [f"/admin/r/{i}/{j}/" for i in BAD_IDS for j in BAD_IDS]  # "view on site"
    by_id += [f"/admin/auth/user/{i}/password/" for i in BAD_IDS]
    for pattern in admin.site.get_urls():
        name = getattr(pattern, "name", None)
        if name and not name.endswith(_OWN):
            try:
                queried.append(reverse(f"admin:{name}"))
            except NoReverseMatch:  # takes arguments: an app index or a model's own page
                continue
    return queried, by_id


@pytest.mark.parametrize("who", ["superuser", "moderator"])
def test_no_admin_page_answers_a_bad_id_or_query_with_a_500(who, site, policy):
    CommentFactory(article=ArticleFactory(site=site))
    user = UserFactory(username=who, is_staff=True, is_superuser=who == "superuser")
    if who == "moderator":
        SiteRoleFactory(user=user, site=site, role=Role.MODERATOR)
    client = browser_for(user)
    client.raise_request_exception = False
    queried, by_id = admin_urls()
    assert len(queried) > 40 and len(by_id) > 100  # every registered model was found
    failed = [
        url
        for url in [u + q for u in queried for q in LIST_QUERIES] + by_id
        if client.get(url).status_code >= 500
    ]
    assert failed == []


def test_the_policy_form_prefills_a_site_from_its_id_and_ignores_anything_else(site, policy):
    client = browser_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    source = policy_current(site=site).source

    prefilled = client.get(f"/admin/policy/policyversion/add/?site={site.pk}")
    assert prefilled.context["adminform"].form.initial["source"] == source

    for value in ("nope", "%00", "9" * 20, "%C2%B2"):  # the last is "²", a digit to isdigit()
        response = client.get(f"/admin/policy/policyversion/add/?site={value}")
        assert response.status_code == 200, value
        assert response.context["adminform"].form.initial["source"] == default_policy_source()
