"""The readers' side, under /api/v1/: statements of reasons, appeals, notices."""

from django.urls import path

import comments.urls  # noqa: F401  (registers the `id` path converter)

from . import apis, data_apis

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
    path("me/appeals/", apis.MyAppealsAPI.as_view(), name="my-appeals"),
    path("me/data/", data_apis.MyDataAPI.as_view(), name="my-data"),
    path("me/erasure/", data_apis.MyErasureAPI.as_view(), name="my-erasure"),
    path(
        "sites/<slug:site>/readers/<str:external_id>/data/",
        data_apis.SiteReaderDataAPI.as_view(),
        name="site-reader-data",
    ),
    path(
        "sites/<slug:site>/readers/<str:external_id>/erasure/",
        data_apis.SiteReaderErasureAPI.as_view(),
        name="site-reader-erasure",
    ),
]
