"""API tokens: hashed at rest, refused from the next request once their account is disabled."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from coopcases.accounts.roles import RoleCode
from coopcases.accounts.services import user_deactivate
from coopcases.api.models import ApiClient
from coopcases.audit.models import AuditEntry
from tests.factories import AuthorityFactory, UserFactory, magistrate
from tests.security.factories import administrator

pytestmark = pytest.mark.django_db
SECRET = "a-long-client-secret-for-tests-only-0123456789"


def _service_account_app():
    account = UserFactory(roles=[RoleCode.SERVICE_ACCOUNT])
    app = Application.objects.create(
        name="partner system", user=account, client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=SECRET,
    )
    # Only a registered API client (authority and scopes, coopcases.api) obtains tokens.
    ApiClient.objects.create(application=app, service_account=account, authority=AuthorityFactory(), scopes="reference:read")
    return account, app


def _issue_token(client, app) -> str:
    basic = base64.b64encode(f"{app.client_id}:{SECRET}".encode()).decode()
    response = client.post("/oauth/token/", {"grant_type": "client_credentials", "scope": "reference:read"},
                           HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_client_secrets_and_tokens_are_stored_hashed(client):
    _, app = _service_account_app()
    assert SECRET not in Application.objects.get(pk=app.pk).client_secret
    raw = _issue_token(client, app)
    stored = AccessToken.objects.get(application=app)
    assert stored.token == "" and stored.token_checksum == hashlib.sha256(raw.encode()).hexdigest()
    assert client.get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_token_is_refused_once_its_service_account_is_disabled(client):
    account, app = _service_account_app()
    raw = _issue_token(client, app)
    type(account).objects.filter(pk=account.pk).update(is_active=False)  # disabled by any path, tokens still stored
    response = client.get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401 and response.json()["code"] == "account_disabled"
    assert AuditEntry.objects.get(action="token_refused").object_id == str(account.pk)


def test_a_token_issued_to_a_person_is_refused_once_they_are_disabled(client):
    person = magistrate()
    AccessToken.objects.create(user=person, token="person-token-123", scope="read", expires=timezone.now() + timedelta(hours=1))
    assert client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer person-token-123").status_code == 200
    type(person).objects.filter(pk=person.pk).update(is_active=False)
    assert client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer person-token-123").status_code == 401


def test_disabling_an_account_deletes_its_tokens(client):
    account, app = _service_account_app()
    _issue_token(client, app)
    user_deactivate(actor=administrator(), user=account, reason="partner contract ended")
    assert not AccessToken.objects.filter(application=app).exists()
    entry = AuditEntry.objects.get(action="deactivate")
    assert entry.after == {"tokens_revoked": 1} and entry.reason == "partner contract ended"


def test_a_token_in_the_query_string_is_not_accepted(client):
    _, app = _service_account_app()
    raw = _issue_token(client, app)
    assert client.get(f"/api/v1/?access_token={raw}").status_code == 401
