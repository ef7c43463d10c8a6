from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "reserves"
    verbose_name = "后备干部"

    def ready(self) -> None:
        # The audit trail (villages, a lower layer) lists reserve history once this app registers it.
        from reserves import after_signals, bench_signals, review_signals
        from reserves.after_risks import after_election_findings, refresh_after_election
        from reserves.mentoring import mentoring_findings
        from reserves.models import Reserve
        from reserves.reviews.queue import review_findings
        from reserves.standing import refresh_standing, standing_findings
        from villages.audit.trail import Source, register_source
        from villages.risk import register_finder, register_refresher

        register_source("reserve", Source("后备干部", Reserve))
        # The risk work queue (villages) re-checks reserves' eligibility before it counts them (一职一备) and keeps
        # this app's findings (missing mentors, overdue talks, reserves who no longer meet the rules, reviews).
        register_refresher("reserve_standing", refresh_standing)
        register_finder("reserve_standing", standing_findings)
        register_finder("reserve_mentoring", mentoring_findings)
        register_finder("qualification_review", review_findings)
        bench_signals.connect()
        review_signals.connect()
        # The risk work queue (villages) keeps the work after an election too: open filings, overdue steps.
        register_refresher("after_election", refresh_after_election)
        register_finder("after_election", after_election_findings)
        after_signals.connect()
