"""The case timeline merges the events of the case, its JITs and its MLA requests, newest first, as the actor may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors, services
from coopcases.core.exceptions import NotVisible
from coopcases.events.services import event_emit
from requests.models import MlaRequest
from tests.cases.factories import JITFactory
from tests.factories import bare_mla_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(team, monkeypatch):
    """A bare MLA request of the case (its app's workflow simulated with event_emit) and a JIT of the case."""
    request = bare_mla_request(case=team.case)
    event_emit(obj=request, event_type="mla_request.submit", actor=team.es_user, from_state="draft", to_state="submitted")
    jit = team.propose()
    services.jit_transition(actor=team.es_user, jit=jit, action="start_drafting")
    event_emit(obj=request, event_type="mla_request.receive", actor=team.pe_user, from_state="submitted", to_state="received")
    services.case_update(actor=team.es_user, case=team.case, title="Cocaine route (extended)")
    # The requests app decides who sees an MLA request; here: its case's lead authority only.
    monkeypatch.setitem(
        selectors.LINKED_SOURCES, "mla.mlarequest",
        lambda actor: MlaRequest.objects.filter(case__lead_authority_id=actor.authority_id),
    )
    return request, jit


def test_the_timeline_merges_everything_linked_newest_first(team, linked):
    request, jit = linked
    timeline = list(selectors.case_timeline(team.case, team.es_user))
    assert [e.event_type for e in timeline] == [
        "case.updated", "mla_request.receive", "jit.start_drafting", "jit.created", "mla_request.submit", "case.created",
    ]
    assert {e.object_type for e in timeline} == {"cases.case", "mla.mlarequest", "cases.jointinvestigationteam"}
    assert [e.at for e in timeline] == sorted((e.at for e in timeline), reverse=True)


def test_the_timeline_shows_only_what_the_actor_may_see(team, linked):
    # Peru's officer sees the case and the JIT, not the request (the simulated requests policy says so).
    assert [e.event_type for e in selectors.case_timeline(team.case, team.pe_officer)] == [
        "case.updated", "jit.start_drafting", "jit.created", "case.created",
    ]
    # A JIT of the case between other authorities stays out of Peru's view.
    other = JITFactory(case=team.case, parties=[team.es, team.co])
    event_emit(obj=other, event_type="jit.created", actor=None)
    assert len(selectors.case_timeline(team.case, team.pe_officer)) == 4
    assert len(selectors.case_timeline(team.case, team.es_user)) == 7
    # Auditors read everything.
    assert len(selectors.case_timeline(team.case, team.auditor)) == 7


def test_the_timeline_of_an_invisible_case_is_not_found(team, linked):
    with pytest.raises(NotVisible):
        selectors.case_timeline(team.case, team.outsider)
    with pytest.raises(NotVisible):
        selectors.case_links(team.case, team.outsider)


def test_the_links_of_a_case_are_what_the_actor_may_see(team, linked):
    request, jit = linked
    links = {kind: list(qs) for kind, qs in selectors.case_links(team.case, team.pe_officer).items()}
    assert links == {"cases.jointinvestigationteam": [jit], "mla.mlarequest": [], "assets.asset": []}
    links = {kind: list(qs) for kind, qs in selectors.case_links(team.case, team.es_user).items()}
    assert links == {"cases.jointinvestigationteam": [jit], "mla.mlarequest": [request], "assets.asset": []}


def test_the_timeline_costs_two_queries(team, linked):
    assert team.pe_officer.role_codes
    with CaptureQueriesContext(connection) as ctx:
        list(selectors.case_timeline(team.case, team.pe_officer))
    assert len(ctx.captured_queries) == 2  # the visibility check and the timeline itself
