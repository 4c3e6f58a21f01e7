"""Retention of cases and JITs: once closed for the period their policy sets, the people in them are pseudonymised.

Rows stay (other records and the audit trail point to them). A case's persons of interest keep their role and
kind under a neutral name; a JIT's members keep their party, role and agency. The JIT's action-plan versions and
evidence log are append-only by design (a trigger refuses changes) and leave with the database's own retention.
"""

from django.db.models import Exists, OuterRef

from cases.models import Case, CasePerson, CaseStatus, JITMember, JITStatus, JointInvestigationTeam
from coopcases.audit.retention import RetentionHandler, closed_before, register_retention_handler

PREFIX = "pseudonymised-"


def expired_cases(cutoff):
    named = CasePerson.objects.filter(case=OuterRef("pk")).exclude(name__startswith=PREFIX)
    return closed_before(Case.objects.filter(Exists(named)), closed_state=CaseStatus.CLOSED, cutoff=cutoff)


def pseudonymise_case(case: Case) -> dict:
    persons = list(CasePerson.objects.filter(case=case).exclude(name__startswith=PREFIX))
    for person in persons:
        person.name = f"{PREFIX}{person.pk}"
        person.date_of_birth, person.identifiers, person.notes = None, {}, ""
        person.save(update_fields=["name", "date_of_birth", "identifiers", "notes"])
    return {"scrubbed": ["persons.name", "persons.date_of_birth", "persons.identifiers", "persons.notes"], "persons": len(persons)}


def expired_jits(cutoff):
    named = JITMember.objects.filter(jit=OuterRef("pk")).exclude(name__startswith=PREFIX)
    return closed_before(JointInvestigationTeam.objects.filter(Exists(named)), closed_state=JITStatus.CLOSED, cutoff=cutoff)


def pseudonymise_jit(jit: JointInvestigationTeam) -> dict:
    members = list(JITMember.objects.filter(jit=jit).exclude(name__startswith=PREFIX))
    for member in members:
        member.name, member.function = f"{PREFIX}{member.pk}", ""
        member.save(update_fields=["name", "function"])
    return {"scrubbed": ["members.name", "members.function"], "members": len(members)}


register_retention_handler(RetentionHandler(object_type="cases.case", expired=expired_cases, pseudonymise=pseudonymise_case))
register_retention_handler(
    RetentionHandler(object_type="cases.jointinvestigationteam", expired=expired_jits, pseudonymise=pseudonymise_jit)
)
