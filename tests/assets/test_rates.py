"""Exchange rates: conversion with the rate on or before the date, the rate and date reported; the loader."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assets import rates, services
from assets.models import ExchangeRate
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, ValidationFailed
from tests.assets.factories import RateFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def table():
    RateFactory(currency="USD", date=date(2024, 1, 1), rate=Decimal("1.10"), source="ECB")
    RateFactory(currency="USD", date=date(2024, 2, 1), rate=Decimal("1.20"), source="ECB")
    RateFactory(currency="COP", date=date(2024, 1, 1), rate=Decimal("4400"), source="BanRep")
    RateFactory(currency="JPY", date=date(2024, 1, 1), rate=Decimal("160"), source="ECB")


def test_the_rate_on_or_before_the_date_is_used_and_named(table):
    converted = rates.convert("110.00", "USD", "EUR", date(2024, 1, 31))
    assert converted.amount == Decimal("100.00")
    assert [(r.currency, r.rate, r.date, r.source) for r in converted.rates] == [("USD", Decimal("1.10"), date(2024, 1, 1), "ECB")]
    assert converted.describe() == "110.00 USD → 100.00 EUR at 1 EUR = 1.1 USD (2024-01-01, ECB)"
    # From the day of the next rate on, that one applies: 110 / 1.20 = 91.666… → 91.67
    assert rates.convert("110.00", "USD", "EUR", date(2024, 2, 1)).amount == Decimal("91.67")
    assert rates.convert("110.00", "USD", "EUR", date(2030, 1, 1)).rates[0].date == date(2024, 2, 1)


def test_cross_rates_go_through_the_base(table):
    converted = rates.convert("110.00", "USD", "COP", date(2024, 1, 15))
    assert converted.amount == Decimal("440000.00")  # 110 / 1.10 × 4400
    assert [r.currency for r in converted.rates] == ["USD", "COP"]
    assert rates.convert("1000", "EUR", "JPY", date(2024, 1, 15)).amount == Decimal("160000")
    assert rates.convert("1.00", "JPY", "EUR", date(2024, 1, 15)).amount == Decimal("0.01")  # 0.00625 → 0.01


def test_same_currency_needs_no_rate(table):
    converted = rates.convert("12.5", "EUR", "EUR", date(2000, 1, 1))
    assert converted.amount == Decimal("12.50") and converted.rates == ()


def test_no_rate_before_the_first_one(table):
    with pytest.raises(rates.MissingRate) as missing:
        rates.convert("1", "USD", "EUR", date(2023, 12, 31))
    assert missing.value.problems[0].code == "missing_rate"
    assert "USD on or before 2023-12-31" in missing.value.detail


def test_bad_amounts_and_codes_are_refused(table):
    with pytest.raises(ValidationFailed):
        rates.convert(1.5, "USD", "EUR", date(2024, 1, 5))
    with pytest.raises(ValidationFailed):
        rates.convert("1", "USD", "XYZ", date(2024, 1, 5))


def write(tmp_path, text):
    path = tmp_path / "rates.csv"
    path.write_text("date,base,currency,rate,source\n" + text)
    return str(path)


def test_the_loader_is_idempotent_and_shows_progress(tmp_path):
    path = write(tmp_path, "2024-01-02,EUR,USD,1.0956,ECB\n2024-01-02,EUR,GBP,0.86,ECB\n")
    out = StringIO()
    call_command("load_exchange_rates", file=path, stdout=out)
    assert "2/2" in out.getvalue() and "2 created, 0 updated, 0 unchanged" in out.getvalue()
    out = StringIO()
    call_command("load_exchange_rates", file=path, stdout=out)
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()
    assert ExchangeRate.objects.count() == 2
    path = write(tmp_path, "2024-01-02,EUR,USD,1.0957,ECB corrected\n")
    call_command("load_exchange_rates", file=path, stdout=StringIO())
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("1.0957")
    assert AuditEntry.objects.filter(action="import", object_type="assets.exchangerate").count() == 3


def test_a_bad_row_stops_the_load_naming_file_and_line(tmp_path):
    path = write(tmp_path, "2024-01-02,EUR,USD,1.09,ECB\n2024-01-02,EUR,EUX,1.2,ECB\n2024-13-01,EUR,GBP,0.8,ECB\n2024-01-03,EUR,GBP,-1,ECB\n2024-01-02,EUR,USD,1.1,ECB\n")
    with pytest.raises(CommandError) as error:
        call_command("load_exchange_rates", file=path, stdout=StringIO())
    message = str(error.value)
    assert "rates.csv:3.currency: not an ISO 4217 currency code" in message
    assert "rates.csv:4.date" in message and "rates.csv:5.rate" in message and "rates.csv:6: duplicate of line 2" in message
    assert not ExchangeRate.objects.exists()


def test_the_shipped_file_loads(db):
    call_command("load_exchange_rates", stdout=StringIO())
    assert ExchangeRate.objects.filter(currency="COP").count() == 12
    assert all("illustrative" in s for s in ExchangeRate.objects.values_list("source", flat=True).distinct())


def test_the_shipped_rules_load_idempotently(db):
    out = StringIO()
    call_command("load_asset_rules", stdout=out)
    call_command("load_asset_rules", stdout=out)
    assert "1 created" in out.getvalue() and "0 created, 0 updated, 1 unchanged" in out.getvalue()


def test_staff_edit_a_rate_through_the_service():
    staff = UserFactory(is_staff=True)
    row = services.exchange_rate_set(actor=staff, base="EUR", currency="usd", date=date(2024, 1, 1), rate="1.1", source="ECB")
    services.exchange_rate_set(actor=staff, base="EUR", currency="USD", date=date(2024, 1, 1), rate="1.12", source="ECB")
    row.refresh_from_db()
    assert row.rate == Decimal("1.12")
    with pytest.raises(ValidationFailed) as failed:
        services.exchange_rate_set(actor=staff, base="EUR", currency="USD", date=date(2024, 1, 1), rate="0", source="ECB")
    assert failed.value.problems[0].name == "rate"
    with pytest.raises(ActionForbidden):
        services.exchange_rate_set(actor=UserFactory(), base="EUR", currency="USD", date=date(2024, 1, 1), rate="1", source="x")
