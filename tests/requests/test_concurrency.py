"""Two central authority officers approve the same request at once, on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.db import connection

from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ConcurrentChange, TransitionNotAllowed
from coopcases.events.models import Event
from requests import services
from requests.models import MlaRequest
from requests.models import MlaRequestState as S
from tests.requests.factories import advance, complete_draft


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("with_version", "loser_error"), [(True, ConcurrentChange), (False, TransitionNotAllowed)])
def test_two_approvals_race(world, with_version, loser_error):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    officers = [world.user("ca:pe-fn"), world.user("ca2:pe-fn")]
    for officer in officers:
        officer.role_codes  # noqa: B018 (load the roles before the race, as a request would)
    start = threading.Barrier(len(officers))
    outcomes: dict[str, object] = {}

    def approve(officer):
        try:
            start.wait()
            services.mla_request_transition(
                pk=req.pk, action="approve", actor=officer, expected_version=req.version if with_version else None
            )
            outcomes[officer.username] = "approved"
        except (ConcurrentChange, TransitionNotAllowed) as exc:
            outcomes[officer.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    winners = [name for name, outcome in outcomes.items() if outcome == "approved"]
    losers = [outcome for outcome in outcomes.values() if outcome != "approved"]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], loser_error)
    final = MlaRequest.objects.get(pk=req.pk)
    assert (final.state, final.version, final.approved_by.username) == (S.APPROVED, req.version + 1, winners[0])
    assert Event.objects.filter(object_id=str(req.pk), event_type="mla_request.approve").count() == 1
    assert AuditEntry.objects.filter(object_id=str(req.pk), action="transition", after__action="approve").count() == 1
    sequences = list(Event.objects.filter(object_id=str(req.pk)).order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
