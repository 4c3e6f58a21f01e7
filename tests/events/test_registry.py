import sys
import types

import pytest

from coopcases.core.exceptions import ValidationFailed
from coopcases.core.workflow import Transition, Workflow
from coopcases.events import registry
from coopcases.events.registry import check_event_type_patterns, known_event_types, matches
from requests.models import MlaRequest


def test_deadline_events_are_known():
    assert {"deadline.reminder", "deadline.missed", "deadline.escalated"} <= set(known_event_types())


def test_every_transition_of_a_workflow_module_is_a_known_event_type(monkeypatch):
    module = types.ModuleType("requests.workflow")
    module.WORKFLOW = Workflow(
        model=MlaRequest, state_field="status", event_prefix="mla_request",
        transitions=[Transition("approve", ["validated"], "approved", "Approve", lambda o, a: True, "a prosecutor")],
    )
    monkeypatch.setitem(sys.modules, "requests.workflow", module)
    monkeypatch.setattr(registry, "find_spec", lambda name: object() if name == "requests.workflow" else None)

    assert known_event_types()["mla_request.approve"] == "Approve"
    assert check_event_type_patterns(["mla_request.*", "mla_request.approve", "mla_request.*"]) == [
        "mla_request.*", "mla_request.approve"
    ]


def test_patterns_match_exactly_or_by_prefix():
    assert matches("deadline.*", "deadline.missed")
    assert matches("deadline.missed", "deadline.missed")
    assert not matches("deadline.*", "deadlines.missed")
    assert not matches("deadline", "deadline.missed")


def test_an_empty_or_unknown_list_is_refused_with_the_field_named():
    with pytest.raises(ValidationFailed) as caught:
        check_event_type_patterns([])
    assert caught.value.problems[0].code == "required"
    with pytest.raises(ValidationFailed) as caught:
        check_event_type_patterns(["*"])
    assert caught.value.problems[0].name == "event_types"
