"""The asset lifecycle: allowed paths, refused transitions naming their rule, roles, events and audit rows."""

from datetime import date
from decimal import Decimal

import pytest

from assets import services
from assets.models import Asset, AssetOrder, AssetState, ConfiscationPrerequisite
from assets.workflow import asset_workflow
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.deadlines.models import Deadline
from coopcases.events.models import Event
from tests.assets.conftest import confiscation_order, freezing_order, sale, walk_to_realised


def events_of(asset):
    return list(Event.objects.filter(object_type="assets.asset", object_id=str(asset.pk)).order_by("sequence").values_list("event_type", flat=True))


def refused(exc_type, func, **kwargs):
    with pytest.raises(exc_type) as caught:
        func(**kwargs)
    return caught.value


def test_the_whole_path_from_identified_to_closed(world, account):
    m = world.magistrate
    services.asset_transition(actor=m, asset=account, action="trace")
    order = freezing_order(world, account, renewal_due_on=date(2040, 3, 2))
    deadline = Deadline.objects.get(object_id=str(order.pk), kind="freeze_renewal")
    assert deadline.state == "open" and deadline.responsible_authority == world.lead and deadline.case_id == world.case.pk

    asset = services.asset_transition(actor=m, asset=account, action="freeze")
    assert asset.state == AssetState.FROZEN and asset.frozen_at is not None and asset.version == 3
    confiscation_order(world, asset)
    asset = services.asset_transition(actor=m, asset=asset, action="confiscate")
    assert asset.state == AssetState.CONFISCATED and asset.confiscated_at is not None
    deadline.refresh_from_db()
    assert deadline.state == "cancelled"  # superseded by the final order

    services.order_add(actor=m, asset=asset, kind="management", custodian_authority=world.madrid_court,
                       costs_amount="150.00", costs_currency="EUR", issuing_authority=world.madrid_court)
    services.asset_transition(actor=m, asset=asset, action="manage")
    sale(world, asset, "240000.00")
    asset = services.asset_transition(actor=m, asset=asset, action="realise")
    assert (asset.state, asset.realised_amount, asset.realised_currency) == (AssetState.REALISED, Decimal("240000.00"), "EUR")

    agreement = services.agreement_create(actor=m, case=world.case, kind="sharing", basis="case_specific", assets=[asset],
                                          shares=[{"party": "ES", "percentage": "50"}, {"party": "CO", "percentage": "50"}])
    services.agreement_validate(actor=m, agreement=agreement)
    asset.refresh_from_db()
    assert asset.state == AssetState.SHARED and asset.shared_at is not None
    refused(ValidationFailed, services.asset_transition, actor=m, asset=asset, action="close")  # money still owed
    services.transfer_record(actor=m, agreement=agreement, party="CO", amount="120000.00", currency="EUR", made_on=date.today())
    asset = services.asset_transition(actor=m, asset=asset, action="close")
    assert asset.state == AssetState.CLOSED

    assert events_of(asset) == [
        "asset.create", "asset.trace", "asset.order_add", "asset.freeze", "asset.order_add",
        "asset.confiscate", "asset.order_add", "asset.manage", "asset.order_add", "asset.realise", "asset.share", "asset.close",
    ]
    transitions = AuditEntry.objects.filter(object_type="assets.asset", object_id=str(asset.pk), action="transition")
    assert transitions.count() == 7
    refused(TransitionNotAllowed, services.asset_update, actor=m, asset=asset, description="changed")


def test_freezing_needs_a_recorded_freezing_order(world, account):
    error = refused(ValidationFailed, services.asset_transition, actor=world.magistrate, asset=account, action="freeze")
    assert error.problems[0].reason == "record the freezing order first"
    account.refresh_from_db()
    assert (account.state, account.version) == (AssetState.IDENTIFIED, 1)


def test_release_needs_reasons_and_lifts_the_order(world, account):
    order = freezing_order(world, account, renewal_due_on=date(2040, 3, 2))
    services.asset_transition(actor=world.magistrate, asset=account, action="freeze")
    error = refused(ValidationFailed, services.asset_transition, actor=world.magistrate, asset=account, action="release")
    assert error.problems[0].name == "reason"
    asset = services.asset_transition(actor=world.magistrate, asset=account, action="release", reason="Court of appeal annulled the order")
    assert asset.state == AssetState.RELEASED
    order.refresh_from_db()
    assert order.lifted_on == date.today() and order.lift_reason == "Court of appeal annulled the order"
    assert Deadline.objects.get(object_id=str(order.pk)).state == "cancelled"
    event = Event.objects.get(object_id=str(asset.pk), event_type="asset.release")
    assert event.reason == "Court of appeal annulled the order" and event.from_state == "frozen"


def test_release_of_a_confiscated_asset_is_refused_naming_the_rule(world, account):
    freezing_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="freeze")
    confiscation_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="confiscate")
    error = refused(ValidationFailed, services.asset_transition, actor=world.magistrate, asset=account, action="release", reason="x")
    assert "a confiscated asset cannot be released" in error.problems[0].reason
    assert "UNTOC art. 2(g)" in error.problems[0].reason
    account.refresh_from_db()
    assert account.state == AssetState.CONFISCATED
    release = next(a for a in asset_workflow.available(account, world.magistrate) if a.action == "release")
    assert not release.allowed and "cannot be released" in release.reasons[0]


