"""Included at the root by config/urls.py: the two scripts and the embed's API paths."""

from django.urls import path

from . import apis, views

urlpatterns = [
    path("embed.js", views.embed_script, name="embed-script"),
    path("count.js", views.count_script, name="embed-count-script"),
    path("api/v1/sites/<slug:site>/sso/", apis.SSOAPI.as_view(), name="embed-sso"),
    path("api/v1/sites/<slug:site>/guests/", apis.GuestAPI.as_view(), name="embed-guests"),
    path("api/v1/sites/<slug:site>/sso/session/", apis.SignOutAPI.as_view(), name="embed-signout"),
    path(
        "api/v1/sites/<slug:site>/embed/articles/",
        apis.EmbedArticleAPI.as_view(),
        name="embed-articles",
    ),
    path("api/v1/sites/<slug:site>/embed/", apis.EmbedSettingsAPI.as_view(), name="embed-settings"),
]
