from django.urls import path

from . import apis

# Included under /api/v1/moderation/ (config/urls.py), beside moderation.urls.
urlpatterns = [
    path("sites/<slug:site>/export/", apis.ExportAPI.as_view(), name="moderation-export"),
]
