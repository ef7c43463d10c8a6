from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级组织"

    def ready(self) -> None:
        from villages import data_version, signals  # noqa: F401  (connect the data version watch, risk receivers)
