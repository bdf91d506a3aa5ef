import pytest
from django.contrib.auth import get_user_model

from comments.models import Commenter
from embed.models import SiteToken, SSOIdentity, UsedSSOToken
from embed.services import sso_secret_rotate
from policy.documents import default_policy_source
from policy.services import policy_save

from .conftest import OTHER_SECRET, make_token

SSO_URL = "/api/v1/sites/daily/sso/"


def exchange(api, token: str):
    return api.post(SSO_URL, {"token": token}, format="json")


def test_sso_happy_path_gives_a_site_token_for_a_new_reader(api, sso_site):
    response = exchange(api, make_token(email="ada@news.example", avatar="https://x.test/a.png"))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["token"].startswith("pst_")
    assert body["reader"]["display_name"] == "Ada Reader"
    identity = SSOIdentity.objects.get(site=sso_site, external_id="host-42")
    assert identity.commenter.public_id == body["reader"]["id"]
    assert identity.email == "ada@news.example"
    assert identity.avatar_url == "https://x.test/a.png"
    assert not identity.commenter.user.has_usable_password()
    token = SiteToken.objects.get()
    assert token.site == sso_site
    assert token.digest != body["token"]  # only the digest is stored


def test_the_hosts_address_is_where_a_reader_is_e_mailed_and_it_follows_the_host(api, sso_site):
    exchange(api, make_token(email="ada@news.example"))
    user = SSOIdentity.objects.get(site=sso_site).commenter.user
    # Decisions, replies and appeal outcomes go to the account's address.
    assert user.email == "ada@news.example"
    exchange(api, make_token(email="ada.lovelace@news.example", jti="second"))
    user.refresh_from_db()
    assert user.email == "ada.lovelace@news.example"
    # A token without an address leaves the last one known.
    exchange(api, make_token(jti="third"))
    user.refresh_from_db()
    assert user.email == "ada.lovelace@news.example"


def test_same_host_reader_maps_to_the_same_commenter_and_name_follows(api, sso_site):
    first = exchange(api, make_token(name="Ada Reader")).json()
    second = exchange(api, make_token(name="Ada  Lovelace ")).json()

    assert first["reader"]["id"] == second["reader"]["id"]
    assert second["reader"]["display_name"] == "Ada Lovelace"
    assert Commenter.objects.get(public_id=first["reader"]["id"]).display_name == "Ada Lovelace"
    assert SSOIdentity.objects.count() == 1
    assert get_user_model().objects.filter(username__startswith="sso-").count() == 1


def test_same_sub_on_two_sites_is_two_readers(api, sso_site, other_site):
    daily = exchange(api, make_token()).json()
    weekly = api.post(
        "/api/v1/sites/weekly/sso/",
        {"token": make_token(secret=OTHER_SECRET, aud="weekly")},
        format="json",
    ).json()
    assert daily["reader"]["id"] != weekly["reader"]["id"]


@pytest.mark.parametrize(
    ("token_kwargs", "code"),
    [
        ({"lifetime": -60, "iat_offset": -120}, "sso_token_expired"),
        ({"secret": "not-the-site-secret-but-long-enough-to-sign"}, "sso_token_invalid"),
        ({"aud": "weekly"}, "sso_token_wrong_site"),
        ({"drop": ("jti",)}, "sso_token_missing_claims"),
        ({"drop": ("exp",)}, "sso_token_missing_claims"),
        ({"drop": ("sub",)}, "sso_token_missing_claims"),
        ({"drop": ("aud",)}, "sso_token_missing_claims"),
        ({"name": ""}, "sso_token_missing_claims"),
        ({"sub": 42}, "sso_token_missing_claims"),
        ({"lifetime": 3600}, "sso_token_too_long_lived"),
        ({"iat_offset": 600}, "sso_token_invalid"),
    ],
    ids=[
        "expired",
        "wrong-secret",
        "wrong-audience",
        "no-jti",
        "no-exp",
        "no-sub",
        "no-aud",
        "empty-name",
        "non-string-sub",
        "too-long-lived",
        "issued-in-future",
    ],
)
def test_bad_tokens_are_refused_with_401_and_nothing_is_created(api, sso_site, token_kwargs, code):
    response = exchange(api, make_token(**token_kwargs))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "detail"}
    assert SSOIdentity.objects.count() == 0
    assert SiteToken.objects.count() == 0
    assert UsedSSOToken.objects.count() == 0


