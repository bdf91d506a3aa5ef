from django.urls import path, register_converter

from . import apis, reports
from .ids import ID_REGEX


class ArticleKeyConverter:
    """A host's article key: up to 200 characters, no slash, no control characters."""

    regex = r"[^/\x00-\x1f\x7f]{1,200}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IdConverter:
    """A database id: at most 18 digits, so no id overflows a bigint (comments.ids)."""

    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ArticleKeyConverter, "articlekey")
register_converter(IdConverter, "id")

urlpatterns = [
    path("", apis.ApiRootAPI.as_view(), name="api-root"),
    path("auth/token/", apis.TokenAPI.as_view(), name="auth-token"),
    path("sites/<slug:site>/articles/<articlekey:key>", apis.ArticleAPI.as_view(), name="article"),
    # With the trailing slash every other endpoint has: the same view (documented once).
    path("sites/<slug:site>/articles/<articlekey:key>/", apis.ArticleAPI.as_view(schema=None)),
    path(
        "sites/<slug:site>/articles/<articlekey:key>/comments/",
        apis.ThreadAPI.as_view(),
        name="thread",
    ),
    path("sites/<slug:site>/counts/", apis.CountsAPI.as_view(), name="counts"),
    path("comments/<id:comment_id>/", apis.CommentAPI.as_view(), name="comment"),
    path("comments/<id:comment_id>/replies/", apis.RepliesAPI.as_view(), name="replies"),
    path("comments/<id:comment_id>/vote/", apis.VoteAPI.as_view(), name="vote"),
    path("comments/<id:comment_id>/reports/", reports.ReportAPI.as_view(), name="reports"),
]
