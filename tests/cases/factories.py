"""Factories for cases and JITs, with traits for the JIT lifecycle states.

Model factories write rows directly (fast set-up for a given state); `Team` drives a real JIT through the
services, for tests of the lifecycle itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases import models as m
from cases import services
from coopcases.accounts.roles import RoleCode
from networks import models as n
from tests.factories import AuthorityFactory, CountryFactory, UserFactory


class InstrumentFactory(DjangoModelFactory):
    """An instrument providing for JITs; `parties=[country, …]` makes it binding (in force since 2000)."""

    class Meta:
        model = n.Instrument
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda i: f"instrument-{i}")
    short_name = factory.LazyAttribute(lambda o: o.code.upper())
    name_en = factory.LazyAttribute(lambda o: f"Convention {o.code}")
    kind = n.InstrumentKind.MULTILATERAL
    covers = ["mla", "jit"]
    source = "test factory"

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        for country in extracted or ():
            n.InstrumentParty.objects.get_or_create(
                instrument=self, country=country, defaults={"in_force_on": date(2000, 1, 1), "source": "test factory"}
            )


class OffenceFactory(DjangoModelFactory):
    class Meta:
        model = n.Offence
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda i: f"offence-{i}")
    name_en = factory.LazyAttribute(lambda o: f"Offence {o.code}")
    source = "test factory"


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = m.Case
        skip_postgeneration_save = True

    national_reference = factory.Sequence(lambda i: f"REF-{i:05d}")
    title = factory.Sequence(lambda i: f"Case {i}")
    lead_authority = factory.SubFactory(AuthorityFactory)

    @factory.post_generation
    def participating_authorities(self, create, extracted, **kwargs):
        if create and extracted:
            self.participating_authorities.set(extracted)
            self.participating_countries.set({a.country_id for a in extracted})


class CasePersonFactory(DjangoModelFactory):
    class Meta:
        model = m.CasePerson

    case = factory.SubFactory(CaseFactory)
    kind = m.PersonKind.PERSON
    role = m.PersonRole.SUSPECT
    name = factory.Sequence(lambda i: f"Person {i}")


class JITFactory(DjangoModelFactory):
    """A JIT row with `parties=[authority, …]` (first coordinates; default: two new states) and a leader per party.

    Traits: `signed` (every party signed, still signature pending), `active`, `expired`, `evaluation`, `closed`.
    """

    class Meta:
        model = m.JointInvestigationTeam
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    title = factory.Sequence(lambda i: f"JIT {i}")
    legal_basis = factory.SubFactory(InstrumentFactory)
    purpose = "Dismantle the organisation."
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=180))
    status = m.JITStatus.DRAFTING
    signatures = False  # taken out in _create: every party signed the day before the start

    class Params:
        signed = factory.Trait(status=m.JITStatus.SIGNATURE_PENDING, signatures=True)
        active = factory.Trait(status=m.JITStatus.ACTIVE, signatures=True, activated_at=factory.LazyFunction(timezone.now))
        expired = factory.Trait(status=m.JITStatus.EXPIRED, signatures=True, ended_at=factory.LazyFunction(timezone.now))
        evaluation = factory.Trait(status=m.JITStatus.EVALUATION, signatures=True, ended_at=factory.LazyFunction(timezone.now))
        closed = factory.Trait(status=m.JITStatus.CLOSED, signatures=True, ended_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        authorities = list(extracted or (AuthorityFactory(), AuthorityFactory()))
        for i, authority in enumerate(authorities):
            party = m.JITParty.objects.create(jit=self, country_id=authority.country_id, authority=authority, coordinating=i == 0)
            if self._signatures:
                party.signed_on, party.signatory = self.start_date - timedelta(days=1), f"Head of {authority.name}"
                party.save()
            m.JITMember.objects.create(jit=self, party=party, role=m.JITMemberRole.LEADER, name=f"Leader {authority.name}", authority=authority)
            n.InstrumentParty.objects.get_or_create(
                instrument=self.legal_basis, country_id=authority.country_id,
                defaults={"in_force_on": date(2000, 1, 1), "source": "test factory"},
            )
        self.states_of_operation.set({a.country_id for a in authorities})

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        signatures = kwargs.pop("signatures", False)
        obj = super()._create(model_class, *args, **kwargs)
        obj._signatures = signatures
        return obj


def user(authority, *roles, **kw):
    return UserFactory(authority=authority, roles=list(roles), **kw)


@dataclass
class Team:
    """Spain (coordinating), Peru and Colombia under a JIT-providing convention; Argentina is not a party.

    Users: a liaison magistrate per party state, a Peruvian executing officer, a Spanish network contact point,
    an Argentinian magistrate (outsider) and an auditor. The case is led by Spain with Peru and Colombia
    participating.
    """

    es: n.Authority
    pe: n.Authority
    co: n.Authority
    ar: n.Authority
    basis: n.Instrument
    es_user: object
    pe_user: object
    co_user: object
    pe_officer: object
    es_contact_point: object
    outsider: object
    auditor: object
    case: m.Case
    jit: m.JointInvestigationTeam | None = None
    parties: dict = field(default_factory=dict)

    @classmethod
    def build(cls) -> Team:
        es_state = CountryFactory(code="ES", code3="ESP", name_en="Spain", time_zone="Europe/Madrid")
        pe_state = CountryFactory(code="PE", code3="PER", name_en="Peru", time_zone="America/Lima")
        co_state = CountryFactory(code="CO", code3="COL", name_en="Colombia", time_zone="America/Bogota")
        ar_state = CountryFactory(code="AR", code3="ARG", name_en="Argentina", time_zone="America/Argentina/Buenos_Aires")
        es, pe, co, ar = (AuthorityFactory(country=c, central=True) for c in (es_state, pe_state, co_state, ar_state))
        basis = InstrumentFactory(code="untoc-test", short_name="UNTOC", parties=[es_state, pe_state, co_state, ar_state])
        es_user = user(es, RoleCode.LIAISON_MAGISTRATE)
        case = services.case_create(
            actor=es_user, national_reference="ES-2026-001", title="Cocaine route",
            participating_countries=[pe_state, co_state], participating_authorities=[pe, co],
        )
        return cls(
            es=es, pe=pe, co=co, ar=ar, basis=basis, es_user=es_user,
            pe_user=user(pe, RoleCode.CENTRAL_AUTHORITY_OFFICER), co_user=user(co, RoleCode.LIAISON_MAGISTRATE),
            pe_officer=user(pe, RoleCode.EXECUTING_AUTHORITY_OFFICER),
            es_contact_point=user(es, RoleCode.NETWORK_CONTACT_POINT),
            outsider=user(ar, RoleCode.LIAISON_MAGISTRATE), auditor=user(AuthorityFactory(country=es_state), RoleCode.AUDITOR),
            case=case,
        )

    def user_of(self, party_code: str):
        return {"ES": self.es_user, "PE": self.pe_user, "CO": self.co_user}[party_code]

    def propose(self, *, start: date | None = None, end: date | None = None, **kw) -> m.JointInvestigationTeam:
        today = timezone.localdate()
        self.jit = services.jit_create(
            actor=self.es_user, case=self.case, title="JIT Cocaine route", legal_basis=self.basis,
            purpose="Dismantle the organisation.", start_date=start or today - timedelta(days=1),
            end_date=end or today + timedelta(days=90), parties=[self.es, self.pe, self.co], **kw,
        )
        self.parties = {p.country_id: p for p in self.jit.parties.all()}
        return self.jit

    def refresh(self) -> m.JointInvestigationTeam:
        self.jit = m.JointInvestigationTeam.objects.get(pk=self.jit.pk)
        return self.jit

    def to_signature(self, **kw) -> m.JointInvestigationTeam:
        self.propose(**kw)
        services.jit_transition(actor=self.es_user, jit=self.jit, action="start_drafting")
        services.jit_transition(actor=self.es_user, jit=self.jit, action="submit_for_approval")
        for code, party in self.parties.items():
            services.jit_member_add(actor=self.user_of(code), jit=self.jit, party=party, role=m.JITMemberRole.LEADER, name=f"Leader {code}")
        services.jit_transition(actor=self.es_user, jit=self.jit, action="open_signatures")
        return self.refresh()

    def sign_all(self, signed_on: date | None = None) -> m.JointInvestigationTeam:
        for code in ("ES", "PE", "CO"):
            services.jit_sign(actor=self.user_of(code), jit=self.jit, signatory=f"Head {code}", signed_on=signed_on)
        return self.refresh()

    def to_active(self, **kw) -> m.JointInvestigationTeam:
        self.to_signature(**kw)
        return self.sign_all()