def test_tampered_token_is_refused(api, sso_site):
    header, _payload, signature = make_token().split(".")
    forged = make_token(name="Someone Else").split(".")[1]
    response = exchange(api, f"{header}.{forged}.{signature}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sso_token_invalid"


@pytest.mark.parametrize(
    ("garbage", "status", "code"),
    [
        ("", 400, "invalid"),
        ("not-a-jwt", 401, "sso_token_invalid"),
        ("a.b.c", 401, "sso_token_invalid"),
    ],
)
def test_garbage_is_refused(api, sso_site, garbage, status, code):
    response = exchange(api, garbage)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_alg_none_is_refused(api, sso_site):
    import jwt

    unsigned = jwt.encode({"sub": "x", "name": "X", "aud": "daily"}, None, algorithm="none")
    response = exchange(api, unsigned)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sso_token_invalid"


def test_replayed_token_is_refused(api, sso_site):
    token = make_token(jti="once-only")
    assert exchange(api, token).status_code == 200

    response = exchange(api, token)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sso_token_replayed"
    assert SiteToken.objects.count() == 1


def test_used_token_ids_are_forgotten_after_expiry(api, sso_site):
    from datetime import timedelta

    from django.utils import timezone

    UsedSSOToken.objects.create(
        site=sso_site, jti="old", expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert exchange(api, make_token()).status_code == 200
    assert list(UsedSSOToken.objects.values_list("jti", flat=True)) != ["old"]
    assert not UsedSSOToken.objects.filter(jti="old").exists()


def test_token_signed_for_another_site_with_its_secret_is_refused(api, sso_site, other_site):
    response = exchange(api, make_token(secret=OTHER_SECRET, aud="weekly"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sso_token_invalid"


def test_site_without_sso_secret_refuses(api, site):
    response = exchange(api, make_token())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "sso_not_configured"


def test_rotated_secret_refuses_tokens_signed_with_the_old_one(api, sso_site):
    new_secret = sso_secret_rotate(site=sso_site)
    old = exchange(api, make_token())
    new = exchange(api, make_token(secret=new_secret))
    assert old.status_code == 401
    assert new.status_code == 200


def test_suspended_reader_cannot_sign_in(api, sso_site):
    exchange(api, make_token())
    user = SSOIdentity.objects.get().commenter.user
    user.is_active = False
    user.save()

    response = exchange(api, make_token())

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "reader_suspended"
    assert SiteToken.objects.count() == 1


# Display names are text readers see: the default policy's word rules (with every disguise
# the comment rules see through) and staff impersonation apply to them (issue 15, item 9).
@pytest.mark.parametrize(
    ("name", "clause"),
    [
        ("Shit Head", "profanity"),
        ("sh!t head", "profanity"),
        ("$h1t", "profanity"),
        ("s.h.i.t", "profanity"),
        ("s h i t", "profanity"),
        ("sh it", "profanity"),
        ("shiiiiit", "profanity"),
        ("\u0455\u04bb\u0456\u0442", "profanity"),
        ("\uff46\uff55\uff43\uff4b", "profanity"),
        ("\U0001d41f\U0001d42e\U0001d41c\U0001d424", "profanity"),
        ("f\u00fcck", "profanity"),
        ("f\u200buck", "profanity"),
        ("f\u0336u\u0336c\u0336k\u0336", "profanity"),
        ("\u24ae\u24a3\u24a4\u24af", "profanity"),
        ("s\U000e0001h\U000e0020it", "profanity"),
        ("\u202etihs", "profanity"),
        ("sh&#105;t", "profanity"),
        ("sh<b></b>it", "profanity"),
        ("FuckFace", "profanity"),
        ("f*ck", "profanity"),
        ("fuxck", "profanity"),
        ("f&ck", "profanity"),
        ("Moderator", "impersonation"),
        ("M0derator", "impersonation"),
        ("Parley Staff", "impersonation"),
        ("ParleyStaff", "impersonation"),
        ("Admin", "impersonation"),
        ("\uff21\uff24\uff2d\uff29\uff2e", "impersonation"),
        ("Site Administrator", "impersonation"),
        ("Mod Team", "impersonation"),
    ],
)
def test_display_names_breaking_the_policy_are_refused_and_nothing_is_created(
    api, sso_site, name, clause
):
    response = exchange(api, make_token(name=name))

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "display_name_refused"
    assert error["detail"]["clause"]["id"] == clause
    assert error["detail"]["clause"]["title"]
    assert error["detail"]["claim"] == "name"
    assert SSOIdentity.objects.count() == 0
    assert SiteToken.objects.count() == 0
    # The token is not used up: the host may mint a new one once the reader renames.
    assert UsedSSOToken.objects.count() == 0


@pytest.mark.parametrize(
    "name",
    [
        "Ada Reader",
        "Dick Cheney",
        "Sachin Shitole",
        "Gerald Butts",
        "Claud Cockburn",
        "Chlo\u00e9 Martin",
        "Amira K.",
        "Admiral Nelson",
        "Staffordshire Fan",
        "Modest Mouse",
    ],
)
def test_ordinary_display_names_are_accepted(api, sso_site, name):
    response = exchange(api, make_token(name=name))

    assert response.status_code == 200, response.json()
    assert response.json()["reader"]["display_name"] == name


def test_display_names_are_judged_by_the_sites_own_policy(api, sso_site):
    source = default_policy_source().replace(
        'rule = "slurs"\n',
        'rule = "banned_words"\n  action = "reject"\n  words = ["quuxcorp"]\n\n'
        '  [[clauses.rules]]\n  rule = "slurs"\n',
        1,
    )
    assert "quuxcorp" in source
    policy_save(site=sso_site, source=source)

    refused = exchange(api, make_token(name="QuuxCorp Fan"))
    assert refused.status_code == 400, refused.json()
    assert refused.json()["error"]["code"] == "display_name_refused"
    assert refused.json()["error"]["detail"]["clause"]["id"] == "hate-speech"
    assert SSOIdentity.objects.count() == 0
