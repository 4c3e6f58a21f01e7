"""The reference admin: staff with model permissions only, and its pages work for central-authority staff."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from networks import models as m
from tests.factories import AuthorityFactory, CountryFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMINS = ["country", "authority", "network", "membership", "contactpoint", "instrument", "instrumentparty", "deadlinerule",
          "offence", "measure", "refusalground", "holidayoverride", "referencedataset"]


@pytest.fixture
def world():
    country = CountryFactory(code="XA", name_en="Xanadu")
    authority = AuthorityFactory(country=country, central=True, code="xa-ca", name="Central Authority of Xanadu")
    network = m.Network.objects.create(code="NET", acronym="NET", name_en="Network", kind="judicial", source="t")
    m.Membership.objects.create(network=network, country=country, authority=authority, source="t")
    instrument = m.Instrument.objects.create(code="TREATY", short_name="Treaty", name_en="Treaty", kind="bilateral", source="t")
    m.InstrumentParty.objects.create(instrument=instrument, country=country, source="t")
    return country, authority


def staff(*perms):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="networks", codename__in=perms))
    return user


def test_non_staff_is_sent_to_the_login_page(client, world):
    client.force_login(UserFactory(is_staff=False))
    response = client.get(reverse("admin:networks_country_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_without_permission_cannot_change_reference_data(client, world):
    country, _ = world
    client.force_login(staff("view_country"))
    url = reverse("admin:networks_country_change", args=[country.pk])

    assert client.get(url).status_code == 200  # view only
    response = client.post(url, {"name_en": "Renamed"})
    assert response.status_code == 403
    assert client.get(reverse("admin:networks_authority_changelist")).status_code == 403


def test_staff_with_change_permission_edits_an_authority(client, world):
    _, authority = world
    client.force_login(staff("view_authority", "change_authority"))
    url = reverse("admin:networks_authority_change", args=[authority.pk])
    response = client.post(url, {
        "code": authority.code, "country": authority.country_id, "kind": "central_authority", "name": authority.name,
        "email": "ca@xanadu.example", "languages": "[]", "source": "t", "verified": "on",
    })
    assert response.status_code == 302, response.content[:2000]
    authority.refresh_from_db()
    assert authority.email == "ca@xanadu.example"


@pytest.mark.parametrize("model", ADMINS)
def test_every_reference_page_lists_and_searches(admin_client, world, model):
    url = reverse(f"admin:networks_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Xanadu"}).status_code == 200


def test_change_pages_with_inlines_render(admin_client, world):
    country, _ = world
    for name, obj in [("country", country), ("network", m.Network.objects.get()), ("instrument", m.Instrument.objects.get())]:
        assert admin_client.get(reverse(f"admin:networks_{name}_change", args=[obj.pk])).status_code == 200


def test_autocomplete_finds_authorities_by_country_name(admin_client, world):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Xanadu", "app_label": "networks", "model_name": "membership", "field_name": "authority"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Central Authority of Xanadu (XA)"]


def test_what_the_loader_wrote_is_read_only(admin_client):
    assert admin_client.get(reverse("admin:networks_referencedataset_add")).status_code == 403
