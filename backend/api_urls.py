"""/api/v1/: every app registers its viewsets on the one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from backend import api_auth
from reserves import api as reserves_api
from reserves import bench_api, filing_api, review_api
from tasks import api as tasks_api
from villages.api import risks as api_risks
from villages.api import roster as villages_api

router = DefaultRouter()
villages_api.register(router)
api_risks.register(router)
reserves_api.register(router)
bench_api.register(router)
filing_api.register(router)
review_api.register(router)
tasks_api.register(router)

urlpatterns = [
    path("auth/token/", api_auth.obtain_token, name="api-token"),
    path("auth/token/revoke/", api_auth.revoke_token, name="api-token-revoke"),
    path("", include(router.urls)),
]
