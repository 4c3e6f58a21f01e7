from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MlaRequestsConfig(AppConfig):
    """The MLA requests app. Its folder is `requests/`, which shadows the HTTP library of that name inside
    our processes, so its label is `mla` (tables `mla_*`) and no code of ours imports the `requests` library."""

    name = "requests"
    label = "mla"
    verbose_name = _("Mutual legal assistance requests")
