"""Filing and editing drafts, references, measures, persons, messages: rules, audit rows and events."""

from datetime import UTC, date, datetime

import pytest

from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.events.models import Event
from networks.models import Authority
from requests import references, services
from requests.models import Audience, MeasureStatus, MlaRequest
from requests.models import MlaRequestState as S
from requests.selectors import mla_request_messages, mla_request_persons
from tests.requests.factories import advance, complete_draft, drafter, requested_ca, requesting_ca, step


def _new(world, actor_key="magistrate:pe-fecor", **fields):
    defaults = {"title": "Request", "requested_state": "ES", "legal_bases": ["UNTOC"], "language": "es"}
    defaults.update(fields)
    return services.mla_request_create(actor=world.user(actor_key), **defaults)


@pytest.mark.parametrize(
    ("code", "tag"),
    [("pe-fn", "FN"), ("pe-fiscalia-de-la-nacion", "FN"), ("pe-fecor", "FECOR"), ("es-anticorrupcion", "ANTICO"), ("us-usao-sdfl", "US")],
)
def test_authority_abbreviation(code, tag):
    assert references.authority_abbreviation(Authority(code=code, country_id=code[:2].upper())) == tag


def test_references_run_per_authority_and_year(world, clock):
    first, second = _new(world), _new(world)
    other = _new(world, "magistrate:pe-fn")
    assert [first.reference, second.reference, other.reference] == ["PE-FECOR-2026-00001", "PE-FECOR-2026-00002", "PE-FN-2026-00001"]
    # 23:30 UTC on New Year's Eve is already 2027 in Madrid, still 2026 in Lima.
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert _new(world).reference == "PE-FECOR-2026-00003"
    spanish = services.mla_request_create(
        actor=world.user("magistrate:es-anticorrupcion"), title="EIO", requested_state="PT", legal_bases=["EIO"], language="pt"
    )
    assert spanish.reference == "ES-ANTICO-2027-00001"


def test_create_records_audit_and_event(world):
    req = _new(world, offences=["MONEY_LAUNDERING"])
    audit = AuditEntry.objects.get(action="create", object_type="mla.mlarequest", object_id=str(req.pk))
    assert audit.after["reference"] == req.reference and audit.after["offences"] == ["MONEY_LAUNDERING"]
    event = Event.objects.get(object_id=str(req.pk))
    assert (event.event_type, event.sequence, event.to_state) == ("mla_request.created", 1, S.DRAFT)
    assert (req.requesting_central_authority.code, req.requested_central_authority.code) == ("pe-fn", "es-mjusticia")


def test_only_a_magistrate_files_and_only_for_their_authority(world):
    with pytest.raises(ActionForbidden):
        _new(world, "ca:pe-fn")
    with pytest.raises(ActionForbidden):
        services.mla_request_create(
            actor=world.user("magistrate:pe-fecor"), requesting_authority="pe-fn", title="t", requested_state="ES", legal_bases=["UNTOC"], language="es"
        )
    assert MlaRequest.objects.count() == 0


def test_every_field_problem_at_once(world):
    with pytest.raises(ValidationFailed) as err:
        _new(world, title=" ", language="spanish!", requested_state="PE", requested_due_date=date(2026, 1, 1), requested_central_authority="pe-fecor")
    assert {p.name for p in err.value.problems} == {"title", "language", "requested_state", "requested_due_date", "requested_central_authority"}
    with pytest.raises(ValidationFailed) as err:
        _new(world, offences=["GENOCIDE", "MONEY_LAUNDERING"])
    assert [p.reason for p in err.value.problems] == ["unknown value 'GENOCIDE'"]


def test_central_authority_designated_under_the_bilateral_treaty(world):
    req = complete_draft(world, "BR")
    assert (req.requesting_central_authority.code, req.requested_central_authority.code) == ("br-pgr", "pt-pgr")
    ambiguous = services.mla_request_create(
        actor=world.user("magistrate:br-mpf-sp"), title="t", requested_state="PT", legal_bases=["UNCAC"], language="pt"
    )
    assert ambiguous.requesting_central_authority is None  # Brazil has two central authorities: the drafter chooses
    services.mla_request_update(pk=ambiguous.pk, actor=drafter(world, ambiguous), changes={"requesting_central_authority": "br-drci"})
    ambiguous.refresh_from_db()
    assert ambiguous.requesting_central_authority.code == "br-drci"


def test_update_audits_only_what_changed(world):
    req = complete_draft(world)
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"purpose": "New purpose", "title": req.title}, expected_version=req.version)
    audit = AuditEntry.objects.filter(action="update", object_type="mla.mlarequest").latest("id")
    assert audit.after == {"purpose": "New purpose"} and audit.before == {"purpose": req.purpose}
    assert Event.objects.filter(object_id=str(req.pk), event_type="mla_request.updated").latest("sequence").data == {"fields": ["purpose"]}


