from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "reserves"
    verbose_name = "后备干部"

    def ready(self) -> None:
        # The audit trail (villages, a lower layer) lists reserve history once this app registers it.
        from reserves.models import Reserve
        from villages.audit.trail import Source, register_source

        register_source("reserve", Source("后备干部", Reserve))
