from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """City, county and township dashboards: the top of the layers (reads villages, reserves and report data)."""

    name = "dashboards"
    verbose_name = "概览"
