"""/api/v1/: every app registers its viewsets on the one router."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from villages import api as villages_api

router = DefaultRouter()
villages_api.register(router)

urlpatterns = [
    path("auth/token/", login_not_required(obtain_auth_token), name="api-token"),
    path("", include(router.urls)),
]
