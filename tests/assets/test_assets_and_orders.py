"""Creating assets and recording orders: bad input refused naming the rule, nothing saved."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from assets import services
from assets.models import Asset, AssetOrder
from assets.selectors import agreements_visible_to, asset_get, asset_orders, assets_visible_to
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, NotVisible, ValidationFailed
from coopcases.deadlines.models import Deadline
from networks.models import ContactPoint, Membership, NetworkKind
from tests.assets.conftest import freezing_order
from tests.assets.factories import CaseFactory, NetworkFactory, spain
from tests.factories import bare_mla_request


def codes(error):
    return {(p.name, p.code) for p in error.problems}


def create(world, **kw):
    fields = {
        "actor": world.magistrate, "case": world.case, "kind": "account", "description": "Account",
        "location_state": world.es, "identifiers": {"iban": "GB82WEST12345698765432"},
    } | kw
    return services.asset_create(**fields)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"identifiers": {"iban": "GB82WEST12345698765431"}}, ("identifiers.iban", "checksum")),
        ({"estimated_amount": "-5.00", "estimated_currency": "EUR", "valuation_date": date(2024, 1, 1)}, ("estimated_amount", "negative_amount")),
        ({"estimated_amount": "5.00", "estimated_currency": "EUX", "valuation_date": date(2024, 1, 1)}, ("estimated_currency", "unknown_currency")),
        ({"estimated_amount": 5.0, "estimated_currency": "EUR", "valuation_date": date(2024, 1, 1)}, ("estimated_amount", "float_amount")),
        ({"estimated_amount": "5.00", "estimated_currency": "EUR"}, ("estimated_amount", "incomplete_money")),
        ({"estimated_amount": "5.001", "estimated_currency": "EUR", "valuation_date": date(2024, 1, 1)}, ("estimated_amount", "too_many_decimals")),
        ({"estimated_amount": "5", "estimated_currency": "EUR", "valuation_date": date.today() + timedelta(days=1)}, ("valuation_date", "future_date")),
        ({"kind": "real_estate", "identifiers": {"address": "Calle Mayor 1"}}, ("identifiers.land_registry_reference", "required")),
        ({"kind": "spaceship"}, ("kind", "invalid_choice")),
        ({"description": "  "}, ("description", "required")),
        ({"holder_type": "alien"}, ("holder_type", "invalid_choice")),
    ],
)
def test_bad_asset_input_is_refused_and_nothing_saved(world, fields, expected):
    with pytest.raises(ValidationFailed) as failed:
        create(world, **fields)
    assert expected in codes(failed.value)
    assert not Asset.objects.exists()
    assert not AuditEntry.objects.filter(object_type="assets.asset").exists()


def test_an_asset_is_created_with_audit_and_event(world):
    asset = create(world, estimated_amount="1500.50", estimated_currency="usd", valuation_date=date(2024, 1, 1))
    assert (asset.estimated_currency, str(asset.estimated_amount), asset.reference) == ("USD", "1500.50", "GB82WEST12345698765432")
    assert asset.responsible_authority == world.lead and asset.created_by == world.magistrate
    entry = AuditEntry.objects.get(object_type="assets.asset", object_id=str(asset.pk))
    assert entry.action == "create" and entry.case_id == world.case.pk and entry.after["estimated_amount"] == "1500.50"


def test_the_same_identifier_twice_in_a_case_is_refused(world):
    first = create(world)
    with pytest.raises(ValidationFailed) as failed:
        create(world, identifiers={"iban": "gb82 west 1234 5698 7654 32"})
    assert ("identifiers", "duplicate_asset") in codes(failed.value)
    assert str(first.pk) in failed.value.problems[0].reason
    # Another case may hold the same account.
    other = CaseFactory(lead_authority=world.lead)
    assert create(world, case=other).reference == first.reference


def test_only_case_authorities_create_assets(world):
    with pytest.raises(ActionForbidden):
        create(world, actor=world.outsider)
    with pytest.raises(ActionForbidden):
        create(world, actor=world.auditor)


def test_visibility_is_one_predicate(world, django_assert_num_queries):
    asset = create(world)
    freezing_order(world, asset)
    create(world, case=CaseFactory(lead_authority=world.outsider.authority), actor=world.outsider)
    # roles (1) [+ the executing officer's country (1)] + the assets (1), whatever the number of assets
    for actor, expected, queries in [(world.magistrate, 1, 2), (world.spanish_executor, 1, 3), (world.auditor, 2, 2), (world.outsider, 1, 2)]:
        actor = type(actor).objects.get(pk=actor.pk)
        with django_assert_num_queries(queries):
            assert len(list(assets_visible_to(actor))) == expected


def test_an_update_checks_again_and_audits_before_and_after(world):
    asset = create(world)
    with pytest.raises(ValidationFailed):
        services.asset_update(actor=world.magistrate, asset=asset, identifiers={"iban": "GB00WEST12345698765432"})
    with pytest.raises(ValidationFailed) as failed:
        services.asset_update(actor=world.magistrate, asset=asset, kind="vehicle")
    assert ("kind", "not_editable") in codes(failed.value)
    asset = services.asset_update(actor=world.magistrate, asset=asset, estimated_amount="10", estimated_currency="EUR", valuation_date=date(2024, 5, 1))
    entry = AuditEntry.objects.filter(object_id=str(asset.pk), action="update").get()
    assert entry.before["estimated_amount"] is None and entry.after["estimated_amount"] == "10.00"


# --- orders ------------------------------------------------------------------


def test_a_tracing_enquiry_goes_through_an_asset_recovery_network(world):
    asset = create(world)
    carin = NetworkFactory()
    point = ContactPoint.objects.create(membership=Membership.objects.create(network=carin, country=world.es, source="t"), name="ARO Spain", role="law_enforcement")
    order = services.order_add(actor=world.magistrate, asset=asset, kind="tracing_enquiry", network=carin, contact_point=point,
                               issued_on=date(2024, 2, 1), answered_on=date(2024, 2, 5), answer="Account confirmed at Banco X")
    assert order.network == carin and order.case_id == world.case.pk

    ejn = NetworkFactory(code="ejn", acronym="EJN", kind=NetworkKind.JUDICIAL)
    with pytest.raises(ValidationFailed) as failed:
        services.order_add(actor=world.magistrate, asset=asset, kind="tracing_enquiry", network=ejn)
    assert ("network", "not_asset_recovery_network") in codes(failed.value)
    with pytest.raises(ValidationFailed) as failed:
        services.order_add(actor=world.magistrate, asset=asset, kind="tracing_enquiry", network=carin, issued_on=date(2024, 2, 5), answered_on=date(2024, 2, 1))
    assert ("answered_on", "before_issue") in codes(failed.value)


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("freezing", {"issued_on": date(2024, 1, 1)}, ("issuing_authority", "required")),
        ("freezing", {"issuing_authority": "lead"}, ("issued_on", "required")),
        ("freezing", {"issuing_authority": "lead", "issued_on": date(2024, 1, 1), "proceeding_type": "civil"}, ("proceeding_type", "not_applicable")),
        ("freezing", {"issuing_authority": "lead", "issued_on": date(2024, 1, 5), "renewal_due_on": date(2024, 1, 1)}, ("renewal_due_on", "before_issue")),
        ("freezing", {"issuing_authority": "lead", "issued_on": date(2024, 1, 5), "executing_authority": "lead"}, ("executing_authority", "other_state")),
        ("confiscation", {"issuing_authority": "lead", "issued_on": date(2024, 1, 5)}, ("proceeding_type", "required")),
        ("confiscation", {"issuing_authority": "lead", "issued_on": date.today() + timedelta(days=2), "proceeding_type": "civil"}, ("issued_on", "future_date")),
        ("tracing_enquiry", {}, ("network", "required")),
        ("management", {"costs_amount": "10"}, ("custodian", "required")),
        ("management", {"custodian": "AMO", "costs_amount": "-10", "costs_currency": "EUR"}, ("costs_amount", "negative_amount")),
        ("management", {"custodian": "AMO", "costs_amount": "10"}, ("costs_amount", "incomplete_money")),
        ("seizure", {"issuing_authority": "lead", "issued_on": date(2024, 1, 5), "colour": "red"}, ("colour", "unknown_field")),
    ],
)
def test_bad_orders_are_refused_and_nothing_saved(world, kind, fields, expected):
    asset = create(world)
    if kind == "management":
        freezing_order(world, asset)
        services.asset_transition(actor=world.magistrate, asset=asset, action="freeze")
    before = AssetOrder.objects.count()
    fields = {k: (world.lead if v == "lead" else v) for k, v in fields.items()}
    with pytest.raises(ValidationFailed) as failed:
        services.order_add(actor=world.magistrate, asset=asset, kind=kind, **fields)
    assert expected in codes(failed.value)
    assert AssetOrder.objects.count() == before
    assert not Deadline.objects.exists()


def test_disposal_rules(world):
    asset = create(world)
    confiscation = {"issuing_authority": world.lead, "issued_on": date(2024, 1, 5), "proceeding_type": "conviction_based", "final": True}
    services.order_add(actor=world.magistrate, asset=asset, kind="confiscation", **confiscation)
    services.asset_transition(actor=world.magistrate, asset=asset, action="confiscate")
    base = {"issuing_authority": world.madrid_court, "effective_on": date(2024, 6, 1)}
    for fields, expected in [
        ({"disposal_method": "sale"}, ("realised_amount", "required")),
        ({"disposal_method": "destruction", "realised_amount": "10", "realised_currency": "EUR"}, ("realised_amount", "not_applicable")),
        ({"disposal_method": "sale", "realised_amount": "0", "realised_currency": "EUR"}, ("realised_amount", "zero_amount")),
        ({"disposal_method": "burial"}, ("disposal_method", "required")),
        ({"disposal_method": "sale", "realised_amount": "10", "realised_currency": "EUR", "effective_on": None}, ("effective_on", "required")),
    ]:
        with pytest.raises(ValidationFailed) as failed:
            services.order_add(actor=world.magistrate, asset=asset, kind="disposal", **(base | fields))
        assert expected in codes(failed.value)


def test_the_mla_request_must_be_of_the_same_case(world):
    asset = create(world)
    own = bare_mla_request(case=world.case)
    other = bare_mla_request(case=CaseFactory())
    assert freezing_order(world, asset, mla_request=own).mla_request == own
    with pytest.raises(ValidationFailed) as failed:
        freezing_order(world, asset, mla_request=other)
    assert ("mla_request", "other_case") in codes(failed.value)


def test_renewing_a_freezing_order_reopens_its_deadline(world):
    asset = create(world)
    order = freezing_order(world, asset, renewal_due_on=date(2040, 3, 2))
    services.order_update(actor=world.magistrate, order=order, renewal_due_on=date(2041, 3, 2))
    deadlines = Deadline.objects.filter(object_id=str(order.pk)).order_by("id")
    assert [d.state for d in deadlines] == ["met", "open"]
    # due at the end of that day where the issuing authority must act (Bogotá), and counted on its calendar
    assert deadlines[1].due_at.astimezone(ZoneInfo("America/Bogota")).isoformat() == "2041-03-02T23:59:59-05:00"
    assert deadlines[1].calendar_country == world.co


def test_management_is_possible_while_frozen(world):
    asset = create(world)
    freezing_order(world, asset)
    services.asset_transition(actor=world.magistrate, asset=asset, action="freeze")
    order = services.order_add(actor=world.magistrate, asset=asset, kind="management", custodian="ORGA (Spain)", interim_sale=True,
                               realised_amount="900.00", realised_currency="EUR", issuing_authority=world.madrid_court)
    assert order.interim_sale and asset.location_state == spain()


def test_selectors_hide_what_the_actor_may_not_see(world):
    asset = create(world)
    order = freezing_order(world, asset)
    assert asset_get(actor=world.auditor, pk=asset.pk) == asset
    with pytest.raises(NotVisible):
        asset_get(actor=world.outsider, pk=asset.pk)
    assert list(asset_orders(actor=world.spanish_executor, asset=asset)) == [order]
    assert list(asset_orders(actor=world.outsider, asset=asset)) == []
    assert not agreements_visible_to(world.outsider).exists()
