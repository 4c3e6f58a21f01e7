"""Demo data: one drug-trafficking case led by Spain with a JIT between Spain, Peru and Colombia.

Called by the project's demo loader after the reference data. Uses the reference rows (countries, authorities, an
instrument providing for JITs that binds the three states) and skips with a message when they are missing.
Everything goes through the services as the system, so the demo has its events, audit rows and deadline.
Running it again changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    Confidentiality,
    JITMemberRole,
    ParticipantAccess,
    ParticipantOrganisation,
    PersonKind,
    PersonRole,
)
from networks.models import Authority, AuthorityKind, Country, Instrument, InstrumentParty, Offence

REFERENCE = "DEMO-COC-2026-001"
STATES = ("ES", "PE", "CO")
# Preferred legal bases, by instrument code; any other instrument providing for JITs that binds the three will do.
PREFERRED_BASES = ("untoc", "vienna-1988", "vienna1988", "uncac")
AUTHORITY_PREFERENCE = (AuthorityKind.PROSECUTION, AuthorityKind.CENTRAL_AUTHORITY)


def _authority(country: Country) -> Authority | None:
    for kind in AUTHORITY_PREFERENCE:
        found = Authority.objects.filter(country=country, kind=kind).order_by("pk").first()
        if found:
            return found
    return None


def _legal_basis(countries) -> Instrument | None:
    bound = {
        instrument_id
        for instrument_id, n in _participation_counts(countries).items()
        if n == len(countries)
    }
    candidates = [i for i in Instrument.objects.filter(pk__in=bound) if "jit" in (i.covers or [])]
    rank = {code: i for i, code in enumerate(PREFERRED_BASES)}
    return min(candidates, key=lambda i: (rank.get(i.code, len(rank)), i.code), default=None)


def _participation_counts(countries) -> dict[int, int]:
    counts: dict[int, int] = {}
    for instrument_id in InstrumentParty.objects.filter(country__in=countries).values_list("instrument_id", flat=True):
        counts[instrument_id] = counts.get(instrument_id, 0) + 1
    return counts


def seed(stdout) -> None:
    countries = {c.code: c for c in Country.objects.filter(code__in=STATES)}
    missing = [code for code in STATES if code not in countries]
    if missing:
        stdout.write(f"cases demo skipped: countries {', '.join(missing)} are not loaded")
        return
    authorities = {code: _authority(countries[code]) for code in STATES}
    missing = [code for code, authority in authorities.items() if authority is None]
    if missing:
        stdout.write(f"cases demo skipped: no prosecution service or central authority for {', '.join(missing)}")
        return
    basis = _legal_basis(list(countries.values()))
    if basis is None:
        stdout.write("cases demo skipped: no instrument providing for JITs binds Spain, Peru and Colombia")
        return
    es, pe, co = (authorities[code] for code in STATES)
    if Case.objects.filter(lead_authority=es, national_reference=REFERENCE).exists():
        stdout.write(f"cases demo: case {REFERENCE} already present")
        return
    with transaction.atomic():
        jit = _seed(countries, es, pe, co, basis)
    stdout.write(f"cases demo: case {REFERENCE} with JIT “{jit.title}” ({jit.get_status_display()}) under {basis.short_name}")


def _seed(countries, es, pe, co, basis):
    today = timezone.localdate()
    case = services.case_create(
        actor=None, national_reference=REFERENCE, title="Cocaine shipments Callao – Buenaventura – Algeciras",
        lead_authority=es, confidentiality=Confidentiality.CONFIDENTIAL,
        offences=list(Offence.objects.filter(iccs_code__startswith="0601")[:1]),
        participating_countries=[countries["PE"], countries["CO"]], participating_authorities=[pe, co],
    )
    services.case_person_add(
        actor=None, case=case, kind=PersonKind.ENTITY, role=PersonRole.COMPANY, name="Naviera Demo S.A.C. (fictitious)",
        location_country=countries["PE"], notes="Demo record: fictitious shipping company.",
    )
    jit = services.jit_create(
        actor=None, case=case, title="JIT Algeciras–Callao–Buenaventura (demo)", legal_basis=basis,
        purpose="Investigate the organisation shipping cocaine in fruit containers from Callao and Buenaventura to Algeciras.",
        start_date=today - timedelta(days=30), end_date=today + timedelta(days=335), parties=[es, pe, co],
    )
    services.jit_transition(actor=None, jit=jit, action="start_drafting")
    services.jit_transition(actor=None, jit=jit, action="submit_for_approval")
    parties = {p.country_id: p for p in jit.parties.all()}
    for code, name in (("ES", "Fiscal Demo España"), ("PE", "Fiscal Demo Perú"), ("CO", "Fiscal Demo Colombia")):
        services.jit_member_add(actor=None, jit=jit, party=parties[code], role=JITMemberRole.LEADER, name=name, function="prosecutor")
    services.jit_participant_add(
        actor=None, jit=jit, organisation=ParticipantOrganisation.EUROJUST, access_level=ParticipantAccess.OPERATIONAL
    )
    services.jit_transition(actor=None, jit=jit, action="open_signatures")
    for code in STATES:
        services.jit_sign(actor=None, jit=jit, party_authority=parties[code].authority, signatory=f"Head of {parties[code].authority.name}",
                          signed_on=today - timedelta(days=31))
    services.action_item_add(actor=None, jit=jit, action="Coordinated container inspections at Callao and Algeciras",
                             party=parties["PE"], due_date=today + timedelta(days=30))
    services.meeting_add(actor=None, jit=jit, held_at=timezone.now() - timedelta(days=7), place="videoconference",
                         subject="Kick-off operational meeting", parties_present=list(parties.values()))
    jit.refresh_from_db()
    return jit
