from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级组织"

    def ready(self) -> None:
        from villages import signals  # noqa: F401  (connects the risk recompute receivers)
