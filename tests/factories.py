import factory
from django.contrib.auth import get_user_model

from comments.models import Article, Comment, Commenter, CommentStatus, Report, Site
from comments.rendering import render_body
from embed.models import SiteEmbedConfig, SSOIdentity
from moderation.models import Role, SiteRole
from pipeline.models import ScorerConfig, ScorerKind, WebhookEndpoint
from policy.models import Standing, StandingState


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reader{n}")
    password = factory.django.Password("reader-pass-123")


class CommenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commenter

    user = factory.SubFactory(UserFactory)
    display_name = factory.LazyAttribute(lambda o: o.user.username.title())


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"site{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    allowed_origins = factory.LazyFunction(lambda: ["https://news.example"])


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    site = factory.SubFactory(SiteFactory)
    key = factory.Sequence(lambda n: f"article-{n}")
    url = factory.LazyAttribute(lambda o: f"https://news.example/{o.key}")
    title = factory.Sequence(lambda n: f"Article {n}")


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment stored directly in a status (bypassing moderation) for read-side tests."""

    class Meta:
        model = Comment
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    site = factory.LazyAttribute(lambda o: o.article.site)
    author = factory.SubFactory(CommenterFactory)
    body = factory.Sequence(lambda n: f"A considered remark, number {n}.")
    html = factory.LazyAttribute(lambda o: render_body(o.body))
    status = CommentStatus.PUBLISHED
    parent = None
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)
    root = factory.LazyAttribute(
        lambda o: (o.parent.root or o.parent) if o.parent is not None else None
    )

    @factory.post_generation
    def count_reply(obj, create, extracted, **kwargs):
        # Keep the parent's published-reply counter true, as the state machine would.
        if create and obj.parent_id and obj.status == CommentStatus.PUBLISHED:
            from django.db.models import F

            Comment.objects.filter(pk=obj.parent_id).update(reply_count=F("reply_count") + 1)


class ReportFactory(factory.django.DjangoModelFactory):
    """A stored report; the report threshold runs only through comments.reports.report_create."""

    class Meta:
        model = Report

    comment = factory.SubFactory(CommentFactory)
    reporter = factory.SubFactory(CommenterFactory)
    clause_id = "civility"


class SiteRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteRole

    user = factory.SubFactory(UserFactory, is_staff=True)
    site = factory.SubFactory(SiteFactory)
    role = Role.MODERATOR


class StandingFactory(factory.django.DjangoModelFactory):
    """A stored standing, set by no one (moderation.services.standing_set logs its changes)."""

    class Meta:
        model = Standing

    site = factory.SubFactory(SiteFactory)
    commenter = factory.SubFactory(CommenterFactory)
    state = StandingState.ACTIVE


class ScorerConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScorerConfig

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"scorer{n}")
    kind = ScorerKind.HTTP
    endpoint = "https://scorer.example/score"
    key = "signing-secret"


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    site = factory.SubFactory(SiteFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example/{n}")
    secret = "webhook-secret"


class SiteEmbedConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteEmbedConfig
        django_get_or_create = ("site",)

    site = factory.SubFactory(SiteFactory)


class SSOIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SSOIdentity

    site = factory.SubFactory(SiteFactory)
    commenter = factory.SubFactory(CommenterFactory)
    external_id = factory.Sequence(lambda n: f"host-user-{n}")
