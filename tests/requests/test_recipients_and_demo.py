"""Notification recipients of a request, and the demo seed."""

import io

from coopcases.deadlines.models import Deadline
from coopcases.notifications.recipients import resolve
from requests import demo
from requests.models import MlaRequest
from requests.models import MlaRequestState as S
from tests.requests.factories import advance, complete_draft


def test_recipient_keys(world):
    req = advance(world, complete_draft(world), S.IN_EXECUTION)
    world.user("nobody:es-anticorrupcion")  # no role: not told
    assert resolve(req, "drafter") == [world.user("magistrate:pe-fecor")]
    assert resolve(req, "requesting_authority") == [world.user("magistrate:pe-fecor")]
    assert resolve(req, "requesting_central_authority") == [world.user("ca:pe-fn")]
    assert resolve(req, "requested_central_authority") == [world.user("ca:es-mjusticia")]
    world.user("exec:es-anticorrupcion")
    assert resolve(req, "executing_authority") == [world.user("exec:es-anticorrupcion")]
    assert resolve(req, "jit_leaders") == []


def test_demo_seed_runs_through_the_services_and_only_once(world):
    out = io.StringIO()
    created = demo.seed(out)
    states = sorted({r.state for r in created})
    assert states == sorted({S.DRAFT, S.SUBMITTED, S.TRANSMITTED, S.IN_EXECUTION, S.EXECUTED})
    assert {r.requesting_state_id for r in created} == {"PE", "CO", "AR", "BR"}
    assert Deadline.objects.exists()
    assert demo.seed(io.StringIO()) == []
    assert MlaRequest.objects.count() == len(created)


def test_demo_seed_without_reference_data_skips_with_a_message(db):
    out = io.StringIO()
    assert demo.seed(out) == []
    assert "skipped" in out.getvalue()
