"""The content check before submission, per legal basis, and the legal basis and language rules."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopcases.accounts.roles import RoleCode
from coopcases.core.exceptions import ValidationFailed
from networks import models as n
from requests import content, services
from requests.models import MlaRequestKind
from requests.models import MlaRequestState as S
from tests.factories import UserFactory
from tests.requests.factories import EU_EXTRA, PAIRS, complete_draft, drafter, step

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _bare(world, origin="PE", **fields):
    authority, requested, bases, language = PAIRS[origin]
    defaults = {"title": "Bare request", "requested_state": requested, "legal_bases": bases, "language": language}
    defaults.update(fields)
    return services.mla_request_create(actor=world.user(f"magistrate:{authority}"), **defaults)


def _missing(req):
    req.refresh_from_db()
    return {p.name: p.reason for p in content.content_problems(req)}


def test_untoc_and_vienna_name_every_missing_element_with_their_articles(world):
    req = _bare(world)
    with pytest.raises(ValidationFailed) as err:
        step(req, "submit", drafter(world, req))
    problems = {p.name: p.reason for p in err.value.problems}
    assert set(problems) == {"subject_and_authority", "facts_summary", "offence", "assistance_sought", "persons_concerned", "purpose"}
    assert "UNTOC Art. 18(15)" in problems["facts_summary"] and "Vienna 1988 Art. 7(10)" in problems["facts_summary"]
    assert problems["purpose"].startswith("missing: purpose for which the evidence")
    req.refresh_from_db()
    assert req.state == S.DRAFT


def test_a_complete_request_passes(world):
    for origin in PAIRS:
        assert _missing(complete_draft(world, origin)) == {}, origin


def test_facts_not_required_for_service_of_documents_alone_under_untoc(world):
    req = complete_draft(world, measures=("SERVICE_OF_DOCUMENTS",), facts_summary="")
    assert "facts_summary" not in _missing(req)
    services.measure_add(request_pk=req.pk, actor=drafter(world, req), measure="TAKE_STATEMENT")
    assert "facts_summary" in _missing(req)


def test_nassau_requires_facts_even_for_service_and_the_offence(world):
    req = complete_draft(world, "CO", measures=("SERVICE_OF_DOCUMENTS",), facts_summary="", offences=[])
    missing = _missing(req)
    assert set(missing) == {"facts_summary", "offence"}
    assert "Nassau 1992 Art. 26" in missing["offence"]


def test_eio_requires_persons_concerned_or_why_none(world):
    req = complete_draft(world, "ES", person=False)
    assert "EIO Directive 2014/41/EU Annex A" in _missing(req)["persons_concerned"]
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"persons_unknown_reason": "The account holders are unknown"})
    assert _missing(req) == {}


def test_urgency_and_a_requested_date_need_their_reasons(world, clock):
    req = complete_draft(world, urgent=True, requested_due_date=date(2026, 4, 30))
    assert set(_missing(req)) == {"urgency_reasons"}
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"urgency_reason": "Funds about to move"})
    assert set(_missing(req)) == {"urgency_reasons"}  # the date's reasons are still missing
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"due_reason": "Trial opens in May"})
    assert _missing(req) == {}


def test_confidentiality_requirements_when_confidentiality_is_asked(world):
    req = complete_draft(world, confidentiality_required=True)
    assert set(_missing(req)) == {"confidentiality"}
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"confidentiality_note": "Do not notify the account holder"})
    assert _missing(req) == {}


def test_eu_elements_no_field_holds_are_given_as_further_content(world):
    req = complete_draft(world, "ES", additional_content={})
    missing = _missing(req)
    assert set(missing) == {"list_offence_category", "legal_remedies"}
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"additional_content": EU_EXTRA})
    assert _missing(req) == {}


def test_validation_by_a_judicial_authority_when_the_issuer_is_none(world):
    police = n.Authority.objects.create(code="es-policia", country_id="ES", kind=n.AuthorityKind.POLICE, name="Policía Nacional — UDEF", source="t")
    officer = UserFactory(authority=police, roles=[RoleCode.LIAISON_MAGISTRATE])
    req = services.mla_request_create(
        actor=officer, title="EIO by the police", kind=MlaRequestKind.EIO, requested_state="PT", legal_bases=["EIO"], language="pt",
        additional_content=EU_EXTRA,
    )
    assert "validating_authority" in _missing(req)
    services.mla_request_update(pk=req.pk, actor=officer, changes={"additional_content": {**EU_EXTRA, "validating_authority": "Juzgado Central de Instrucción n.º 5, order of 2 March 2026"}})
    assert "validating_authority" not in _missing(req)


def test_a_confiscation_certificate_needs_the_order_attached(world):
    instrument = world.instruments["REG2018_1805"]
    instrument.required_contents = [*instrument.required_contents, "order_copy"]
    instrument.save()
    req = complete_draft(
        world, "ES", kind=MlaRequestKind.CONFISCATION_CERTIFICATE, legal_bases=["REG2018_1805"], measures=("FREEZE",),
        additional_content={**EU_EXTRA, "property_description": "Flat at Rua Augusta 1, Lisboa"},
    )
    assert set(_missing(req)) == {"order_copy"}
    services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PNG, name="sentence.png", document_type="order")
    assert _missing(req) == {}


def test_language_must_be_accepted_or_translated(world):
    req = complete_draft(world, "CO", language="es")
    missing = _missing(req)
    assert set(missing) == {"language"}
    assert "United States accepts requests under Nassau 1992 in en" in missing["language"]
    original = services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PNG, name="solicitud.png", language="es")
    services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PNG + b"en", name="request.png", language="en", translation_of=original)
    assert _missing(req) == {}


def test_a_translation_into_another_unaccepted_language_does_not_help(world):
    req = complete_draft(world, "CO", language="es")
    original = services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PNG, name="solicitud.png")
    services.attachment_add(request_pk=req.pk, actor=drafter(world, req), file=PNG + b"fr", name="demande.png", language="fr", translation_of=original)
    assert set(_missing(req)) == {"language"}


@pytest.mark.parametrize(
    ("origin", "basis", "why"),
    [
        ("PE", "MEDELLIN2019", "Peru is not a party to Medellín Treaty"),
        ("BR", "MEDELLIN2019", "Brazil: Medellín Treaty signed only, not in force"),
        ("CO", "SAN_LUIS1996", "Colombia is not a party to Protocol of San Luis"),
        ("PE", "EIO", "Peru is not a party to EIO Directive 2014/41/EU"),
    ],
)
def test_a_legal_basis_that_does_not_bind_both_states_is_rejected_with_the_reason(world, origin, basis, why):
    with pytest.raises(ValidationFailed) as err:
        _bare(world, origin, legal_bases=[basis])
    assert [p.name for p in err.value.problems] == ["legal_bases"]
    assert why in err.value.problems[0].reason


def test_in_force_date_counts(world, clock):
    with pytest.raises(ValidationFailed) as err:
        _bare(world, "AR", legal_bases=["MEDELLIN2019"])
    assert "Argentina: Medellín Treaty signed only" in err.value.problems[0].reason
    # Uruguay is bound from 23 January 2023 (in the test world): a request to Spain from Uruguay in 2022 is not.
    clock.set(clock.at.replace(year=2022, month=12, day=1))
    with pytest.raises(ValidationFailed) as err:
        services.mla_request_create(actor=world.user("magistrate:uy-fiscalia"), title="t", requested_state="ES", legal_bases=["MEDELLIN2019"], language="es")
    assert "in force for it only from 2023-01-23" in err.value.problems[0].reason


def test_checklist_shows_present_and_missing_with_sources(world):
    req = _bare(world, facts_summary="Facts")
    items = {i.code: i for i in content.checklist(req)}
    assert items["facts_summary"].present and not items["purpose"].present
    assert items["purpose"].required_by == ["UNTOC Art. 18(15)", "Vienna 1988 Art. 7(10)"]
    assert items["language"].present and "special_procedure" not in items  # "any particular procedure": nothing to check


def test_an_element_code_the_code_does_not_know_is_required_as_further_content(world):
    untoc = world.instruments["UNTOC"]
    untoc.required_contents = [*untoc.required_contents, "witness_protection_measures"]
    untoc.save()
    req = complete_draft(world)
    assert _missing(req) == {"witness_protection_measures": "missing: witness protection measures (required by UNTOC Art. 18(15))"}
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"additional_content": {"witness_protection_measures": "None needed"}})
    assert _missing(req) == {}


TEXT_ELEMENTS = ["subject_and_authority", "facts_summary", "purpose"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(filled=st.sets(st.sampled_from(TEXT_ELEMENTS)), with_measure=st.booleans(), with_person=st.booleans())
def test_missing_is_exactly_what_is_required_and_not_filled(world, filled, with_measure, with_person):
    req = _bare(world, **dict.fromkeys(filled, "given"))
    if with_measure:
        services.measure_add(request_pk=req.pk, actor=drafter(world, req), measure="RECORDS")
    if with_person:
        services.person_add(request_pk=req.pk, actor=drafter(world, req), role="witness", name="A. Witness")
    expected = (set(TEXT_ELEMENTS) - filled) | {"offence"}
    expected |= set() if with_measure else {"assistance_sought"}
    expected |= set() if with_person else {"persons_concerned"}
    assert set(_missing(req)) == expected
