"""REST API for administrative units, people and posts (API.md)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets on the /api/v1/ router."""
