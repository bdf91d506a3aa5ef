"""The moderators' side, under /api/v1/moderation/: appeal and notice queues, the
transparency report."""

from django.urls import path

import comments.urls  # noqa: F401  (registers the `id` path converter)

from . import apis

urlpatterns = [
    path("sites/<slug:site>/appeals/", apis.AppealQueueAPI.as_view(), name="moderation-appeals"),
    path(
        "appeals/<id:appeal_id>/decision/",
        apis.AppealDecisionAPI.as_view(),
        name="moderation-appeal-decision",
    ),
    path("sites/<slug:site>/notices/", apis.NoticeQueueAPI.as_view(), name="moderation-notices"),
    path(
        "notices/<id:notice_id>/decision/",
        apis.NoticeDecisionAPI.as_view(),
        name="moderation-notice-decision",
    ),
    path(
        "sites/<slug:site>/transparency/",
        apis.TransparencyAPI.as_view(),
        name="moderation-transparency",
    ),
    path(
        "sites/<slug:site>/transparency.csv",
        apis.TransparencyCSVAPI.as_view(),
        name="moderation-transparency-csv",
    ),
]
