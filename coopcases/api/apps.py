from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "coopcases.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from coopcases.api import schema  # noqa: F401  (registers the authentication schemes)
