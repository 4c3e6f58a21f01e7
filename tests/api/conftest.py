import base64

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from coopcases.accounts.roles import RoleCode
from coopcases.api.services import api_client_create
from tests.requests.factories import build_world
from tests.security.factories import administrator

ALL_REQUEST_SCOPES = ("requests:read", "requests:write", "cases:read", "cases:write", "reference:read")


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return build_world()


def token_for(client_id: str, secret: str, scope: str | None = None):
    """POST /oauth/token/ (client credentials, HTTP Basic) and return the response."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return APIClient().post("/oauth/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")


class Partner:
    """A partner system: an API client of `authority` with its credentials and a bearer-token APIClient."""

    def __init__(self, authority, scopes=ALL_REQUEST_SCOPES, roles=(RoleCode.LIAISON_MAGISTRATE,)):
        self.issued = api_client_create(actor=administrator(), name=f"system of {authority.code}", authority=authority, scopes=scopes, roles=roles)
        self.user = self.issued.client.service_account
        response = token_for(self.issued.client_id, self.issued.client_secret)
        assert response.status_code == 200, response.content
        self.token = response.json()["access_token"]
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Bearer {self.token}")


@pytest.fixture
def partner():
    return Partner


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client
