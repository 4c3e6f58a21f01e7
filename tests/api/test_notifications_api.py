"""The caller's notification inbox over the API: only one's own, marking read, filters, constant query count."""

import pytest
from django.utils import timezone

from coopcases.notifications.models import Notification
from tests.api.conftest_api2 import assert_constant_queries, client_for, problem_names
from tests.assets.conftest import account, world  # noqa: F401 (fixtures)
from tests.factories import UserFactory

V1 = "/api/v1/notifications/"


@pytest.fixture
def inbox(world, account):  # noqa: F811
    """Two notifications for the magistrate (one read) and one for someone else."""
    from coopcases.events.services import event_emit

    other = UserFactory()
    now = timezone.now()

    def note(user, title, **kw):
        event = event_emit(obj=world.case, event_type="asset.create", actor=world.magistrate)
        return Notification.objects.create(event=event, user=user, event_type=event.event_type, case=world.case, title=title, created_at=now, **kw)

    mine = [note(world.magistrate, "New asset"), note(world.magistrate, "Seen", read_at=now)]
    return mine, note(other, "Not yours"), other


def _more_notifications(world, count):  # noqa: F811
    from coopcases.events.services import event_emit

    now = timezone.now()
    for i in range(count):
        event = event_emit(obj=world.case, event_type="asset.create", actor=world.magistrate, data={"n": i})
        Notification.objects.create(event=event, user=world.magistrate, event_type=event.event_type, title=f"n{i}", created_at=now)


def test_only_ones_own_notifications(world, inbox):  # noqa: F811
    mine, theirs, _ = inbox
    api = client_for(world.magistrate)
    ids = {n["id"] for n in api.get(V1).json()["results"]}
    assert ids == {n.pk for n in mine}
    response = api.get(f"{V1}{theirs.pk}/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")


def test_mark_one_read(world, inbox):  # noqa: F811
    mine, theirs, _ = inbox
    api = client_for(world.magistrate)
    unread = next(n for n in mine if n.read_at is None)
    response = api.post(f"{V1}{unread.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert api.post(f"{V1}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_and_unread_filter(world, inbox):  # noqa: F811
    _more_notifications(world, 2)
    api = client_for(world.magistrate)
    assert len(api.get(V1, {"unread": "true"}).json()["results"]) == 3
    response = api.post(f"{V1}read/", {}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 3}
    assert api.get(V1, {"unread": "true"}).json()["results"] == []
    response = api.post(f"{V1}read/", {"ids": ["x"]}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["ids.0"]
    response = api.post(f"{V1}read/", {"all": True}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["all"]


def test_filters(world, inbox):  # noqa: F811
    api = client_for(world.magistrate)
    assert len(api.get(V1, {"event_type": "asset.*"}).json()["results"]) == 2
    assert api.get(V1, {"event_type": "deadline.*"}).json()["results"] == []
    assert api.get(V1, {"created_since": "2999-01-01T00:00:00Z"}).json()["results"] == []
    response = api.get(V1, {"unread": "maybe"})
    assert response.status_code == 400 and problem_names(response) == ["unread"]


def test_no_patch_no_delete(world, inbox):  # noqa: F811
    api = client_for(world.magistrate)
    pk = inbox[0][0].pk
    assert api.patch(f"{V1}{pk}/", {"read": True}, format="json").status_code == 405
    assert api.delete(f"{V1}{pk}/").status_code == 405


def test_query_count(world, account):  # noqa: F811
    _more_notifications(world, 3)
    assert_constant_queries(client_for(world.magistrate), V1)
