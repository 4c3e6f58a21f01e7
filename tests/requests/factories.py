"""A small reference world modelled on domain.md §§0–8 (the four test pairs of §7 plus Spain–Portugal for EU law),
the actors who work in it, and helpers that drive requests through the services.

Facts marked (verify) in domain.md are created with `verified=False`. Party dates are the instrument's or the
year domain.md gives; the tests depend only on their order relative to the date the tests act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from coopcases.accounts.roles import RoleCode
from networks import models as n
from requests import services
from requests.models import Channel, MlaRequest, MlaRequestKind
from requests.models import MlaRequestState as S
from tests.factories import UserFactory

SRC = "test factory (domain.md)"

COUNTRIES = [
    # code, code3, name, region, languages, time zone
    ("PE", "PER", "Peru", n.Region.LATIN_AMERICA, ["es"], "America/Lima"),
    ("ES", "ESP", "Spain", n.Region.EUROPEAN_UNION, ["es"], "Europe/Madrid"),
    ("BR", "BRA", "Brazil", n.Region.LATIN_AMERICA, ["pt"], "America/Sao_Paulo"),
    ("PT", "PRT", "Portugal", n.Region.EUROPEAN_UNION, ["pt"], "Europe/Lisbon"),
    ("CO", "COL", "Colombia", n.Region.LATIN_AMERICA, ["es"], "America/Bogota"),
    ("US", "USA", "United States", n.Region.NORTH_AMERICA, ["en"], "America/New_York"),
    ("AR", "ARG", "Argentina", n.Region.LATIN_AMERICA, ["es"], "America/Argentina/Buenos_Aires"),
    ("UY", "URY", "Uruguay", n.Region.LATIN_AMERICA, ["es"], "America/Montevideo"),
]

AUTHORITIES = [
    # code, country, kind, name
    ("pe-fn", "PE", n.AuthorityKind.CENTRAL_AUTHORITY, "Fiscalía de la Nación — Unidad de Cooperación Judicial Internacional y Extradiciones"),
    ("pe-fecor", "PE", n.AuthorityKind.PROSECUTION, "Fiscalía Especializada contra la Criminalidad Organizada"),
    ("es-mjusticia", "ES", n.AuthorityKind.CENTRAL_AUTHORITY, "Ministerio de Justicia — Cooperación Jurídica Internacional"),
    ("es-anticorrupcion", "ES", n.AuthorityKind.PROSECUTION, "Fiscalía contra la Corrupción y la Criminalidad Organizada"),
    ("es-jci-5", "ES", n.AuthorityKind.COURT, "Juzgado Central de Instrucción n.º 5"),
    ("br-drci", "BR", n.AuthorityKind.CENTRAL_AUTHORITY, "Departamento de Recuperação de Ativos e Cooperação Jurídica Internacional"),
    ("br-pgr", "BR", n.AuthorityKind.CENTRAL_AUTHORITY, "Procuradoria-Geral da República — Secretaria de Cooperação Internacional"),
    ("br-mpf-sp", "BR", n.AuthorityKind.PROSECUTION, "Ministério Público Federal — São Paulo"),
    ("pt-pgr", "PT", n.AuthorityKind.CENTRAL_AUTHORITY, "Procuradoria-Geral da República"),
    ("pt-dciap", "PT", n.AuthorityKind.PROSECUTION, "Departamento Central de Investigação e Ação Penal"),
    ("co-fgn", "CO", n.AuthorityKind.CENTRAL_AUTHORITY, "Fiscalía General de la Nación — Dirección de Asuntos Internacionales"),
    ("co-fgn-ddr", "CO", n.AuthorityKind.PROSECUTION, "Fiscalía General de la Nación — Dirección Especializada contra el Narcotráfico"),
    ("us-doj-oia", "US", n.AuthorityKind.CENTRAL_AUTHORITY, "Department of Justice — Office of International Affairs"),
    ("us-usao-sdfl", "US", n.AuthorityKind.PROSECUTION, "United States Attorney's Office, Southern District of Florida"),
    ("ar-cancilleria", "AR", n.AuthorityKind.CENTRAL_AUTHORITY, "Ministerio de Relaciones Exteriores — Dirección de Asistencia Jurídica Internacional"),
    ("ar-procelac", "AR", n.AuthorityKind.PROSECUTION, "Procuraduría de Criminalidad Económica y Lavado de Activos"),
    ("uy-accji", "UY", n.AuthorityKind.CENTRAL_AUTHORITY, "Autoridad Central de Cooperación Jurídica Internacional"),
    ("uy-fiscalia", "UY", n.AuthorityKind.PROSECUTION, "Fiscalía General de la Nación"),
]

# Element codes as in the reference data (networks/data/instruments.yaml); the service-of-documents exemption of
# UNTOC 18(15)(c) is written as an object entry.
UN_CONTENTS = [
    "requesting_authority", "subject_and_authority",
    {"element": "facts_summary", "except_when_only_measures": ["SERVICE_OF_DOCUMENTS"]},
    "offence", "assistance_sought", "special_procedure", "persons_concerned", "purpose", "urgency_reasons", "confidentiality", "language",
]
REGIONAL_CONTENTS = ["requesting_authority", "subject_and_authority", "facts_summary", "offence", "assistance_sought", "persons_concerned", "purpose", "language"]
EU_CONTENTS = [
    "requesting_authority", "validating_authority", "subject_and_authority", "facts_summary", "offence", "list_offence_category",
    "assistance_sought", "special_procedure", "persons_concerned", "purpose", "urgency_reasons", "legal_remedies", "language",
]

INSTRUMENTS = [
    # code, short name, kind, in force, covers, required contents, article on contents, sets legal deadlines
    ("UNTOC", "UNTOC", n.InstrumentKind.MULTILATERAL, date(2003, 9, 29), ["mla", "jit"], UN_CONTENTS, "Art. 18(15)", False),
    ("UNCAC", "UNCAC", n.InstrumentKind.MULTILATERAL, date(2005, 12, 14), ["mla"], UN_CONTENTS, "Art. 46(15)", False),
    ("VIENNA1988", "Vienna 1988", n.InstrumentKind.MULTILATERAL, date(1990, 11, 11), ["mla"], UN_CONTENTS, "Art. 7(10)", False),
    ("NASSAU1992", "Nassau 1992", n.InstrumentKind.REGIONAL, date(1996, 4, 14), ["mla"], [
        "requesting_authority", "subject_and_authority", "facts_summary", "offence", "assistance_sought", "special_procedure",
        "persons_concerned", "purpose", "confidentiality", "language",
    ], "Art. 26", False),
    ("MANAGUA1993", "Managua Protocol 1993", n.InstrumentKind.REGIONAL, date(2002, 4, 7), ["mla"], [], "", False),
    ("SAN_LUIS1996", "Protocol of San Luis", n.InstrumentKind.REGIONAL, date(2000, 1, 1), ["mla"], REGIONAL_CONTENTS, "", False),
    ("MEDELLIN2019", "Medellín Treaty", n.InstrumentKind.REGIONAL, date(2022, 5, 9), ["electronic_transmission"], [], "", False),
    ("EIO", "EIO Directive 2014/41/EU", n.InstrumentKind.EU_ACT, date(2017, 5, 22), ["evidence_order", "mla"], EU_CONTENTS, "Annex A", True),
    ("REG2018_1805", "Regulation (EU) 2018/1805", n.InstrumentKind.EU_ACT, date(2020, 12, 19), ["freezing", "confiscation"], [
        "requesting_authority", "validating_authority", "subject_and_authority", "facts_summary", "offence", "list_offence_category",
        "property_description", "urgency_reasons", "legal_remedies", "language",
    ], "Annexes I and II", True),
    ("BR_PT_1991", "Brazil–Portugal MLA treaty 1991", n.InstrumentKind.BILATERAL, date(1994, 1, 1), ["mla"], REGIONAL_CONTENTS, "", False),
]

ALL8 = ["PE", "ES", "BR", "PT", "CO", "US", "AR", "UY"]
PARTIES = {
    # instrument: [(country, in force, verified, accepted languages, central authority code)]
    "UNTOC": [(c, date(2004, 1, 1), True, ["en"] if c == "US" else [], None) for c in ALL8],
    "UNCAC": [(c, date(2006, 12, 14), True, [], None) for c in ALL8],
    "VIENNA1988": [(c, date(1992, 1, 1), True, [], None) for c in ALL8],
    "NASSAU1992": [
        ("AR", date(2004, 1, 1), True, [], "ar-cancilleria"), ("BR", date(2008, 1, 1), True, [], "br-drci"),
        ("CO", date(2003, 1, 1), True, [], "co-fgn"), ("PE", date(1996, 4, 14), True, [], "pe-fn"),
        ("US", date(2001, 5, 25), True, ["en"], "us-doj-oia"), ("UY", date(2016, 1, 1), False, [], "uy-accji"),
    ],
    "MANAGUA1993": [("BR", date(2008, 1, 1), True, [], None), ("CO", date(2003, 1, 1), True, [], None), ("US", date(2002, 4, 7), True, [], None)],
    "SAN_LUIS1996": [("AR", date(2000, 1, 1), True, [], "ar-cancilleria"), ("BR", date(2000, 1, 1), True, [], "br-drci"), ("UY", date(2000, 1, 1), True, [], "uy-accji")],
    "MEDELLIN2019": [
        ("ES", date(2022, 5, 9), True, [], None), ("UY", date(2023, 1, 23), False, [], None),
        ("AR", None, True, [], None), ("BR", None, True, [], None), ("PT", None, True, [], None),
    ],
    "EIO": [("ES", date(2018, 6, 12), True, [], "es-mjusticia"), ("PT", date(2017, 8, 22), True, [], "pt-pgr")],
    "REG2018_1805": [("ES", date(2020, 12, 19), True, [], None), ("PT", date(2020, 12, 19), True, [], None)],
    "BR_PT_1991": [("BR", date(1994, 1, 1), False, [], "br-pgr"), ("PT", date(1994, 1, 1), False, [], "pt-pgr")],
}

NETWORKS = [
    # code, acronym, kind, carries formal requests, request kinds, members (country, verified)
    ("iberred", "IberRed", n.NetworkKind.JUDICIAL, True, ["mla", "informal_enquiry"], ["PE", "ES", "BR", "PT", "CO", "AR", "UY"]),
    ("rfai", "RFAI", n.NetworkKind.PROSECUTORS, False, ["informal_enquiry", "spontaneous_information"], ["AR", "BR", "CO", "PE", "ES", "PT", "UY"]),
    ("rrag", "RRAG", n.NetworkKind.ASSET_RECOVERY, False, ["informal_enquiry"], ["AR", "BR", "CO", "PE", "UY"]),
    ("carin", "CARIN", n.NetworkKind.ASSET_RECOVERY, False, ["informal_enquiry"], ["ES", "PT", "US"]),
    ("ameripol", "AMERIPOL", n.NetworkKind.POLICE, False, ["informal_enquiry"], ["AR", "BR", "CO", "UY"]),
]

MEASURES = [
    # code, name, coercive, extra fields
    ("SERVICE_OF_DOCUMENTS", "Service of judicial documents", False, []),
    ("TAKE_STATEMENT", "Taking evidence or statements", False, []),
    ("RECORDS", "Bank, financial, corporate or business records", True, []),
    ("SEARCH_SEIZURE", "Search and seizure", True, []),
    ("FREEZE", "Freezing or seizure of property", True, ["asset", "estimated_value"]),
    ("VIDEOCONFERENCE", "Hearing by videoconference", False, ["person", "consent_of_accused", "date"]),
]

OFFENCES = [
    # code, name, ICCS, EU list offence, fiscal
    ("DRUG_TRAFFICKING", "Drug trafficking", "0601", True, False),
    ("MONEY_LAUNDERING", "Money laundering", "07041", True, False),
    ("CORRUPTION", "Corruption", "0703", True, False),
    ("TAX_EVASION", "Tax evasion", "0801", False, True),
]

GROUNDS = [
    # code, name, discretionary, postponement, instruments
    ("ESSENTIAL_INTERESTS", "Sovereignty, security, ordre public or other essential interests", False, False, ["UNTOC", "UNCAC", "VIENNA1988", "NASSAU1992"]),
    ("NO_DUAL_CRIMINALITY", "Absence of dual criminality", True, False, ["UNTOC", "UNCAC", "NASSAU1992", "EIO"]),
    ("TAX_OFFENCE", "Tax offence", True, False, ["NASSAU1992"]),
    ("BANK_SECRECY", "Bank secrecy", False, False, []),
    ("ONGOING_PROCEEDINGS", "Interference with ongoing proceedings", False, True, ["UNTOC", "UNCAC"]),
]

RESTRICTIONS = [
    # ground, kind, instrument, explanation, source
    ("BANK_SECRECY", n.RestrictionKind.NEVER, None, "bank secrecy is never a ground for refusal", "UNTOC 18(8); UNCAC 46(8); Vienna 7(5)"),
    ("TAX_OFFENCE", n.RestrictionKind.NOT_BETWEEN_PARTIES, "MANAGUA1993", "parties to the Managua Protocol do not refuse because the offence is a tax offence", "Managua Protocol art. 1"),
    ("TAX_OFFENCE", n.RestrictionKind.NOT_SOLELY, "UNTOC", "a request may not be refused on the sole ground that the offence involves fiscal matters", "UNTOC 18(22)"),
    ("TAX_OFFENCE", n.RestrictionKind.NOT_SOLELY, "UNCAC", "a request may not be refused on the sole ground that the offence involves fiscal matters", "UNCAC 46(22)"),
    ("NO_DUAL_CRIMINALITY", n.RestrictionKind.NOT_FOR_NON_COERCIVE, "UNCAC", "assistance not involving coercive action is rendered without dual criminality", "UNCAC 46(9)(b)"),
    ("NO_DUAL_CRIMINALITY", n.RestrictionKind.NOT_FOR_NON_COERCIVE, "NASSAU1992", "dual criminality may be required only for seizures and searches", "Nassau art. 5"),
    ("NO_DUAL_CRIMINALITY", n.RestrictionKind.NOT_FOR_LIST_OFFENCES, "EIO", "not for the offences of Annex D punishable by at least three years", "EIO art. 11(1)(g)"),
]

DEADLINE_RULES = [
    # code, instrument, network, trigger, period, unit, roll forward, legal, applies to, description (as in the reference data)
    ("UN_REQUESTED", "UNTOC", None, "transmission", None, n.DeadlineUnit.REQUESTED_DATE, False, False, "mla", "Execute as soon as possible, taking the fullest account of the date the requesting side suggests with reasons"),
    ("UN_ORAL_CONFIRM", "UNTOC", None, "oral_request", 2, n.DeadlineUnit.SERVICE_LEVEL, False, False, "mla", "Confirm an urgent oral request in writing forthwith"),
    ("EIO_ACK", "EIO", None, "receipt", 7, n.DeadlineUnit.CALENDAR_DAYS, True, True, "eio", "Acknowledge receipt (Annex B) without delay and within one week"),
    ("EIO_RECOGNITION", "EIO", None, "receipt_by_competent_authority", 30, n.DeadlineUnit.CALENDAR_DAYS, True, True, "eio", "Decide on recognition within 30 days"),
    ("EIO_EXECUTION", "EIO", None, "recognition_decision", 90, n.DeadlineUnit.CALENDAR_DAYS, True, True, "eio", "Carry out the measure within 90 days of the recognition decision"),
    ("EIO_PROVISIONAL", "EIO", None, "receipt", 24, n.DeadlineUnit.HOURS, False, True, "eio", "Decide on a provisional measure within 24 hours, wherever practicable"),
    ("FREEZE_URGENT_DECISION", "REG2018_1805", None, "receipt", 48, n.DeadlineUnit.HOURS, False, True, "freezing_certificate", "Urgent freezing order: recognition decision within 48 hours of receipt"),
    ("FREEZE_URGENT_EXECUTION", "REG2018_1805", None, "recognition_decision", 48, n.DeadlineUnit.HOURS, False, True, "freezing_certificate", "Urgent freezing order: execution within 48 hours of the decision"),
    ("CONFISCATION_DECISION", "REG2018_1805", None, "receipt", 45, n.DeadlineUnit.CALENDAR_DAYS, True, True, "confiscation_certificate", "Recognition decision on a confiscation certificate within 45 days"),
    ("RFAI_SLA", None, "rfai", "receipt", 10, n.DeadlineUnit.SERVICE_LEVEL, False, False, "informal_enquiry", "RFAI: answer informal enquiries within 10 working days"),
]


@dataclass
class World:
    countries: dict[str, n.Country] = field(default_factory=dict)
    authorities: dict[str, n.Authority] = field(default_factory=dict)
    instruments: dict[str, n.Instrument] = field(default_factory=dict)
    networks: dict[str, n.Network] = field(default_factory=dict)
    measures: dict[str, n.Measure] = field(default_factory=dict)
    offences: dict[str, n.Offence] = field(default_factory=dict)
    grounds: dict[str, n.RefusalGround] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)

    def user(self, key: str):
        """A user by `<role>:<authority code>` (created once), e.g. `magistrate:pe-fecor`, `ca:es-mjusticia`."""
        if key not in self.users:
            role, authority = key.split(":", 1)
            roles = {
                "magistrate": [RoleCode.LIAISON_MAGISTRATE], "ca": [RoleCode.CENTRAL_AUTHORITY_OFFICER],
                "ca2": [RoleCode.CENTRAL_AUTHORITY_OFFICER], "exec": [RoleCode.EXECUTING_AUTHORITY_OFFICER],
                "contact": [RoleCode.NETWORK_CONTACT_POINT], "auditor": [RoleCode.AUDITOR], "nobody": [],
                "magistrate_ca": [RoleCode.LIAISON_MAGISTRATE, RoleCode.CENTRAL_AUTHORITY_OFFICER],
            }[role]
            self.users[key] = UserFactory(authority=self.authorities[authority], roles=roles, username=f"{role}.{authority}")
        return self.users[key]


def build_world() -> World:
    w = World()
    countries = n.Country.objects.bulk_create(
        n.Country(code=code, code3=code3, name_en=name, region=region, official_languages=langs, accepted_languages=langs,
                  time_zone=tz, holiday_calendar=code, source=SRC)
        for code, code3, name, region, langs, tz in COUNTRIES
    )
    w.countries = {c.code: c for c in countries}
    authorities = n.Authority.objects.bulk_create(
        n.Authority(code=code, country_id=country, kind=kind, name=name, source=SRC) for code, country, kind, name in AUTHORITIES
    )
    w.authorities = {a.code: a for a in authorities}
    for code, short, kind, in_force, covers, contents, article, legal in INSTRUMENTS:
        w.instruments[code] = n.Instrument.objects.create(
            code=code, short_name=short, name_en=short, kind=kind, in_force_on=in_force, covers=covers, required_contents=contents,
            articles={"contents": article} if article else {}, sets_legal_deadlines=legal, source=SRC, verified=code != "BR_PT_1991",
        )
    w.instruments["MANAGUA1993"].parent = w.instruments["NASSAU1992"]
    w.instruments["MANAGUA1993"].save()
    n.InstrumentParty.objects.bulk_create(
        n.InstrumentParty(
            instrument=w.instruments[inst], country_id=c, in_force_on=in_force, verified=verified, accepted_languages=langs,
            central_authority=w.authorities[ca] if ca else None, signed_on=date(2000, 1, 1), source=SRC,
        )
        for inst, rows in PARTIES.items()
        for c, in_force, verified, langs, ca in rows
    )
    for code, acronym, kind, formal, kinds, members in NETWORKS:
        net = w.networks[code] = n.Network.objects.create(
            code=code, acronym=acronym, name_en=acronym, kind=kind, carries_formal_requests=formal, request_kinds=kinds, source=SRC
        )
        memberships = n.Membership.objects.bulk_create(n.Membership(network=net, country_id=c, source=SRC) for c in members)
        n.ContactPoint.objects.bulk_create(
            n.ContactPoint(membership=m, name=f"{acronym} contact {m.country_id}", role=n.ContactRole.JUDICIAL, email=f"{code}.{m.country_id.lower()}@example.org")
            for m in memberships
        )
    for code, name, coercive, extra in MEASURES:
        w.measures[code] = n.Measure.objects.create(code=code, name_en=name, coercive=coercive, extra_fields=extra, source=SRC)
    for code, name, iccs, eu_list, fiscal in OFFENCES:
        w.offences[code] = n.Offence.objects.create(code=code, name_en=name, iccs_code=iccs, eu_list_offence=eu_list, fiscal=fiscal, source=SRC)
    for code, name, discretionary, postponement, instruments in GROUNDS:
        g = w.grounds[code] = n.RefusalGround.objects.create(code=code, name_en=name, discretionary=discretionary, postponement=postponement, source=SRC)
        g.instruments.set([w.instruments[i] for i in instruments])
    for ground, kind, inst, explanation, source in RESTRICTIONS:
        n.RefusalRestriction.objects.create(
            ground=w.grounds[ground], kind=kind, instrument=w.instruments[inst] if inst else None, explanation=explanation, source=source
        )
    for code, inst, net, trigger, period, unit, roll, legal, applies, description in DEADLINE_RULES:
        n.DeadlineRule.objects.create(
            code=code, instrument=w.instruments[inst] if inst else None, network=w.networks[net] if net else None, trigger=trigger,
            period=period, unit=unit, roll_forward=roll, is_legal_limit=legal, applies_to=applies, description=description, source=SRC,
        )
    return w


# -- requests ------------------------------------------------------------------------------------------------------

# The EU elements no field of the request holds (EIO Annex A sections G and J).
EU_EXTRA = {
    "list_offence_category": "Annex D: laundering of the proceeds of crime; maximum penalty 6 years",
    "legal_remedies": "Appeal before the Audiencia Nacional (art. 766 LECrim)",
}

PAIRS = {
    # requesting state: (requesting authority, requested state, legal bases, language)
    "PE": ("pe-fecor", "ES", ["UNTOC", "VIENNA1988"], "es"),
    "BR": ("br-mpf-sp", "PT", ["BR_PT_1991", "UNCAC"], "pt"),
    "CO": ("co-fgn-ddr", "US", ["NASSAU1992"], "en"),
    "AR": ("ar-procelac", "UY", ["SAN_LUIS1996"], "es"),
    "ES": ("es-anticorrupcion", "PT", ["EIO"], "pt"),
}


def complete_draft(w: World, origin: str = "PE", *, measures=("RECORDS",), person=True, **overrides) -> MlaRequest:
    """A draft with every element its legal bases require, filed by the magistrate of `origin`'s authority."""
    authority, requested, bases, language = PAIRS[origin]
    actor = w.user(f"magistrate:{authority}")
    fields = {
        "title": "Accounts of Operación Lavandería",
        "requested_state": requested,
        "legal_bases": bases,
        "language": language,
        "offences": ["MONEY_LAUNDERING"],
        "additional_content": EU_EXTRA if origin == "ES" else {},
        "subject_and_authority": "Criminal investigation no. 123-2026 conducted by the Fiscalía Especializada",
        "facts_summary": "Proceeds of cocaine trafficking were laundered through accounts in the requested state.",
        "purpose": "To trace and prove the flow of proceeds.",
    }
    fields.update(overrides)
    req = services.mla_request_create(actor=actor, **fields)
    for code in measures:
        services.measure_add(request_pk=req.pk, actor=actor, measure=code, details="Statements of accounts 2022–2025")
    if person:
        services.person_add(request_pk=req.pk, actor=actor, role="suspect", name="Juan Pérez", nationality=origin, location="Madrid")
    req.refresh_from_db()
    return req


