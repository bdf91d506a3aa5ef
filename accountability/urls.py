"""The readers' side, under /api/v1/: statements of reasons, appeals, notices."""

from django.urls import path

import comments.urls  # noqa: F401  (registers the `id` path converter)

from . import apis

urlpatterns = [
    path(
        "comments/<id:comment_id>/statement/",
        apis.CommentStatementAPI.as_view(),
        name="comment-statement",
    ),
    path(
        "comments/<id:comment_id>/appeals/",
        apis.CommentAppealAPI.as_view(),
        name="comment-appeals",
    ),
    path("comments/<id:comment_id>/notices/", apis.NoticeAPI.as_view(), name="comment-notices"),
    path(
        "sites/<slug:site>/me/standing/statement/",
        apis.StandingStatementAPI.as_view(),
        name="my-standing-statement",
    ),
    path(
        "sites/<slug:site>/me/standing/appeals/",
        apis.StandingAppealAPI.as_view(),
        name="my-standing-appeals",
    ),
]
