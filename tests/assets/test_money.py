"""Money: Decimal amounts with ISO 4217 codes; floats, negatives, unknown codes and excess decimals refused."""

from decimal import Decimal

import pytest

from assets import money
from coopcases.core.exceptions import ValidationFailed


def refusal(func, *args, **kwargs):
    with pytest.raises(ValidationFailed) as failed:
        func(*args, **kwargs)
    return failed.value.problems[0].code


def test_currency_codes_follow_iso_4217():
    assert money.check_currency("eur") == "EUR"
    assert money.check_currency("COP") == "COP"
    assert refusal(money.check_currency, "EUX") == "unknown_currency"
    assert refusal(money.check_currency, "XAU") == "unknown_currency"  # gold: not money in ISO 4217's sense
    assert refusal(money.check_currency, None) == "unknown_currency"


def test_minor_units():
    assert money.minor_unit("EUR") == 2
    assert money.minor_unit("JPY") == 0
    assert money.minor_unit("CLP") == 0
    assert money.minor_unit("KWD") == 3
    assert money.minor_unit("CLF") == 4


def test_amounts_are_decimals_never_floats():
    assert money.parse_amount("1000.01") == Decimal("1000.01")
    assert money.parse_amount(5) == Decimal(5)
    assert refusal(money.parse_amount, 0.1) == "float_amount"
    assert refusal(money.parse_amount, "-1") == "negative_amount"
    assert refusal(money.parse_amount, "NaN") == "invalid_amount"
    assert refusal(money.parse_amount, "Infinity") == "invalid_amount"
    assert refusal(money.parse_amount, "12,50") == "invalid_amount"
    assert refusal(money.parse_amount, "0", allow_zero=False) == "zero_amount"
    assert refusal(money.parse_amount, "1" * 17) == "amount_too_large"


def test_an_amount_may_not_carry_more_decimals_than_its_currency():
    assert money.parse_money("10.50", "eur") == (Decimal("10.50"), "EUR")
    assert money.parse_money("1500", "JPY") == (Decimal("1500"), "JPY")
    assert refusal(money.parse_money, "10.005", "EUR") == "too_many_decimals"
    assert refusal(money.parse_money, "1500.5", "JPY") == "too_many_decimals"
    assert money.parse_money("1.234", "KWD") == (Decimal("1.234"), "KWD")


def test_quantize_rounds_half_up_to_the_minor_unit():
    assert money.quantize(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert money.quantize(Decimal("2.344"), "EUR") == Decimal("2.34")
    assert money.quantize(Decimal("1234.5"), "JPY") == Decimal("1235")
