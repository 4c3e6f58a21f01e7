"""The admin is a door like the others: confidential fields stay hidden until the officer states a purpose, and the
read is recorded with it (docs/access-policy.md)."""

import pytest
from django.urls import reverse

from coopcases.audit.models import AuditEntry
from requests.models import MlaRequestState as S
from tests.requests.factories import advance, build_world, complete_draft
from tests.security.helpers import sign_in_verified

FACTS = "Transfers of 2.3 million through shell companies in Panamá"


@pytest.fixture
def world(db):
    return build_world()


def _staff(world, client, key):
    user = world.user(key)
    user.is_staff = True
    user.save()
    sign_in_verified(client, user)
    return user


@pytest.fixture
def request_and_url(world):
    req = advance(world, complete_draft(world, facts_summary=FACTS), S.SUBMITTED)
    return req, reverse("admin:mla_mlarequest_change", args=[req.pk])


def test_confidential_fields_are_hidden_until_a_purpose_is_stated_and_the_read_is_audited(world, client, request_and_url):
    req, url = request_and_url
    officer = _staff(world, client, "ca:pe-fn")
    page = client.get(url).content.decode()
    assert page.count(FACTS) == 0 and req.reference in page and 'name="purpose"' in page
    assert not AuditEntry.objects.filter(action="view").exists()
    shown = client.get(url, {"purpose": "  decide on approval of the request  "}).content.decode()
    assert FACTS in shown and "decide on approval of the request" in shown
    entry = AuditEntry.objects.get(action="view")
    assert (entry.door, entry.actor, entry.object_type, entry.object_id) == ("admin", officer, "mla.mlarequest", str(req.pk))
    assert entry.purpose == "decide on approval of the request" and entry.after == {"fields": ["facts_summary"]}


def test_a_blank_purpose_shows_nothing_and_records_nothing(world, client, request_and_url):
    _req, url = request_and_url
    _staff(world, client, "ca:pe-fn")
    assert FACTS not in client.get(url, {"purpose": "   "}).content.decode()
    assert not AuditEntry.objects.filter(action="view").exists()


def test_a_purpose_does_not_open_what_the_policy_hides(world, client, request_and_url, monkeypatch):
    _req, url = request_and_url
    _staff(world, client, "ca:pe-fn")
    monkeypatch.setattr("coopcases.audit.purpose.actor_may_on", lambda actor, obj, action: action != "view_confidential")
    page = client.get(url, {"purpose": "curiosity"}).content.decode()
    assert FACTS not in page and 'name="purpose"' not in page
    assert not AuditEntry.objects.filter(action="view").exists()
