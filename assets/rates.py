"""Converting money with the stored exchange rates: the rate on or before the date asked, never a live feed.

Every converted figure carries the rates and their dates, so a report can say how it was computed.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

from coopcases.core.exceptions import FieldProblem, ValidationFailed

from . import money
from .models import ExchangeRate

RATE_BASE = "EUR"  # the stored table is EUR-based, as the ECB reference rates are


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal  # units of `currency` for one unit of `base`
    date: date
    source: str
    base: str = RATE_BASE

    def describe(self) -> str:
        return f"1 {self.base} = {self.rate.normalize():f} {self.currency} ({self.date.isoformat()}, {self.source})"


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    currency: str
    original_amount: Decimal
    original_currency: str
    on_date: date
    rates: tuple[RateUsed, ...] = ()

    def describe(self) -> str:
        if not self.rates:
            return f"{self.amount} {self.currency} (no conversion)"
        used = "; ".join(r.describe() for r in self.rates)
        return f"{self.original_amount} {self.original_currency} → {self.amount} {self.currency} at {used}"


class MissingRate(ValidationFailed):
    def __init__(self, currency: str, on_date: date, base: str):
        super().__init__(
            f"No exchange rate for {currency} on or before {on_date.isoformat()} (base {base}): load the rates file.",
            [FieldProblem("currency", f"no {base}/{currency} rate on or before {on_date.isoformat()}", "missing_rate")],
            code="missing_rate",
        )
        self.currency, self.on_date = currency, on_date


@dataclass
class RateTable:
    """The rates of some currencies loaded once (one query) and looked up by date with a binary search."""

    base: str = RATE_BASE
    _dates: dict[str, list[date]] = field(default_factory=dict)
    _rows: dict[str, list[RateUsed]] = field(default_factory=dict)

    @classmethod
    def load(cls, currencies, base: str = RATE_BASE) -> RateTable:
        table = cls(base=base)
        grouped: dict[str, list[RateUsed]] = defaultdict(list)
        rows = ExchangeRate.objects.filter(base=base, currency__in=set(currencies) - {base}).order_by("currency", "date")
        for currency, rate, day, source in rows.values_list("currency", "rate", "date", "source"):
            grouped[currency].append(RateUsed(currency, rate, day, source, base))
        for currency, used in grouped.items():
            table._rows[currency] = used
            table._dates[currency] = [u.date for u in used]
        return table

    def rate_on(self, currency: str, on_date: date) -> RateUsed:
        dates = self._dates.get(currency, [])
        index = bisect.bisect_right(dates, on_date)
        if index == 0:
            raise MissingRate(currency, on_date, self.base)
        return self._rows[currency][index - 1]

    def convert(self, amount: Decimal, currency: str, to: str, on_date: date) -> Converted:
        """`amount` of `currency` in `to`, with the rates on or before `on_date`, rounded to `to`'s minor unit."""
        if currency == to:
            return Converted(money.quantize(amount, to), to, amount, currency, on_date)
        used: list[RateUsed] = []
        with localcontext(prec=60):  # wide enough that only the final quantize rounds
            value = amount
            if currency != self.base:
                from_rate = self.rate_on(currency, on_date)
                used.append(from_rate)
            if to != self.base:
                to_rate = self.rate_on(to, on_date)
                used.append(to_rate)
                value = value * to_rate.rate
            if currency != self.base:
                value = value / from_rate.rate
        return Converted(money.quantize(value, to), to, amount, currency, on_date, tuple(used))


def convert(amount, currency: str, to: str, on_date: date) -> Converted:
    """Convert one amount (loads the two rates it needs)."""
    amount = money.parse_amount(amount)
    currency, to = money.check_currency(currency), money.check_currency(to, "reporting_currency")
    return RateTable.load({currency, to}).convert(amount, currency, to, on_date)