def drafter(w: World, req: MlaRequest):
    return w.user(f"magistrate:{req.requesting_authority.code}")


def requesting_ca(w: World, req: MlaRequest):
    return w.user(f"ca:{req.requesting_central_authority.code}")


def requested_ca(w: World, req: MlaRequest):
    return w.user(f"ca:{req.requested_central_authority.code}")


def executing_authority_of(w: World, req: MlaRequest) -> n.Authority:
    return n.Authority.objects.filter(country=req.requested_state, kind=n.AuthorityKind.PROSECUTION).order_by("pk").first()


def executor(w: World, req: MlaRequest):
    req.refresh_from_db()
    return w.user(f"exec:{req.executing_authority.code}")


def step(req: MlaRequest, action: str, actor, reason: str = "", **params) -> MlaRequest:
    return services.mla_request_transition(pk=req.pk, action=action, actor=actor, reason=reason, params=params)


PATH = [S.SUBMITTED, S.APPROVED, S.TRANSMITTED, S.ACKNOWLEDGED, S.IN_EXECUTION]


def advance(w: World, req: MlaRequest, to: str) -> MlaRequest:
    """Drive a draft along the main path until it reaches `to` (one of PATH)."""
    moves = {
        S.SUBMITTED: lambda r: step(r, "submit", drafter(w, r)),
        S.APPROVED: lambda r: step(r, "approve", requesting_ca(w, r)),
        S.TRANSMITTED: lambda r: step(r, "transmit", requesting_ca(w, r)),
        S.ACKNOWLEDGED: lambda r: step(r, "acknowledge", requested_ca(w, r)),
        S.IN_EXECUTION: lambda r: step(r, "assign_executing_authority", requested_ca(w, r), executing_authority=executing_authority_of(w, r).code),
    }
    for state in PATH[: PATH.index(to) + 1]:
        req = moves[state](req)
    return req


def informal_enquiry(w: World, origin: str = "AR", network: str = "rrag", **overrides) -> MlaRequest:
    authority, requested, _bases, language = PAIRS[origin]
    fields = {
        "kind": MlaRequestKind.INFORMAL_ENQUIRY, "title": "Assets of a suspect", "requested_state": requested, "language": language,
        "channel": Channel.NETWORK, "channel_network": network, "facts_summary": "Suspected laundering through real estate.",
        "purpose": "To know whether assets exist before a formal request.",
    }
    fields.update(overrides)
    return services.mla_request_create(actor=w.user(f"magistrate:{authority}"), **fields)
