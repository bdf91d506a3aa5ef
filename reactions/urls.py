from django.urls import path

# The `id` path converter is registered there.
import comments.urls  # noqa: F401

from . import apis

urlpatterns = [
    path("sites/<slug:site>/reactions/", apis.SiteReactionsAPI.as_view(), name="site-reactions"),
    path("comments/<id:comment_id>/reaction/", apis.ReactionAPI.as_view(), name="reaction"),
]
