from datetime import date
from types import SimpleNamespace

import pytest

from assets import services
from coopcases.accounts.roles import RoleCode
from tests.assets.factories import CaseFactory, colombia, spain, user
from tests.factories import AuthorityFactory


@pytest.fixture
def world(db):
    """Colombia's prosecution leads a case; a bank account of the suspect sits in Spain."""
    co, es = colombia(), spain()
    lead = AuthorityFactory(country=co, name="Fiscalía General de la Nación")
    madrid_court = AuthorityFactory(country=es, name="Juzgado Central de Instrucción 1")
    case = CaseFactory(lead_authority=lead)
    w = SimpleNamespace(co=co, es=es, lead=lead, madrid_court=madrid_court, case=case)
    w.magistrate = user(lead, RoleCode.LIAISON_MAGISTRATE)
    w.officer = user(lead, RoleCode.CENTRAL_AUTHORITY_OFFICER)
    w.spanish_executor = user(madrid_court, RoleCode.EXECUTING_AUTHORITY_OFFICER)
    w.outsider = user(AuthorityFactory(country=es), RoleCode.LIAISON_MAGISTRATE)
    w.auditor = user(AuthorityFactory(country=es), RoleCode.AUDITOR)
    return w


@pytest.fixture
def account(world):
    return services.asset_create(
        actor=world.magistrate,
        case=world.case,
        kind="account",
        description="Current account of the suspect",
        location_state=world.es,
        identifiers={"iban": "ES9121000418450200051332"},
        holder_name="Juan Pérez",
        holder_type="natural_person",
        estimated_amount="250000.00",
        estimated_currency="EUR",
        valuation_date=date(2024, 3, 1),
    )


def freezing_order(world, asset, **kw):
    fields = {
        "reference": "DL-2024-11",
        "issuing_authority": world.lead,
        "executing_authority": world.madrid_court,
        "issued_on": date(2024, 3, 2),
    } | kw
    return services.order_add(actor=world.magistrate, asset=asset, kind="freezing", **fields)


def confiscation_order(world, asset, **kw):
    fields = {
        "reference": "SENT-2025-3",
        "issuing_authority": world.lead,
        "issued_on": date(2025, 1, 15),
        "proceeding_type": "conviction_based",
        "final": True,
    } | kw
    return services.order_add(actor=world.magistrate, asset=asset, kind="confiscation", **fields)


def sale(world, asset, amount="1000.00", currency="EUR", **kw):
    fields = {"disposal_method": "sale", "realised_amount": amount, "realised_currency": currency,
              "issuing_authority": world.madrid_court, "effective_on": date(2025, 6, 1)} | kw
    return services.order_add(actor=world.magistrate, asset=asset, kind="disposal", **fields)


def walk_to_realised(world, asset, amount="1000.00", currency="EUR"):
    freezing_order(world, asset)
    services.asset_transition(actor=world.magistrate, asset=asset, action="freeze")
    confiscation_order(world, asset)
    services.asset_transition(actor=world.magistrate, asset=asset, action="confiscate")
    sale(world, asset, amount, currency)
    return services.asset_transition(actor=world.magistrate, asset=asset, action="realise")


