from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "reserves"
    verbose_name = "后备干部"

    def ready(self) -> None:
        # The audit trail (villages, a lower layer) lists reserve history once this app registers it.
        from reserves import review_signals
        from reserves.models import Reserve
        from reserves.reviews.queue import review_findings
        from villages.audit.trail import Source, register_source
        from villages.risk import register_finder

        register_source("reserve", Source("后备干部", Reserve))
        # The risk work queue (villages) keeps the review's findings too; a review change recomputes its village.
        register_finder("qualification_review", review_findings)
        review_signals.connect()
