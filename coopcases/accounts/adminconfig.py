"""The admin app with our OTP-protected site as `admin.site` (kept apart from apps.py: it must not import models)."""

from django.contrib.admin.apps import AdminConfig


class SecureAdminConfig(AdminConfig):
    default_site = "coopcases.accounts.admin_site.SecureAdminSite"
