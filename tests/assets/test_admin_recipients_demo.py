"""The admin writes through the services; recipients resolve per key; the demo seeds once and skips without data."""

from datetime import date
from io import StringIO

import pytest
from django.urls import reverse

from assets import demo
from assets.models import Asset, AssetOrder, ExchangeRate, SharingAgreement
from coopcases.audit.models import AuditEntry
from coopcases.events.models import Event
from coopcases.notifications.recipients import resolve
from networks.models import AuthorityKind
from tests.assets.conftest import freezing_order
from tests.factories import AuthorityFactory


@pytest.fixture
def admin_client(client, world):
    world.magistrate.is_staff = world.magistrate.is_superuser = True
    world.magistrate.save()
    client.force_login(world.magistrate)
    return client


def asset_form(world, **kw):
    return {
        "case": world.case.pk, "kind": "account", "description": "Account", "identifiers": '{"iban": "GB82WEST12345698765432"}',
        "location_state": "ES", "holder_name": "", "holder_type": "unknown", "estimated_amount": "", "estimated_currency": "",
        "valuation_date": "", "responsible_authority": world.lead.pk,
    } | kw


def test_admin_add_goes_through_the_service(admin_client, world):
    url = reverse("admin:assets_asset_add")
    response = admin_client.post(url, asset_form(world, identifiers='{"iban": "GB82WEST12345698765431"}'))
    assert response.status_code == 200 and "the check digits are wrong" in response.content.decode()
    response = admin_client.post(url, asset_form(world, estimated_amount="-1", estimated_currency="EUR", valuation_date="2024-01-01"))
    assert "amount must not be negative" in response.content.decode()
    assert not Asset.objects.exists()
    response = admin_client.post(url, asset_form(world))
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.created_by == world.magistrate and Event.objects.filter(event_type="asset.create").count() == 1
    assert AuditEntry.objects.get(object_type="assets.asset").door == "admin"


def test_admin_transition_page_and_order_inline(admin_client, world, account):
    change = reverse("admin:assets_asset_change", args=[account.pk])
    page = admin_client.get(change).content.decode()
    assert "Lifecycle" in page and "record the freezing order first" in page
    trace = reverse("admin:assets_asset_transition", args=[account.pk, "trace"])
    assert admin_client.get(trace).status_code == 200
    assert admin_client.post(trace, {"version": account.version, "reason": ""}).status_code == 302
    account.refresh_from_db()
    assert account.state == "traced"

    form = asset_form(world, identifiers='{"iban": "ES9121000418450200051332"}', estimated_amount="250000.00",
                      estimated_currency="EUR", valuation_date="2024-03-01")
    for name in ("case", "kind"):
        form.pop(name)
    inline = {"orders-TOTAL_FORMS": "1", "orders-INITIAL_FORMS": "0", "orders-MIN_NUM_FORMS": "0", "orders-MAX_NUM_FORMS": "1000",
              "orders-0-kind": "freezing", "orders-0-reference": "DL-1", "orders-0-issued_on": "2024-03-02"}
    response = admin_client.post(change, form | inline)
    assert response.status_code == 200 and "issuing_authority" in response.content.decode()  # required for a freezing order
    assert not AssetOrder.objects.exists()
    response = admin_client.post(change, form | inline | {"orders-0-issuing_authority": world.lead.pk})
    assert response.status_code == 302
    assert AssetOrder.objects.get().created_by == world.magistrate

    freeze = reverse("admin:assets_asset_transition", args=[account.pk, "freeze"])
    admin_client.post(freeze, {"version": 3})
    account.refresh_from_db()
    assert account.state == "frozen"
    release = reverse("admin:assets_asset_transition", args=[account.pk, "release"])
    response = admin_client.post(release, {"version": account.version, "reason": ""}, follow=True)
    assert "a reason is required" in response.content.decode()


def test_admin_exchange_rates(admin_client):
    url = reverse("admin:assets_exchangerate_add")
    response = admin_client.post(url, {"date": "2024-01-02", "base": "EUR", "currency": "EUX", "rate": "1.1", "source": "ECB"})
    assert "not an ISO 4217 currency code" in response.content.decode()
    assert admin_client.post(url, {"date": "2024-01-02", "base": "EUR", "currency": "USD", "rate": "1.1", "source": "ECB"}).status_code == 302
    assert str(ExchangeRate.objects.get().rate) == "1.1000000000"
    assert AuditEntry.objects.filter(object_type="assets.exchangerate", action="create").exists()


def test_recipients(world, account):
    order = freezing_order(world, account)
    assert set(resolve(account, "case_authorities")) == {world.magistrate, world.officer}
    assert set(resolve(account, "responsible_authority")) == {world.magistrate, world.officer}
    assert set(resolve(account, "executing_authority")) == {world.spanish_executor}
    assert set(resolve(order, "responsible_authority")) == {world.magistrate, world.officer}
    assert set(resolve(order, "executing_authority")) == {world.spanish_executor}  # the order names the Madrid court
    assert resolve(account, "jit_leaders") == []


def test_demo_skips_without_reference_data(db):
    out = StringIO()
    demo.seed(out)
    assert "skipped" in out.getvalue() and not Asset.objects.exists()


def test_demo_seeds_once(world):
    AuthorityFactory(country=world.co, kind=AuthorityKind.PROSECUTION)
    AuthorityFactory(country=world.es, kind=AuthorityKind.COURT)
    out = StringIO()
    demo.seed(out)
    demo.seed(out)
    assert "4 assets" in out.getvalue() and "already has its asset file" in out.getvalue()
    assert Asset.objects.filter(case__national_reference=demo.DEMO_REFERENCE).count() == 4
    agreement = SharingAgreement.objects.get()
    assert agreement.state == "agreed" and str(agreement.distributable_amount) == "36800.0000"
    assert {s.party_id: str(s.amount) for s in agreement.shares.all()} == {"ES": "18400.0000", "CO": "18400.0000"}
    assert date.today() >= agreement.agreed_on
