from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "后台任务"

    def ready(self) -> None:
        # Register the Celery entry points in every process (web included): jobs hand work over by task name
        # (tasks.imports, tasks.reports.jobs), and eager mode (no Redis) runs a task only if it is registered.
        from tasks import import_tasks, receivers, report_tasks, risk_tasks  # noqa: F401
        from villages.signals import register_risk_dispatcher

        # A write's risk re-evaluation runs where tasks.risk_tasks.dispatch says (a Celery task after commit).
        register_risk_dispatcher(risk_tasks.dispatch)
