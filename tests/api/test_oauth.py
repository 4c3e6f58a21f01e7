"""OAuth 2.0 client credentials end to end: token, scopes, rotation, revocation; session auth with CSRF."""

import pytest
from rest_framework.test import APIClient

from coopcases.api.models import ApiClient
from coopcases.api.services import api_client_create, api_client_revoke, api_client_rotate_secret
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, ValidationFailed
from tests.api.conftest import token_for
from tests.api.test_mla_requests import NEW, URL
from tests.security.factories import administrator

pytestmark = pytest.mark.django_db


def test_a_client_gets_a_token_and_calls_the_api_as_its_authority(world, partner):
    p = partner(world.authorities["pe-fecor"])
    assert p.issued.client_secret not in ApiClient.objects.get(pk=p.issued.client.pk).application.client_secret
    response = p.api.get(URL)
    assert response.status_code == 200 and response.json()["results"] == []
    assert p.api.post(URL, NEW, format="json").json()["requesting_authority"] == "pe-fecor"


def test_a_token_is_limited_to_the_client_scopes(world, partner):
    p = partner(world.authorities["pe-fecor"], scopes=("requests:read",))
    assert p.api.get(URL).status_code == 200
    refused = p.api.post(URL, NEW, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope" and "requests:write" in refused.json()["detail"]
    assert p.api.get("/api/v1/cases/").status_code == 403
    # a scope the client was not granted cannot be asked for
    assert token_for(p.issued.client_id, p.issued.client_secret, "requests:write").status_code == 400


def test_a_token_may_ask_for_fewer_scopes(world, partner):
    p = partner(world.authorities["pe-fecor"])
    token = token_for(p.issued.client_id, p.issued.client_secret, "requests:read").json()["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(URL).status_code == 200 and api.post(URL, NEW, format="json").status_code == 403


def test_no_or_a_bad_token_is_401(world):
    assert APIClient().get(URL).status_code == 401
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api.get(URL)
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"


def test_a_revoked_client_loses_its_tokens_and_gets_no_new_one(world, partner):
    p = partner(world.authorities["pe-fecor"])
    api_client_revoke(actor=administrator(), client=p.issued.client, reason="contract ended")
    assert p.api.get(URL).status_code == 401
    assert token_for(p.issued.client_id, p.issued.client_secret).status_code == 401
    assert AuditEntry.objects.filter(action="revoke").get().reason == "contract ended"


def test_rotating_the_secret_invalidates_the_old_secret_and_tokens(world, partner):
    p = partner(world.authorities["pe-fecor"])
    issued = api_client_rotate_secret(actor=administrator(), client=p.issued.client)
    assert issued.client_secret != p.issued.client_secret
    assert p.api.get(URL).status_code == 401
    assert token_for(p.issued.client_id, p.issued.client_secret).status_code == 401
    assert token_for(issued.client_id, issued.client_secret).status_code == 200


def test_only_administrators_manage_clients_and_scopes_are_checked(world):
    magistrate = world.user("magistrate:pe-fecor")
    with pytest.raises(ActionForbidden):
        api_client_create(actor=magistrate, name="x", authority=world.authorities["pe-fecor"], scopes=["requests:read"])
    with pytest.raises(ValidationFailed) as raised:
        api_client_create(actor=administrator(), name="x", authority=world.authorities["pe-fecor"], scopes=["everything"])
    assert raised.value.problems[0].name == "scopes"


def test_the_admin_revokes_and_rotates(world, partner, client):
    p = partner(world.authorities["pe-fecor"])
    admin = administrator(is_superuser=True)
    client.force_login(admin)
    changelist = "/admin/api/apiclient/"
    response = client.post(changelist, {"action": "rotate_secret", "_selected_action": [p.issued.client.pk]}, follow=True)
    assert response.status_code == 200 and p.api.get(URL).status_code == 401
    client.post(changelist, {"action": "revoke", "_selected_action": [p.issued.client.pk]}, follow=True)
    assert ApiClient.objects.get(pk=p.issued.client.pk).is_revoked


def test_the_web_session_needs_the_csrf_token_for_writes(world):
    user = world.user("magistrate:pe-fecor")
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(URL).status_code == 200
    refused = browser.post(URL, NEW, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
