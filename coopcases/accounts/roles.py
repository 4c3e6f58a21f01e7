"""Role codes the access policy refers to. Which users hold them is data (accounts.Role rows)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    LIAISON_MAGISTRATE = "liaison_magistrate", _("Liaison magistrate")
    CENTRAL_AUTHORITY_OFFICER = "central_authority_officer", _("Central authority officer")
    EXECUTING_AUTHORITY_OFFICER = "executing_authority_officer", _("Executing authority officer")
    NETWORK_CONTACT_POINT = "network_contact_point", _("Network contact point")
    AUDITOR = "auditor", _("Auditor")
    SERVICE_ACCOUNT = "service_account", _("Partner-system service account")
