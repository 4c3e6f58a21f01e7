"""Partner clients: create, rotate the secret, revoke. Each writes its audit row in its own transaction.

The plain secret is returned once, by `api_client_create` and `api_client_rotate_secret`; django-oauth-toolkit
stores only its hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Application, RefreshToken

from coopcases.accounts.models import Role, User
from coopcases.accounts.permissions import user_may
from coopcases.accounts.roles import RoleCode
from coopcases.api.models import ApiClient
from coopcases.api.scopes import SCOPES
from coopcases.audit.services import audit_record
from coopcases.core.exceptions import ActionForbidden, FieldProblem, ValidationFailed


@dataclass(frozen=True)
class IssuedCredentials:
    client: ApiClient
    client_id: str
    client_secret: str


def _check_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        problems = [FieldProblem("scopes", _("unknown scope '%(scope)s'") % {"scope": s}, "unknown") for s in unknown]
        raise ValidationFailed(_("Give one or more known scopes."), problems or [FieldProblem("scopes", _("at least one scope is required"), "required")])
    return scopes


def _require_admin(actor) -> None:
    """API clients are accounts: managed by whoever may create accounts (the administrators of policy.yaml)."""
    if actor is not None and not user_may(actor, None, "create"):
        raise ActionForbidden(_("Only an administrator manages API clients."))


def _new_secret() -> str:
    return get_random_string(48)


def api_client_create(*, actor, name: str, authority, scopes, roles=()) -> IssuedCredentials:
    """A partner system acting for `authority` with `scopes`. Its service account carries the service-account role
    plus `roles`, the roles the authority entrusts to the system (e.g. `liaison_magistrate` to file requests)."""
    _require_admin(actor)
    scopes = _check_scopes(scopes)
    secret = _new_secret()
    with transaction.atomic():
        account = User.objects.create(
            username=f"client-{get_random_string(12).lower()}", authority=authority, first_name=name[:150],
        )
        account.set_unusable_password()
        account.save(update_fields=["password"])
        codes = {RoleCode.SERVICE_ACCOUNT, *roles}
        unknown = sorted(set(codes) - set(RoleCode.values))
        if unknown:
            raise ValidationFailed(_("Unknown roles."), [FieldProblem("roles", _("unknown role '%(role)s'") % {"role": r}, "unknown") for r in unknown])
        account.roles.set([Role.objects.get_or_create(code=code)[0] for code in sorted(codes)])
        application = Application.objects.create(
            name=name, user=account, client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret, hash_client_secret=True,
        )
        client = ApiClient.objects.create(application=application, service_account=account, authority=authority, scopes=" ".join(scopes))
        audit_record(actor=actor, action="create", obj=client, after={"name": name, "authority": authority.pk, "scopes": scopes, "roles": sorted(codes)})
    return IssuedCredentials(client, application.client_id, secret)


def _drop_tokens(application) -> int:
    RefreshToken.objects.filter(application=application).delete()
    return AccessToken.objects.filter(application=application).delete()[0]


def api_client_rotate_secret(*, actor, client: ApiClient) -> IssuedCredentials:
    """A new secret; the old one and every token issued with it stop working at once."""
    _require_admin(actor)
    secret = _new_secret()
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().select_related("application").get(pk=client.pk)
        if client.is_revoked:
            raise ValidationFailed(_("A revoked client cannot get a new secret."), [FieldProblem("client", _("revoked"), "revoked")])
        client.application.client_secret = secret
        client.application.save(update_fields=["client_secret", "updated"])
        dropped = _drop_tokens(client.application)
        client.secret_rotated_at = timezone.now()
        client.save(update_fields=["secret_rotated_at"])
        audit_record(actor=actor, action="rotate_secret", obj=client, after={"tokens_revoked": dropped})
    return IssuedCredentials(client, client.application.client_id, secret)


def api_client_revoke(*, actor, client: ApiClient, reason: str = "") -> ApiClient:
    """The client gets no more tokens and the ones it holds are deleted; its service account is disabled."""
    _require_admin(actor)
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().select_related("service_account").get(pk=client.pk)
        if client.is_revoked:
            return client
        dropped = _drop_tokens(client.application)
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        client.service_account.is_active = False
        client.service_account.deactivated_at = client.revoked_at
        client.service_account.save(update_fields=["is_active", "deactivated_at"])
        audit_record(actor=actor, action="revoke", obj=client, after={"tokens_revoked": dropped}, reason=reason)
    return client
