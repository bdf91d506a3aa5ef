from django.urls import path

from . import apis

urlpatterns = [
    path("sites/<slug:site>/policy/", apis.PolicyAPI.as_view(), name="policy"),
    path("sites/<slug:site>/policy/check/", apis.PolicyCheckAPI.as_view(), name="policy-check"),
]
