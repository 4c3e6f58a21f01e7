"""Routing advice for the real pairs of domain.md §7, and EU law between Spain and Portugal."""

import pytest

from coopcases.core.exceptions import ValidationFailed
from requests.models import Channel, MlaRequestKind
from requests.routing import channel_problems, routing_advice
from tests.requests.factories import complete_draft


def _channels(advice):
    return [(c.channel, c.network) for c in advice.channels]


def test_peru_to_spain(world):
    advice = routing_advice(requesting_state="PE", requested_state="ES", measures=["SEARCH_SEIZURE"])
    assert [i.code for i in advice.instruments] == ["UNCAC", "UNTOC", "VIENNA1988"]
    untoc = next(i for i in advice.instruments if i.code == "UNTOC")
    assert untoc.in_force_for_both_since.isoformat() == "2004-01-01" and untoc.explanation.startswith("In force for both states since 2004-01-01")
    # Peru is not bound by the Medellín Treaty: no Iber@ (domain.md §7).
    assert _channels(advice) == [
        (Channel.CENTRAL_AUTHORITY, None), (Channel.DIPLOMATIC, None), (Channel.INTERPOL, None),
        (Channel.NETWORK, "iberred"), (Channel.NETWORK, "rfai"),
    ]
    iberred = next(c for c in advice.channels if c.network == "iberred")
    assert {cp.country for cp in iberred.contact_points} == {"PE", "ES"}
    assert advice.languages == ["es"]
    assert [(d.rule, d.is_legal_limit) for d in advice.deadlines] == [(None, False), ("RFAI_SLA", False)]
    assert "UNTOC 18(24)" in advice.deadlines[0].explanation
    assert any("Absence of dual criminality" in w and "Search and seizure" in w and "UNCAC 46(9)(b)" in w for w in advice.warnings)


def test_brazil_to_portugal(world):
    advice = routing_advice(requesting_state="BR", requested_state="PT")
    assert advice.instruments[0].code == "BR_PT_1991"  # the most specific basis first
    assert advice.instruments[0].requested_central_authority == "Procuradoria-Geral da República"
    assert not advice.instruments[0].verified
    assert "Brazil–Portugal MLA treaty 1991: party data not yet verified." in advice.warnings
    assert Channel.IBER_A not in [c.channel for c in advice.channels]  # both signed Medellín, neither is bound
    assert advice.languages == ["pt"]


def test_colombia_to_united_states(world):
    advice = routing_advice(requesting_state="CO", requested_state="US", offences=["TAX_EVASION"], measures=["TAKE_STATEMENT", "SEARCH_SEIZURE"])
    assert {"NASSAU1992", "MANAGUA1993"} <= {i.code for i in advice.instruments}
    assert [c.network for c in advice.channels if c.channel == Channel.NETWORK] == []  # CARIN (US) and RRAG (CO) do not meet
    interpol = next(c for c in advice.channels if c.channel == Channel.INTERPOL)
    assert interpol.urgent_only and "where both states agree" in interpol.explanation
    assert advice.languages == ["en"]
    assert not any("Tax offence" in w for w in advice.warnings)  # both are Managua parties
    dual = next(w for w in advice.warnings if "Absence of dual criminality" in w)
    assert "Search and seizure" in dual and "Taking evidence" not in dual and "Nassau art. 5" in dual


def test_argentina_to_uruguay(world):
    advice = routing_advice(requesting_state="AR", requested_state="UY", offences=["TAX_EVASION"])
    codes = [i.code for i in advice.instruments]
    assert codes[:2] == ["NASSAU1992", "SAN_LUIS1996"] and "MEDELLIN2019" not in codes
    assert "Nassau 1992: party data not yet verified." in advice.warnings  # Uruguay (verify)
    assert any("Tax offence" in w and "Managua" in w for w in advice.warnings)
    assert {c.network for c in advice.channels if c.channel == Channel.NETWORK} == {"iberred", "rfai", "rrag", "ameripol"}


def test_iber_a_where_medellin_binds_both(world):
    advice = routing_advice(requesting_state="UY", requested_state="ES")
    iber_a = next(c for c in advice.channels if c.channel == Channel.IBER_A)
    assert iber_a.network == "iberred" and "Medellín Treaty since 2023-01-23" in iber_a.explanation


def test_eu_legal_limits_for_an_eio_between_spain_and_portugal(world):
    advice = routing_advice(requesting_state="ES", requested_state="PT", kind=MlaRequestKind.EIO)
    assert [(d.rule, d.period, d.is_legal_limit, d.conditional) for d in advice.deadlines] == [
        ("EIO_ACK", 7, True, False), ("EIO_EXECUTION", 90, True, False), ("EIO_PROVISIONAL", 24, True, True), ("EIO_RECOGNITION", 30, True, False)
    ]
    assert "Legal time limit of EIO Directive 2014/41/EU" in advice.deadlines[0].explanation
    assert advice.deadlines[2].explanation.startswith("Where it applies:")
    formal = routing_advice(requesting_state="ES", requested_state="PT", kind=MlaRequestKind.MLA)
    assert [d.is_legal_limit for d in formal.deadlines] == [False]
    assert "UNTOC: Execute as soon as possible" in formal.deadlines[0].explanation  # the instrument's own words, from data


def test_urgent_freezing_limits_only_when_urgent(world):
    urgent = routing_advice(requesting_state="ES", requested_state="PT", kind=MlaRequestKind.FREEZING_CERTIFICATE, urgent=True)
    assert [(d.period, d.unit) for d in urgent.deadlines] == [(48, "hours"), (48, "hours")]
    ordinary = routing_advice(requesting_state="ES", requested_state="PT", kind=MlaRequestKind.FREEZING_CERTIFICATE)
    assert not any(d.is_legal_limit for d in ordinary.deadlines)


def test_informal_enquiries_skip_the_central_authority_and_show_service_levels(world):
    advice = routing_advice(requesting_state="AR", requested_state="UY", kind=MlaRequestKind.INFORMAL_ENQUIRY)
    assert Channel.CENTRAL_AUTHORITY not in [c.channel for c in advice.channels]
    assert {c.network for c in advice.channels} == {"iberred", "rfai", "rrag", "ameripol"}
    sla = [d for d in advice.deadlines if d.rule == "RFAI_SLA"]
    assert sla and not sla[0].is_legal_limit and "not a legal limit" in sla[0].explanation


def test_no_common_instrument(world):
    world.countries["PT"].instrument_parties.all().delete()
    advice = routing_advice(requesting_state="US", requested_state="PT")
    assert advice.instruments == [] and "reciprocity" in advice.warnings[0]


def test_bad_states(world):
    with pytest.raises(ValidationFailed) as err:
        routing_advice(requesting_state="PE", requested_state="XX")
    assert err.value.problems[0].name == "requested_state"
    with pytest.raises(ValidationFailed):
        routing_advice(requesting_state="PE", requested_state="PE")


def test_channel_problems_of_a_request(world):
    req = complete_draft(world)
    req.channel = Channel.IBER_A
    assert channel_problems(req)[0].code == "channel_not_open"
    req.channel = Channel.INTERPOL
    assert channel_problems(req)[0].code == "urgent_only"
    req.urgent = True
    assert channel_problems(req) == []
    req.channel, req.channel_network = Channel.NETWORK, world.networks["carin"]
    assert channel_problems(req)[0].name == "channel_network"
