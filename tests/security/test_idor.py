"""IDOR: every API route, walked with another authority's object ids in the URL and in payload references.

The routes come from the URL resolver (tests/security/idor.py), so an endpoint added later is walked without
touching this file. The caller is a user of an unrelated authority holding every working role and every scope:
whatever it reaches of the other authority's objects is a leak. Expected: 404 for ids in URLs; for references in
a payload, 400 naming the field (or 404).
"""

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from assets.models import SharingAgreement
from coopcases.accounts.roles import RoleCode
from coopcases.deadlines.models import Deadline
from coopcases.events.services import event_emit
from coopcases.notifications.models import Notification, WebhookDelivery, WebhookSubscription
from networks.models import Authority
from requests import services as mla_services
from requests.models import MlaRequest
from tests.assets.factories import AssetFactory, OrderFactory
from tests.cases.factories import CaseFactory, JITFactory
from tests.factories import UserFactory
from tests.requests.factories import build_world, complete_draft
from tests.security.idor import WRITE_METHODS, api_routes, payload_references

# Reference data every caller reads (legal facts, the directory of authorities): nothing to hide, so not walked.
PUBLIC_MODELS = {"networks.country", "networks.authority", "networks.network", "networks.instrument"}
WORKING_ROLES = [RoleCode.LIAISON_MAGISTRATE, RoleCode.CENTRAL_AUTHORITY_OFFICER, RoleCode.EXECUTING_AUTHORITY_OFFICER,
                 RoleCode.NETWORK_CONTACT_POINT, RoleCode.SERVICE_ACCOUNT]


class Foreign:
    """Objects of Peruvian and Spanish authorities, built on demand by model label."""

    def __init__(self):
        self.world = build_world()
        self._built = {}
        pe, es = self.world.authorities["pe-fecor"], self.world.authorities["es-anticorrupcion"]
        self.builders = {
            "mla.mlarequest": lambda: complete_draft(self.world, "PE"),
            "mla.attachment": lambda: mla_services.attachment_add(
                request_pk=self.get("mla.mlarequest").pk, actor=self.world.user("magistrate:pe-fecor"), file=b"%PDF-1.7\n%%EOF\n", name="order.pdf"
            ),
            "mla.message": lambda: mla_services.message_post(
                request_pk=self.get("mla.mlarequest").pk, actor=self.world.user("magistrate:pe-fecor"), body="Any news?"
            ),
            "cases.case": lambda: CaseFactory(lead_authority=pe, participating_authorities=[es]),
            "cases.jointinvestigationteam": lambda: JITFactory(case=self.get("cases.case"), parties=[pe, es]),
            "assets.asset": lambda: AssetFactory(case=self.get("cases.case")),
            "assets.assetorder": lambda: OrderFactory(asset=self.get("assets.asset")),
            "assets.sharingagreement": lambda: SharingAgreement.objects.create(
                case=self.get("cases.case"), kind="sharing", basis="untoc_14", holding_state_id="PE", remainder_party_id="PE",
                currency="EUR", realised_amount=Decimal("1000"), distributable_amount=Decimal("1000"),
            ),
            "deadlines.deadline": lambda: Deadline.objects.create(
                content_type=ContentType.objects.get_for_model(MlaRequest), object_id=str(self.get("mla.mlarequest").pk),
                kind="mla_response", label="requested date", trigger_at=timezone.now(), due_at=timezone.now() + timedelta(days=30),
            ),
            "notifications.notification": lambda: Notification.objects.create(
                event=self.event(), user=self.world.user("magistrate:pe-fecor"), event_type="test.event", title="t", created_at=timezone.now()
            ),
            "notifications.webhooksubscription": lambda: WebhookSubscription.objects.create(
                name="Peru", owner=self.world.user("magistrate:pe-fecor"), authority=pe, target_url="https://partner.example.org/hook"
            ),
            "notifications.webhookdelivery": lambda: WebhookDelivery.objects.create(
                event=self.event(), subscription=self.get("notifications.webhooksubscription"), webhook_id="evt_1", body="{}",
                created_at=timezone.now(),
            ),
        }

    def event(self):
        return event_emit(obj=self.get("mla.mlarequest"), event_type="test.event", actor=None)

    def knows(self, label) -> bool:
        return label in self.builders

    def get(self, label):
        if label not in self._built:
            self._built[label] = self.builders[label]()
        return self._built[label]


