from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "coopcases.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        autodiscover_modules("retention")  # each app's retention handlers (coopcases.audit.retention)