def test_confiscation_needs_a_final_order(world, account):
    freezing_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="freeze")
    confiscation_order(world, account, final=False)
    error = refused(ValidationFailed, services.asset_transition, actor=world.magistrate, asset=account, action="confiscate")
    assert "not final" in error.problems[0].reason
    order = AssetOrder.objects.get(asset=account, kind="confiscation")
    services.order_update(actor=world.magistrate, order=order, final=True)
    assert services.asset_transition(actor=world.magistrate, asset=account, action="confiscate").state == "confiscated"


def test_confiscation_without_prior_freeze_follows_the_data(world, account):
    # No rule: a value-based or direct confiscation of an asset never frozen is allowed.
    confiscation_order(world, account)
    assert services.asset_transition(actor=world.magistrate, asset=account, action="confiscate").state == "confiscated"


def test_confiscation_of_an_asset_never_frozen_is_refused_when_its_basis_requires_it(world, account):
    ConfiscationPrerequisite.objects.create(
        code="edd-prior-measure", proceeding_type="extincion_de_dominio",
        description="in-rem proceedings act on property already secured", source="test rule", verified=False,
    )
    before = AssetOrder.objects.count()
    error = refused(ValidationFailed, confiscation_order, world=world, asset=account, proceeding_type="extincion_de_dominio")
    problem = error.problems[0]
    assert (problem.name, problem.code) == ("legal_basis", "prior_freeze_required")
    assert "edd-prior-measure" in problem.reason and "never frozen or seized" in problem.reason and "unverified" in problem.reason
    assert AssetOrder.objects.count() == before
    # Another proceeding type is not covered by the rule.
    confiscation_order(world, account, proceeding_type="conviction_based")
    assert services.asset_transition(actor=world.magistrate, asset=account, action="confiscate").state == "confiscated"


def test_the_prerequisite_is_checked_again_at_the_transition(world, account):
    confiscation_order(world, account, proceeding_type="civil")
    ConfiscationPrerequisite.objects.create(code="civil-prior", proceeding_type="civil", description="d", source="s")
    error = refused(ValidationFailed, services.asset_transition, actor=world.magistrate, asset=account, action="confiscate")
    assert "civil-prior" in error.problems[0].reason


def test_forbidden_paths(world, account):
    m = world.magistrate
    error = refused(TransitionNotAllowed, services.asset_transition, actor=m, asset=account, action="realise")
    assert "not allowed while the record is 'identified'" in error.detail
    refused(TransitionNotAllowed, services.asset_transition, actor=m, asset=account, action="fly")
    asset = services.asset_transition(actor=m, asset=account, action="mark_not_found", reason="No such account at the bank")
    refused(TransitionNotAllowed, services.asset_transition, actor=m, asset=asset, action="trace")
    refused(TransitionNotAllowed, freezing_order, world=world, asset=asset)  # no orders on a file that led nowhere
    assert services.asset_transition(actor=m, asset=asset, action="close").state == "closed"


def test_roles_and_visibility(world, account):
    refused(NotVisible, services.asset_transition, actor=world.outsider, asset=account, action="trace")
    error = refused(ActionForbidden, services.asset_transition, actor=world.auditor, asset=account, action="trace")
    assert "authority of the case" in error.detail
    assert services.asset_transition(actor=world.officer, asset=account, action="trace").state == "traced"
    # The Spanish executing officer sees and acts once an order is to be executed in Spain.
    refused(NotVisible, services.asset_transition, actor=world.spanish_executor, asset=account, action="freeze")
    freezing_order(world, account)
    assert services.asset_transition(actor=world.spanish_executor, asset=account, action="freeze").state == "frozen"


def test_available_transitions_say_why_not(world, account):
    available = {a.action: a for a in asset_workflow.available(account, world.magistrate)}
    assert set(available) == {"trace", "freeze", "seize", "confiscate", "release", "mark_not_found"}
    assert available["trace"].allowed
    assert available["freeze"].reasons == ["record the freezing order first"]
    assert available["release"].reason_required
    assert all(not a.allowed for a in asset_workflow.available(account, world.auditor))


def test_stale_version_is_refused(world, account):
    services.asset_update(actor=world.magistrate, asset=account, description="Savings account", expected_version=1)
    refused(ConcurrentChange, services.asset_update, actor=world.magistrate, asset=account, description="x", expected_version=1)
    refused(ConcurrentChange, services.asset_transition, actor=world.magistrate, asset=account, action="trace", expected_version=1)


def test_realising_needs_a_sale_with_its_amount(world, account):
    freezing_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="freeze")
    confiscation_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="confiscate")
    error = refused(ValidationFailed, services.asset_transition, actor=world.magistrate, asset=account, action="realise")
    assert error.problems[0].reason == "record the sale or collection of funds first"
    services.order_add(actor=world.magistrate, asset=account, kind="disposal", disposal_method="destruction",
                       issuing_authority=world.madrid_court, effective_on=date(2025, 2, 1))
    assert services.asset_transition(actor=world.magistrate, asset=account, action="dispose").state == "disposed"


def test_two_partial_sales_add_up(world, account):
    freezing_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="freeze")
    confiscation_order(world, account)
    services.asset_transition(actor=world.magistrate, asset=account, action="confiscate")
    sale(world, account, "100.10")
    sale(world, account, "0.20")
    asset = services.asset_transition(actor=world.magistrate, asset=account, action="realise")
    assert asset.realised_amount == Decimal("100.30")


def test_walk_helper_reaches_realised(world, account):
    assert walk_to_realised(world, account).state == AssetState.REALISED
    assert Asset.objects.get(pk=account.pk).realised_amount == Decimal("1000.00")
