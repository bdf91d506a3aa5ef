from django.urls import path

from .preferences import PreferencesAPI

urlpatterns = [
    path("me/preferences/", PreferencesAPI.as_view(), name="preferences"),
]
