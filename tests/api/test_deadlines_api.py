"""Deadlines over the API: visible with their subject, filters for sync and urgency, constant query count."""

from datetime import date

import pytest

from coopcases.deadlines.models import Deadline
from tests.api.conftest_api2 import assert_constant_queries, client_for, problem_names
from tests.assets.conftest import account, freezing_order, world  # noqa: F401 (fixtures)

V1 = "/api/v1/deadlines/"


@pytest.fixture
def renewals(world, account):  # noqa: F811
    """Two freezing orders of the case, one whose renewal date has passed, one far ahead."""
    late = freezing_order(world, account, reference="OLD", renewal_due_on=date(2024, 6, 1))
    ahead = freezing_order(world, account, reference="NEW", renewal_due_on=date(2040, 6, 1))
    return late, ahead


def _ids(response):
    assert response.status_code == 200, response.content
    return [d["subject"]["id"] for d in response.json()["results"]]


def test_deadlines_follow_the_visibility_of_their_subject(world, renewals):  # noqa: F811
    late, ahead = renewals
    assert sorted(_ids(client_for(world.magistrate).get(V1))) == sorted([str(late.pk), str(ahead.pk)])
    assert _ids(client_for(world.auditor).get(V1))  # auditors read everything
    outsider = client_for(world.outsider)
    assert _ids(outsider.get(V1)) == []
    deadline = Deadline.objects.get(object_id=str(late.pk))
    assert outsider.get(f"{V1}{deadline.pk}/").status_code == 404


def test_deadline_representation(world, renewals):  # noqa: F811
    late, _ = renewals
    body = client_for(world.magistrate).get(V1, {"subject_type": "assets.assetorder", "subject_id": late.pk}).json()["results"]
    assert len(body) == 1
    deadline = body[0]
    assert deadline["subject"] == {"type": "assets.assetorder", "id": str(late.pk)}
    assert deadline["kind"] == "freeze_renewal" and deadline["state"] == "open"
    assert deadline["overdue"] is True and deadline["seconds_left"] < 0
    assert deadline["responsible_authority"]["id"] == world.lead.pk


def test_filters(world, renewals):  # noqa: F811
    late, ahead = renewals
    api = client_for(world.magistrate)
    assert _ids(api.get(V1, {"overdue": "true"})) == [str(late.pk)]
    assert _ids(api.get(V1, {"overdue": "false"})) == [str(ahead.pk)]
    assert _ids(api.get(V1, {"due_before": "2030-01-01T00:00:00Z"})) == [str(late.pk)]
    assert _ids(api.get(V1, {"state": "met"})) == []
    assert len(_ids(api.get(V1, {"updated_since": "2000-01-01T00:00:00Z"}))) == 2
    assert _ids(api.get(V1, {"updated_since": "2999-01-01T00:00:00Z"})) == []
    assert _ids(api.get(V1, {"ordering": "-due_at"})) == [str(ahead.pk), str(late.pk)]


@pytest.mark.parametrize(
    ("params", "blamed"),
    [
        ({"overdue": "perhaps"}, ["overdue"]),
        ({"due_before": "soon"}, ["due_before"]),
        ({"state": "forgotten"}, ["state"]),
        ({"subject_type": "auth.user"}, ["subject_type"]),
        ({"ordering": "label"}, ["ordering"]),
        ({"page_size": "1000"}, ["page_size"]),
        ({"colour": "red"}, ["colour"]),
    ],
)
def test_bad_parameters(world, params, blamed):  # noqa: F811
    response = client_for(world.magistrate).get(V1, params)
    assert response.status_code == 400 and problem_names(response) == blamed


def test_read_only(world, renewals):  # noqa: F811
    api = client_for(world.magistrate)
    assert api.post(V1, {}, format="json").status_code == 405
    deadline = Deadline.objects.filter(object_id=str(renewals[0].pk)).get()
    assert api.patch(f"{V1}{deadline.pk}/", {"state": "met"}, format="json").status_code == 405


def test_closing_a_deadline_moves_updated_at(world, renewals):  # noqa: F811
    from coopcases.deadlines.services import deadlines_close

    late, _ = renewals
    before = Deadline.objects.get(object_id=str(late.pk)).updated_at
    deadlines_close(subject=late)
    assert Deadline.objects.get(object_id=str(late.pk)).updated_at > before


def test_query_count(world, account):  # noqa: F811
    for year in (2031, 2032, 2033):
        freezing_order(world, account, reference=f"R{year}", renewal_due_on=date(year, 1, 1))
    assert_constant_queries(client_for(world.magistrate), V1)


def test_a_sweep_that_marks_a_deadline_missed_moves_updated_at(world, renewals):  # noqa: F811
    from coopcases.deadlines.sweeps import sweep_reminders

    late, ahead = renewals
    api = client_for(world.magistrate)
    mark = api.get(V1, {"ordering": "-updated_at"}).json()["results"][0]["updated_at"]
    sweep_reminders()
    changed = api.get(V1, {"updated_since": mark, "state": "missed"}).json()["results"]
    assert [d["subject"]["id"] for d in changed] == [str(late.pk)]
    assert changed[0]["updated_at"] > mark
