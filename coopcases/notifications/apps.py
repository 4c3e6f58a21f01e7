from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "coopcases.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        autodiscover_modules("recipients")
