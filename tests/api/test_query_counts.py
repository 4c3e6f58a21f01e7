"""Lists make the same number of queries whatever the number of rows on the page; details a fixed number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coopcases.accounts.roles import RoleCode
from coopcases.audit.chain import audit_chain_verify
from coopcases.audit.models import AuditEntry
from coopcases.events.models import Event
from requests.services import message_post
from tests.api.conftest import session_client
from tests.api.test_mla_requests import NEW, URL
from tests.cases.factories import CaseFactory, JITFactory
from tests.requests.factories import advance, complete_draft

pytestmark = pytest.mark.django_db


def _queries(api, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_mla_request_list_and_detail(world, partner):
    p = partner(world.authorities["pe-fecor"])
    created = [p.api.post(URL, NEW, format="json").json() for _ in range(2)]
    few = _queries(p.api, URL)
    for _ in range(6):
        p.api.post(URL, NEW | {"offences": ["MONEY_LAUNDERING", "DRUG_TRAFFICKING"], "legal_bases": ["UNTOC", "VIENNA1988"]}, format="json")
    assert _queries(p.api, URL) == few
    assert _queries(p.api, URL, page_size=200) == few
    assert _queries(p.api, f"{URL}{created[0]['id']}/") == few


def test_mla_request_reads_of_a_caller_whose_confidential_access_depends_on_the_request(world):
    """A central authority officer sees the confidential content of some requests only (policy.yaml): deciding it
    costs no query per row. At most 6 queries per read."""
    drafts = [complete_draft(world) for _ in range(2)]
    officer = session_client(world.user("ca:pe-fecor"))  # sees its authority's drafts, not their confidential content
    few = _queries(officer, URL)
    for _ in range(5):
        complete_draft(world, offences=["MONEY_LAUNDERING", "DRUG_TRAFFICKING"])
    assert _queries(officer, URL) == few <= 6
    assert _queries(officer, URL, page_size=1) == few
    assert _queries(officer, f"{URL}{drafts[0].pk}/") <= 6
    assert {row["facts_summary"] for row in officer.get(URL).json()["results"]} == {None}


def test_nested_lists(world, partner):
    p = partner(world.authorities["pe-fecor"])
    base = f"{URL}{p.api.post(URL, NEW, format='json').json()['id']}/"
    p.api.post(f"{base}messages/", {"body": "one"}, format="json")
    counts = (_queries(p.api, f"{base}messages/"), _queries(p.api, f"{base}events/"))
    for i in range(5):
        p.api.post(f"{base}messages/", {"body": f"more {i}"}, format="json")
    assert (_queries(p.api, f"{base}messages/"), _queries(p.api, f"{base}events/")) == counts


def test_case_and_jit_lists(world):
    lead = world.authorities["pe-fecor"]
    others = [world.authorities[c] for c in ("es-anticorrupcion", "br-mpf-sp")]
    api = session_client(world.user("magistrate:pe-fecor"))
    CaseFactory(lead_authority=lead, participating_authorities=others)
    JITFactory(parties=[lead, others[0]])
    few = (_queries(api, "/api/v1/cases/"), _queries(api, "/api/v1/jits/"))
    for _ in range(5):
        CaseFactory(lead_authority=lead, participating_authorities=others)
        JITFactory(parties=[lead, *others])
    assert (_queries(api, "/api/v1/cases/"), _queries(api, "/api/v1/jits/")) == few


APPROVAL_QUERIES = 16  # see docs/benchmarks.md, "Transition end to end": what each one is


def test_an_approval_costs_a_fixed_number_of_queries(world, partner):
    """POST …/transitions/ {approve} with a bearer token, Idempotency-Key and If-Match: state, event, chained audit row
    and the idempotency record in a fixed number of queries, whatever the request's history."""
    ca = partner(world.authorities["pe-fn"], roles=(RoleCode.CENTRAL_AUTHORITY_OFFICER,))
    counts = []
    for history in (0, 4):
        req = advance(world, complete_draft(world, "PE"), "submitted")
        for i in range(history):
            message_post(request_pk=req.pk, actor=world.user("magistrate:pe-fecor"), body=f"note {i}")
        ca.api.get(f"{URL}{req.pk}/")  # steady state: the content types and the policy are cached per process
        events, audit = Event.objects.count(), AuditEntry.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            response = ca.api.post(f"{URL}{req.pk}/transitions/", {"action": "approve"}, format="json",
                                   HTTP_IDEMPOTENCY_KEY=f"approve-{req.pk}", HTTP_IF_MATCH=f'"v{req.version}"')
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "approved"
        assert (Event.objects.count() - events, AuditEntry.objects.count() - audit) == (1, 1)
        counts.append(len(ctx.captured_queries))
    assert counts == [APPROVAL_QUERIES] * 2, "\n".join(q["sql"][:160] for q in ctx.captured_queries)
    assert audit_chain_verify().intact
