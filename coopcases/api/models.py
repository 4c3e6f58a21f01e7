"""API plumbing rows: partner clients (bound to an authority and to scopes) and idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


class ApiClient(models.Model):
    """A partner system. Its OAuth2 application (client credentials, secret stored hashed by django-oauth-toolkit)
    acts as `service_account`, a user of the client's authority with the service-account role: every read and
    write goes through that user's visibility and rights."""

    application = models.OneToOneField(oauth2_settings.APPLICATION_MODEL, on_delete=models.PROTECT, related_name="api_client")
    service_account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    authority = models.ForeignKey("networks.Authority", on_delete=models.PROTECT, related_name="api_clients")
    scopes = models.CharField(_("scopes"), max_length=1000, help_text=_("Space-separated, e.g. 'requests:read requests:write'"))
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(_("secret last rotated"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, help_text=_("A revoked client gets no token and its tokens are gone"))

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.application.name} ({self.authority_id})"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` of one caller: claimed before the request runs, completed with the response to replay.

    A row without `completed_at` is a request still running (a retry then gets 409). Requests that fail (4xx/5xx)
    release their key, so a corrected retry may reuse it."""

    owner = models.CharField(max_length=80, help_text=_("app:<id> for OAuth clients, user:<id> for sessions"))
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text=_("sha256 of method, path and body"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
