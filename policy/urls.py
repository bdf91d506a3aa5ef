from django.urls import path

from . import apis

urlpatterns = [
    path("sites/<slug:site>/policy/", apis.PolicyAPI.as_view(), name="policy"),
    path("sites/<slug:site>/policy/check/", apis.PolicyCheckAPI.as_view(), name="policy-check"),
    path("sites/<slug:site>/me/standing/", apis.MyStandingAPI.as_view(), name="my-standing"),
]
