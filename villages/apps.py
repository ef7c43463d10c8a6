from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级组织"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from villages import data_version, signals  # noqa: F401  (connect the data version watch, risk receivers)

        # A login's last_login stamp is charged to no county (villages/data_version.py): Django's receiver is
        # replaced by the same update inside `charged_to(())`.
        if user_logged_in.disconnect(dispatch_uid="update_last_login"):
            user_logged_in.connect(data_version.record_last_login, dispatch_uid="data_version_last_login")
