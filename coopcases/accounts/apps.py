from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "coopcases.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        from coopcases.accounts import auth_events, checks  # noqa: F401 (receivers and system checks register on import)
