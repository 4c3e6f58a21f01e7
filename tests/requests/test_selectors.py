"""Who sees which request (one SQL predicate), the approval queue and the deadline annotations."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coopcases.core.exceptions import NotVisible
from requests.models import MlaRequest
from requests.models import MlaRequestState as S
from requests.selectors import awaiting_decision_of, mla_request_get, mla_requests_visible_to, with_deadlines
from tests.factories import UserFactory
from tests.requests.factories import advance, complete_draft, informal_enquiry, step


def _sees(actor, req) -> bool:
    return mla_requests_visible_to(actor).filter(pk=req.pk).exists()


def test_visibility_follows_the_lifecycle(world):
    req = complete_draft(world)
    colleague, roleless = world.user("exec:pe-fecor"), world.user("nobody:pe-fecor")
    requesting_ca = world.user("ca:pe-fn")
    requested_ca, executing = world.user("ca:es-mjusticia"), world.user("exec:es-anticorrupcion")
    outsider = world.user("ca:co-fgn")
    assert (_sees(colleague, req), _sees(requesting_ca, req), _sees(requested_ca, req)) == (True, False, False)
    assert not _sees(roleless, req)  # the policy table grants by role: a user without one sees nothing
    req = advance(world, req, S.SUBMITTED)
    assert _sees(requesting_ca, req) and not _sees(requested_ca, req)
    req = step(step(req, "approve", requesting_ca), "transmit", requesting_ca)
    assert _sees(requested_ca, req) and not _sees(executing, req)
    req = step(step(req, "acknowledge", requested_ca), "assign_executing_authority", requested_ca, executing_authority="es-anticorrupcion")
    assert _sees(executing, req)
    assert not _sees(outsider, req)
    assert _sees(world.user("auditor:co-fgn"), req)


def test_every_central_authority_of_the_state_sees_submitted_requests(world):
    req = advance(world, complete_draft(world, "BR"), S.SUBMITTED)
    assert req.requesting_central_authority.code == "br-pgr"
    assert _sees(world.user("ca:br-drci"), req) and not _sees(world.user("nobody:br-drci"), req)
    assert not _sees(world.user("ca:pt-pgr"), req)


def test_contact_points_see_only_what_travels_through_their_network(world):
    enquiry = informal_enquiry(world, network="rrag")
    formal = advance(world, complete_draft(world, "AR"), S.TRANSMITTED)
    rrag_contact, rfai_contact = world.user("contact:uy-fiscalia"), world.user("contact:ar-procelac")
    rrag_contact.contact_point_networks.add(world.networks["rrag"])
    rfai_contact.contact_point_networks.add(world.networks["rfai"])
    spain_rrag = UserFactory(authority=world.authorities["es-mjusticia"], roles=[])  # network set, role missing
    spain_rrag.contact_point_networks.add(world.networks["rrag"])
    assert not _sees(rrag_contact, enquiry)  # not sent yet
    step(enquiry, "send_informal", world.user("magistrate:ar-procelac"))
    assert _sees(rrag_contact, enquiry) and not _sees(spain_rrag, enquiry)
    assert not _sees(rrag_contact, formal)  # a formal request through the central authorities
    other = world.user("contact:pe-fecor")
    other.contact_point_networks.add(world.networks["rfai"])
    assert not _sees(other, enquiry)


def test_inactive_and_anonymous_see_nothing(world):
    req = complete_draft(world)
    magistrate = world.user("magistrate:pe-fecor")
    magistrate.is_active = False
    assert not _sees(magistrate, req)
    assert not mla_requests_visible_to(AnonymousUser()).exists()
    superuser = UserFactory(authority=None, is_superuser=True)
    assert _sees(superuser, req)


def test_hidden_is_not_found(world):
    req = complete_draft(world)
    with pytest.raises(NotVisible):
        mla_request_get(actor=world.user("ca:es-mjusticia"), pk=req.pk)


def _many(world, count: int, start: int = 0):
    """Rows only (a read test): requests in several states between several pairs."""
    pairs = [("pe-fecor", "PE", "ES", "pe-fn", "es-mjusticia"), ("co-fgn-ddr", "CO", "US", "co-fgn", "us-doj-oia"),
             ("ar-procelac", "AR", "UY", "ar-cancilleria", "uy-accji")]
    states = [S.DRAFT, S.SUBMITTED, S.TRANSMITTED, S.IN_EXECUTION]
    creator = world.user("magistrate:pe-fecor")
    rows = []
    for i in range(start, start + count):
        authority, a, b, ca_a, ca_b = pairs[i % 3]
        state = states[i % 4]
        rows.append(MlaRequest(
            reference=f"T-{i}", reference_year=2026, reference_sequence=i, title=f"r{i}", language="es", state=state,
            requesting_authority=world.authorities[authority], requesting_state_id=a, requested_state_id=b,
            requesting_central_authority=world.authorities[ca_a], requested_central_authority=world.authorities[ca_b],
            created_by=creator, submitted_at=None if state == S.DRAFT else datetime(2026, 1, 1, tzinfo=UTC),
            transmitted_at=datetime(2026, 1, 2, tzinfo=UTC) if state in (S.TRANSMITTED, S.IN_EXECUTION) else None,
        ))
    MlaRequest.objects.bulk_create(rows)


@pytest.mark.parametrize("actor_key", ["magistrate:pe-fecor", "ca:es-mjusticia", "contact:uy-fiscalia", "auditor:co-fgn", "exec:es-anticorrupcion"])
def test_visibility_is_one_query_whatever_the_size(world, actor_key):
    actor = world.user(actor_key)
    actor.contact_point_networks.add(world.networks["rrag"])
    actor = type(actor).objects.get(pk=actor.pk)
    assert actor.role_codes is not None  # the policy reads the roles once per request; the rest is one query
    ContentType.objects.get_for_model(MlaRequest)  # cached per process, as in production
    counts = []
    for start, size in ((0, 3), (3, 60)):
        _many(world, size, start)
        with CaptureQueriesContext(connection) as ctx:
            rows = list(with_deadlines(mla_requests_visible_to(actor)).select_related("requesting_state", "requested_state")[:50])
        counts.append(len(ctx.captured_queries))
        assert all(r.requested_state.code for r in rows)
    assert counts == [1, 1]


def test_visible_counts_per_actor(world):
    _many(world, 24)  # 8 per pair; per pair 2 drafts, 2 submitted, 2 transmitted, 2 in execution (states cycle by 4)
    assert mla_requests_visible_to(world.user("ca:es-mjusticia")).count() == 4  # PE→ES transmitted or executing
    assert mla_requests_visible_to(world.user("ca:pe-fn")).count() == 6  # PE requests once submitted
    assert mla_requests_visible_to(world.user("auditor:uy-accji")).count() == 24


def test_approval_queue_oldest_first_with_overdue_marked(world, clock):
    older = advance(world, complete_draft(world, requested_due_date=date(2026, 3, 20), due_reason="Hearing"), S.SUBMITTED)
    clock.advance(hours=2)
    newer = advance(world, complete_draft(world), S.SUBMITTED)
    advance(world, complete_draft(world, "CO"), S.SUBMITTED)  # another state's queue
    officer = world.user("ca:pe-fn")
    queue = list(with_deadlines(awaiting_decision_of(officer)))
    assert queue == [older, newer]
    assert [r.overdue for r in queue] == [False, False] and queue[0].next_due_at is None  # clocks start at transmission
    clock.set(datetime(2026, 3, 21, 9, 0, tzinfo=UTC))
    assert [r.overdue for r in with_deadlines(awaiting_decision_of(officer))] == [True, False]  # the requested date passed
    assert list(awaiting_decision_of(world.user("magistrate:pe-fecor"))) == []
