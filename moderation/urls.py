from django.urls import path

import comments.urls  # noqa: F401  (registers the `id` path converter)

from . import apis

urlpatterns = [
    path("sites/", apis.SitesAPI.as_view(), name="moderation-sites"),
    path("sites/<slug:site>/queue/", apis.QueueAPI.as_view(), name="moderation-queue"),
    path("sites/<slug:site>/stats/", apis.StatsAPI.as_view(), name="moderation-stats"),
    path(
        "sites/<slug:site>/commenters/<str:author>/standing/",
        apis.StandingAPI.as_view(),
        name="moderation-standing",
    ),
    path(
        "comments/<id:comment_id>/decision/",
        apis.DecisionAPI.as_view(),
        name="moderation-decision",
    ),
    path(
        "comments/<id:comment_id>/history/",
        apis.HistoryAPI.as_view(),
        name="moderation-history",
    ),
]
