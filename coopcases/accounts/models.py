from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopcases.accounts.roles import RoleCode


class Role(models.Model):
    code = models.CharField(max_length=40, unique=True, choices=RoleCode.choices)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()


class User(AbstractUser):
    """Every person or partner system acts for one authority, with one or more roles."""

    authority = models.ForeignKey(
        "networks.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    contact_point_networks = models.ManyToManyField(
        "networks.Network", blank=True, related_name="contact_point_users",
        help_text=_("Networks in which this user is a contact point"),
    )
    # Blank: pages follow the browser (Accept-Language); e-mails, with no browser to ask, use LANGUAGE_CODE.
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, blank=True, default="",
        help_text=_("Blank: the browser's language"),
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    deactivated_at = models.DateTimeField(
        _("deactivated at"), null=True, blank=True, help_text=_("When the account was disabled; starts its retention period")
    )
    pseudonymised_at = models.DateTimeField(
        _("pseudonymised at"), null=True, blank=True, help_text=_("When retention scrubbed this account's personal data")
    )

    class Meta:
        indexes = [
            models.Index(fields=["authority"]),
            models.Index(fields=["deactivated_at"], condition=models.Q(is_active=False, pseudonymised_at__isnull=True), name="user_retention_due"),
        ]

    @property
    def message_language(self) -> str:
        """The language of e-mails and notifications: the preference, else the site's."""
        return self.preferred_language or settings.LANGUAGE_CODE

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("code", flat=True))

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes.intersection(codes))

    @property
    def country_id(self) -> str | None:
        return self.authority.country_id if self.authority_id else None

    def describe(self) -> str:
        roles = ", ".join(sorted(self.role_codes)) or "no role"
        return f"{self.get_username()} ({roles}; {self.authority or 'no authority'})"
