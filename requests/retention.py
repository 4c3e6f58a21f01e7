"""Retention of MLA requests: once closed for the period its policy sets, the confidential content is scrubbed.

The request row stays (references, deadlines, the status history and the audit trail point to it); the persons
concerned are removed and the summary of the facts cleared. The audit entry names what was scrubbed, never values.
"""

from django.db.models import Exists, OuterRef, Q

from coopcases.audit.retention import RetentionHandler, closed_before, register_retention_handler
from requests.models import MlaRequest, MlaRequestState, PersonConcerned

SCRUBBED_FIELDS = ["persons", "facts_summary", "persons_unknown_reason"]


def expired_requests(cutoff):
    not_scrubbed = Q(Exists(PersonConcerned.objects.filter(request=OuterRef("pk")))) | ~Q(facts_summary="") | ~Q(persons_unknown_reason="")
    return closed_before(MlaRequest.objects.filter(not_scrubbed), closed_state=MlaRequestState.CLOSED, cutoff=cutoff)


def pseudonymise_request(req: MlaRequest) -> dict:
    removed, _ = PersonConcerned.objects.filter(request=req).delete()
    req.facts_summary = req.persons_unknown_reason = ""
    req.save(update_fields=["facts_summary", "persons_unknown_reason"])
    return {"scrubbed": SCRUBBED_FIELDS, "persons_removed": removed}


register_retention_handler(RetentionHandler(object_type="mla.mlarequest", expired=expired_requests, pseudonymise=pseudonymise_request))
