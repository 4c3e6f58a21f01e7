"""Invariants shared by the stateful tests: the events replay to the state, one audit row per transition,
no open deadline on a finished object."""

from coopcases.audit.models import AuditEntry
from coopcases.audit.services import object_ref
from coopcases.deadlines.selectors import deadlines_of
from coopcases.deadlines.services import OPEN_STATES
from coopcases.events.models import Event


def replay(obj, workflow, initial: str) -> tuple[list, list]:
    """Fold the object's transition events from its initial state; the result must be its current state.
    Returns the object's events and its transition audit rows (two queries), for further checks."""
    object_type, object_id, _case = object_ref(obj)
    events = list(Event.objects.filter(object_type=object_type, object_id=object_id).order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1)), "event chain has a gap"
    transitions = [e for e in events if e.from_state]
    state = initial
    for event in transitions:
        assert event.from_state == state, f"{event} leaves {event.from_state}, but the object was {state}"
        assert event.event_type.startswith(f"{workflow.event_prefix}.")
        state = event.to_state
    assert state == getattr(obj, workflow.state_field), "the events do not replay to the current state"
    audits = list(
        AuditEntry.objects.filter(object_type=object_type, object_id=object_id, action="transition").order_by("pk")
        .values_list("after", flat=True)
    )
    assert [a["action"] for a in audits] == [e.event_type.split(".", 1)[1] for e in transitions], (
        "not exactly one audit row per transition"
    )
    return events, audits


def no_open_deadline_when_finished(obj, workflow) -> None:
    if workflow.is_terminal(obj):
        assert not deadlines_of(obj).filter(state__in=OPEN_STATES).exists(), f"{obj} is finished but a deadline is open"


