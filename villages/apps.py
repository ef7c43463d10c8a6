from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "村级组织"
