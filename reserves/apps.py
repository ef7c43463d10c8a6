from django.apps import AppConfig


class ReservesConfig(AppConfig):
    name = "reserves"
    verbose_name = "后备干部"
