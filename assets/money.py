"""Money is a Decimal amount with an ISO 4217 currency code: parsing, checking and rounding.

Floats are refused wherever an amount enters the system: a binary fraction cannot hold 0.10 exactly, and
sums of shares must be exact to the cent.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

import pycountry

from coopcases.core.exceptions import FieldProblem, ValidationFailed

# ISO 4217 "minor unit" column where it is not 2 (ISO 4217 list one). Every other listed currency has 2.
_MINOR_UNITS = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}
# Codes ISO 4217 lists with minor unit "N.A.": precious metals, accounting units, testing and "no currency".
_NOT_MONEY = frozenset(["XAD", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"])

# Amount columns are DecimalField(max_digits=20, decimal_places=4): 16 integer digits.
MAX_DIGITS = 20
DECIMAL_PLACES = 4
ROUNDING = ROUND_HALF_UP  # commercial rounding, as financial statements of the authorities use


def is_currency(code: str) -> bool:
    return isinstance(code, str) and code.isupper() and code not in _NOT_MONEY and (
        pycountry.currencies.get(alpha_3=code) is not None
    )


def check_currency(code, field: str = "currency") -> str:
    """The ISO 4217 code, upper-cased; refused when it is not a currency in circulation."""
    normalised = code.strip().upper() if isinstance(code, str) else ""
    if not is_currency(normalised):
        raise ValidationFailed(
            f"Unknown currency code '{code}': use an ISO 4217 code such as EUR, USD or COP.",
            [FieldProblem(field, "not an ISO 4217 currency code", "unknown_currency")],
        )
    return normalised


def minor_unit(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUNDING) -> Decimal:
    """Round to the currency's minor unit (EUR 2 decimals, JPY 0, KWD 3)."""
    return amount.quantize(quantum(currency), rounding=rounding)


def parse_amount(value, field: str = "amount", *, allow_zero: bool = True) -> Decimal:
    """A Decimal from a Decimal, an int or a numeric string. Floats, NaN, infinities and negatives are refused."""
    if isinstance(value, float):
        raise ValidationFailed(
            f"{field}: amounts must be given as decimal strings, not floating-point numbers.",
            [FieldProblem(field, "floating-point numbers are not accepted for money", "float_amount")],
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationFailed(f"{field}: not an amount.", [FieldProblem(field, "not a decimal amount", "invalid_amount")])
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationFailed(
            f"{field}: '{value}' is not a decimal amount.", [FieldProblem(field, "not a decimal amount", "invalid_amount")]
        ) from None
    if not amount.is_finite():
        raise ValidationFailed(f"{field}: not a finite amount.", [FieldProblem(field, "not a finite amount", "invalid_amount")])
    if amount < 0:
        raise ValidationFailed(
            f"{field}: an amount cannot be negative.", [FieldProblem(field, "amount must not be negative", "negative_amount")]
        )
    if amount == 0 and not allow_zero:
        raise ValidationFailed(
            f"{field}: the amount must be greater than zero.", [FieldProblem(field, "amount must be positive", "zero_amount")]
        )
    integer_digits = len(amount.quantize(Decimal(1), rounding=ROUND_DOWN).as_tuple().digits)
    if integer_digits > MAX_DIGITS - DECIMAL_PLACES:
        raise ValidationFailed(f"{field}: the amount is too large.", [FieldProblem(field, "amount too large", "amount_too_large")])
    return amount


def parse_money(value, currency, *, field: str = "amount", currency_field: str = "currency", allow_zero: bool = True):
    """(amount, currency) checked together: the amount may not carry more decimals than the currency has."""
    amount = parse_amount(value, field, allow_zero=allow_zero)
    code = check_currency(currency, currency_field)
    if amount != amount.quantize(quantum(code), rounding=ROUND_DOWN):
        raise ValidationFailed(
            f"{field}: {code} has {minor_unit(code)} decimal places (ISO 4217); '{value}' has more.",
            [FieldProblem(field, f"more decimal places than {code} allows", "too_many_decimals")],
        )
    return quantize(amount, code), code


def format_money(amount: Decimal, currency: str) -> str:
    return f"{quantize(amount, currency):,} {currency}"