def test_update_rules(world):
    req = complete_draft(world)
    actor = drafter(world, req)
    with pytest.raises(ValidationFailed) as err:
        services.mla_request_update(pk=req.pk, actor=actor, changes={"state": "approved", "version": 9})
    assert {p.name for p in err.value.problems} == {"state", "version"}
    with pytest.raises(ConcurrentChange):
        services.mla_request_update(pk=req.pk, actor=actor, changes={"purpose": "x"}, expected_version=req.version - 1)
    with pytest.raises(NotVisible):
        services.mla_request_update(pk=req.pk, actor=world.user("magistrate:co-fgn-ddr"), changes={"purpose": "x"})
    with pytest.raises(ValidationFailed):
        services.mla_request_update(pk=req.pk, actor=actor, changes={"legal_bases": ["NASSAU1992"]})  # Spain is no party
    advance(world, req, S.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        services.mla_request_update(pk=req.pk, actor=actor, changes={"purpose": "x"})
    step(req, "return_for_amendment", requesting_ca(world, req), "Fix it")
    with pytest.raises(ActionForbidden):
        services.mla_request_update(pk=req.pk, actor=requesting_ca(world, req), changes={"purpose": "x"})
    services.mla_request_update(pk=req.pk, actor=actor, changes={"purpose": "Fixed"})


def test_measures_on_drafts_only(world):
    req = complete_draft(world, measures=())
    actor = drafter(world, req)
    with pytest.raises(ValidationFailed) as err:
        services.measure_add(request_pk=req.pk, actor=actor, measure="VIDEOCONFERENCE", extra={"person": "Witness A", "colour": "red"})
    assert err.value.problems[0].name == "extra.colour"
    item = services.measure_add(request_pk=req.pk, actor=actor, measure="VIDEOCONFERENCE", extra={"person": "Witness A", "date": "2026-05-04"})
    services.measure_remove(measure_pk=item.pk, actor=actor)
    services.measure_add(request_pk=req.pk, actor=actor, measure="RECORDS")
    req = advance(world, req, S.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        services.measure_add(request_pk=req.pk, actor=actor, measure="TAKE_STATEMENT")
    events = list(Event.objects.filter(object_id=str(req.pk), event_type__startswith="mla_request.measure").values_list("event_type", flat=True))
    assert events == ["mla_request.measure_added", "mla_request.measure_removed", "mla_request.measure_added"]


def test_requesting_side_drops_a_measure_it_no_longer_needs(world):
    req = advance(world, complete_draft(world), S.TRANSMITTED)
    measure = req.measures.get()
    with pytest.raises(ValidationFailed):
        services.measure_record_outcome(measure_pk=measure.pk, actor=drafter(world, req), status=MeasureStatus.NOT_PURSUED)
    services.measure_record_outcome(measure_pk=measure.pk, actor=drafter(world, req), status=MeasureStatus.NOT_PURSUED, outcome="Obtained elsewhere")
    with pytest.raises(ActionForbidden):
        services.measure_record_outcome(measure_pk=measure.pk, actor=requested_ca(world, req), status=MeasureStatus.NOT_PURSUED, outcome="x")


def test_persons_are_confidential(world):
    req = complete_draft(world)
    assert "Juan" not in str(list(AuditEntry.objects.values_list("after", flat=True)))
    assert "Juan" not in str(list(Event.objects.values_list("data", flat=True)))
    with pytest.raises(ValidationFailed):
        mla_request_persons(actor=drafter(world, req), pk=req.pk, purpose=" ")
    persons = mla_request_persons(actor=drafter(world, req), pk=req.pk, purpose="Preparing the hearing")
    assert [p.name for p in persons] == ["Juan Pérez"]
    view = AuditEntry.objects.get(action="view")
    assert view.purpose == "Preparing the hearing" and view.after == {"persons_concerned": [persons[0].pk]}


def test_messages_reach_the_sides_they_are_addressed_to(world):
    req = advance(world, complete_draft(world), S.TRANSMITTED)
    services.message_post(request_pk=req.pk, actor=drafter(world, req), body="Any news?")
    services.message_post(request_pk=req.pk, actor=requesting_ca(world, req), body="Between us: chase them", audience=Audience.REQUESTING_SIDE)
    services.message_post(request_pk=req.pk, actor=requested_ca(world, req), body="Assigned next week")
    requested_view = [m.body for m in mla_request_messages(actor=requested_ca(world, req), pk=req.pk)]
    requesting_view = [m.body for m in mla_request_messages(actor=drafter(world, req), pk=req.pk)]
    assert requested_view == ["Any news?", "Assigned next week"]
    assert requesting_view == ["Any news?", "Between us: chase them", "Assigned next week"]
    assert Event.objects.filter(object_id=str(req.pk), event_type="mla_request.message_posted").count() == 3
    with pytest.raises(ValidationFailed):
        services.message_post(request_pk=req.pk, actor=drafter(world, req), body="  ")
    with pytest.raises(NotVisible):
        services.message_post(request_pk=req.pk, actor=world.user("ca:co-fgn"), body="Hello")
