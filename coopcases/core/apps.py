from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coopcases.core"
    label = "core"
    verbose_name = "Core"