@pytest.fixture
def foreign(db):
    return Foreign()


@pytest.fixture
def outsider(foreign):
    """A user of an unrelated authority with every working role, and an API client holding every scope."""
    authority = Authority.objects.create(code="zz-outsider", name="Outsider prosecution", country_id="UY", kind="prosecution", source="test")
    user = UserFactory(authority=authority, roles=WORKING_ROLES)
    token = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=user, token=token, scope=" ".join(settings.OAUTH2_PROVIDER["SCOPES"]), expires=timezone.now() + timedelta(hours=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return user, client


def _send(client, method, url, data=None, view=None):
    """A write goes in a format its view parses (JSON, else multipart), as a real caller would send it."""
    if method not in WRITE_METHODS:
        return getattr(client, method)(url)
    media_types = {parser.media_type for parser in getattr(view, "parser_classes", ())}
    return getattr(client, method)(url, data or {}, format="json" if not media_types or "application/json" in media_types else "multipart")


@pytest.mark.urls("tests.security.idor_urls")
def test_the_walker_finds_router_and_hand_written_routes_under_the_api_only(db):
    routes = {r.name: r for r in api_routes()}
    assert set(routes) == {"v1:authorities-list", "v1:authorities-detail", "v1:case-members"}
    assert routes["v1:authorities-detail"].parameters == ("pk",)
    assert routes["v1:authorities-detail"].models == {"pk": "networks.authority"}
    assert routes["v1:authorities-list"].methods == {"get": "list", "post": "create"}
    assert routes["v1:case-members"].models == {"case_pk": "cases.case"}
    references = payload_references(routes["v1:authorities-list"], "post", UserFactory())
    assert {name: label for name, (_field, label) in references.items()} == {"country": "networks.country"}


def test_every_route_answers_404_for_another_authoritys_ids_in_the_url(foreign, outsider):
    _user, client = outsider
    leaks, unknown = [], []
    for route in api_routes():
        if not route.parameters:
            continue
        if set(route.models.values()) <= PUBLIC_MODELS:
            continue
        missing = [p for p, label in route.models.items() if label is None or not foreign.knows(label)]
        if missing:
            unknown.append(f"{route.template}: {[(p, route.models[p]) for p in missing]}")
            continue
        try:
            url = reverse(route.name, kwargs={p: str(foreign.get(label).pk) for p, label in route.models.items()})
        except NoReverseMatch as exc:
            unknown.append(f"{route.template}: {exc}")
            continue
        for method in route.methods:
            response = _send(client, method, url, view=route.view)
            if response.status_code != 404:
                leaks.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not unknown, f"routes whose parameters the IDOR suite cannot fill (add to PARENT_PARAMETERS / Foreign): {unknown}"
    assert not leaks, f"another authority's objects reached: {leaks}"


def test_payload_references_to_another_authoritys_objects_are_refused(foreign, outsider):
    user, client = outsider
    leaks = []
    for route in api_routes():
        if route.parameters:
            continue
        for method in (m for m in route.methods if m in WRITE_METHODS):
            for name, (field, label) in payload_references(route, method, user).items():
                if not foreign.knows(label):
                    continue
                reference = {name: field.to_representation(foreign.get(label))}
                response = _send(client, method, reverse(route.name), reference, view=route.view)
                named = [p.get("name") for p in response.json().get("invalid_params", [])] if response.status_code == 400 else []
                if response.status_code != 404 and name not in named:
                    leaks.append(f"{method.upper()} {route.template} {name}={label} -> {response.status_code} {named}")
    assert not leaks, f"payload references to another authority's objects accepted: {leaks}"
