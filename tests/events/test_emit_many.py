import pytest

from coopcases.events import services
from coopcases.events.models import Event
from coopcases.events.services import EventDraft, event_emit, event_emit_many
from tests.factories import UserFactory, bare_mla_request

pytestmark = pytest.mark.django_db


def test_a_batch_continues_each_objects_gapless_sequence_and_runs_the_hooks_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    first, second = bare_mla_request(), bare_mla_request()
    event_emit(obj=first, event_type="mla_request.submit", actor=None)
    committed = []
    monkeypatch.setattr(services, "_after_commit_hooks", [committed.append])
    actor = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        events = event_emit_many(
            drafts=[EventDraft(first, "mla_request.approve", "validated", "approved", data={"n": 1}),
                    EventDraft(second, "mla_request.submit"), EventDraft(first, "mla_request.transmit")],
            actor=actor,
        )
        assert committed == []
    assert [(e.object_id, e.sequence) for e in events] == [(str(first.pk), 2), (str(second.pk), 1), (str(first.pk), 3)]
    assert committed == [e.pk for e in events]
    stored = Event.objects.get(pk=events[0].pk)
    assert (stored.actor, stored.authority_id, stored.to_state, stored.data) == (actor, actor.authority_id, "approved", {"n": 1})
    assert event_emit_many(drafts=[], actor=None) == []
