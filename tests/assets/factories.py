"""Factories for asset recovery tests: a case with its lead authority, assets in each lifecycle state, orders."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from assets import models as m
from cases.models import Case
from coopcases.accounts.roles import RoleCode
from networks import models as n
from tests.factories import AuthorityFactory, CountryFactory, UserFactory


def iban(country: str, bban: str) -> str:
    """A valid IBAN (ISO 13616 check digits computed) for `bban`."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def spain():
    return CountryFactory(code="ES", code3="ESP", name_en="Spain", region=n.Region.EUROPEAN_UNION, time_zone="Europe/Madrid")


def colombia():
    return CountryFactory(code="CO", code3="COL", name_en="Colombia", time_zone="America/Bogota")


def user(authority, *roles, **kw):
    return UserFactory(authority=authority, roles=list(roles) or [RoleCode.LIAISON_MAGISTRATE], **kw)


def auditor(**kw):
    return UserFactory(roles=[RoleCode.AUDITOR], **kw)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    national_reference = factory.Sequence(lambda i: f"CASE-{i}")
    title = factory.Sequence(lambda i: f"Operation {i}")
    lead_authority = factory.SubFactory(AuthorityFactory)


class AssetFactory(DjangoModelFactory):
    class Meta:
        model = m.Asset

    case = factory.SubFactory(CaseFactory)
    kind = m.AssetKind.ACCOUNT
    description = "Current account"
    identifiers = factory.Sequence(lambda i: {"iban": iban("GB", f"WEST{i:014d}")})
    reference = factory.LazyAttribute(lambda o: o.identifiers.get("iban", ""))
    location_state = factory.LazyFunction(spain)
    estimated_amount = Decimal("1000.00")
    estimated_currency = "EUR"
    valuation_date = date(2024, 3, 1)
    responsible_authority = factory.SelfAttribute("case.lead_authority")

    class Params:
        traced = factory.Trait(state=m.AssetState.TRACED)
        frozen = factory.Trait(state=m.AssetState.FROZEN, frozen_at=factory.LazyFunction(timezone.now))
        confiscated = factory.Trait(
            state=m.AssetState.CONFISCATED,
            frozen_at=factory.LazyFunction(timezone.now),
            confiscated_at=factory.LazyFunction(timezone.now),
        )
        realised = factory.Trait(
            state=m.AssetState.REALISED,
            frozen_at=factory.LazyFunction(timezone.now),
            confiscated_at=factory.LazyFunction(timezone.now),
            realised_at=factory.LazyFunction(timezone.now),
            realised_amount=Decimal("1000.00"),
            realised_currency="EUR",
        )


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = m.AssetOrder

    asset = factory.SubFactory(AssetFactory)
    case = factory.SelfAttribute("asset.case")
    kind = m.OrderKind.FREEZING
    reference = factory.Sequence(lambda i: f"ORD-{i}")
    issuing_authority = factory.SelfAttribute("asset.case.lead_authority")
    executing_state = factory.SelfAttribute("asset.location_state")
    issued_on = date(2024, 3, 2)


class NetworkFactory(DjangoModelFactory):
    class Meta:
        model = n.Network
        django_get_or_create = ("code",)

    code = "carin"
    acronym = "CARIN"
    name_en = "Camden Asset Recovery Inter-Agency Network"
    kind = n.NetworkKind.ASSET_RECOVERY
    source = "test factory"


class InstrumentFactory(DjangoModelFactory):
    class Meta:
        model = n.Instrument
        django_get_or_create = ("code",)

    code = "untoc"
    short_name = "UNTOC"
    name_en = "United Nations Convention against Transnational Organized Crime"
    kind = n.InstrumentKind.MULTILATERAL
    source = "test factory"


class RateFactory(DjangoModelFactory):
    class Meta:
        model = m.ExchangeRate

    base = "EUR"
    source = "test"
