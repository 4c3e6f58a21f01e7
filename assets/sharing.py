"""Sharing arithmetic: exact to the currency's minor unit, with the rounding remainder given to one named party.

Each party other than the remainder party gets its percentage of the amount to share rounded *down* to the
minor unit; the remainder party gets what is left. The shares therefore always add up to the amount exactly,
and no party but the remainder party ever gets more than its exact share.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from coopcases.core.exceptions import FieldProblem

from . import money

HUNDRED = Decimal(100)
PERCENT_QUANTUM = Decimal("0.0001")  # SharingShare.percentage has 4 decimal places


@dataclass(frozen=True)
class ShareInput:
    party: str  # ISO 3166-1 alpha-2
    percentage: Decimal | None = None
    fixed_amount: Decimal | None = None


@dataclass(frozen=True)
class Split:
    amounts: dict[str, Decimal]
    remainder_party: str
    remainder: Decimal  # what rounding added to the remainder party's exact share


def share_problems(shares: list[ShareInput], distributable: Decimal, currency: str, remainder_party: str) -> list[FieldProblem]:
    """Every reason these shares cannot divide `distributable`, each naming the rule."""
    if not shares:
        return [FieldProblem("shares", "at least one party must receive a share", "required")]
    problems = []
    parties = [s.party for s in shares]
    if len(set(parties)) != len(parties):
        problems.append(FieldProblem("shares", "each party may appear only once", "duplicate_party"))
    if remainder_party not in parties:
        problems.append(FieldProblem("remainder_party", "the rounding remainder must go to one of the parties", "not_a_party"))
    by_percentage = [s.percentage is not None for s in shares]
    if any(s.percentage is not None and s.fixed_amount is not None for s in shares) or (any(by_percentage) and not all(by_percentage)):
        return problems + [FieldProblem("shares", "give every share as a percentage, or every share as a fixed amount", "mixed_modes")]
    if all(by_percentage):
        for i, s in enumerate(shares):
            if not 0 < s.percentage <= HUNDRED:
                problems.append(FieldProblem(f"shares[{i}].percentage", "a percentage above 0 and at most 100", "range"))
            elif s.percentage != s.percentage.quantize(PERCENT_QUANTUM):
                problems.append(FieldProblem(f"shares[{i}].percentage", "at most 4 decimal places", "too_many_decimals"))
        total = sum((s.percentage for s in shares), Decimal(0))
        if total != HUNDRED:
            problems.append(FieldProblem("shares", f"the percentages add up to {total}, not exactly 100", "shares_not_100"))
        return problems
    for i, s in enumerate(shares):
        if s.fixed_amount is None or s.fixed_amount < 0:
            problems.append(FieldProblem(f"shares[{i}].fixed_amount", "a fixed amount cannot be negative", "negative_amount"))
        elif s.fixed_amount != money.quantize(s.fixed_amount, currency, ROUND_DOWN):
            problems.append(FieldProblem(f"shares[{i}].fixed_amount", f"more decimal places than {currency} allows", "too_many_decimals"))
    total = sum((s.fixed_amount or Decimal(0) for s in shares), Decimal(0))
    if not problems and total != distributable:
        problems.append(
            FieldProblem("shares", f"the fixed amounts add up to {total} {currency}, not the amount to share {distributable} {currency}", "fixed_not_equal")
        )
    return problems


def split(distributable: Decimal, currency: str, shares: list[ShareInput], remainder_party: str) -> Split:
    """The amount of each party (callers check `share_problems` first)."""
    if shares[0].fixed_amount is not None:
        return Split({s.party: money.quantize(s.fixed_amount, currency) for s in shares}, remainder_party, Decimal(0))
    amounts: dict[str, Decimal] = {}
    for s in shares:
        if s.party != remainder_party:
            amounts[s.party] = money.quantize(distributable * s.percentage / HUNDRED, currency, ROUND_DOWN)
    rest = distributable - sum(amounts.values(), Decimal(0))
    exact_rest = money.quantize(distributable * next(s.percentage for s in shares if s.party == remainder_party) / HUNDRED, currency, ROUND_DOWN)
    amounts[remainder_party] = money.quantize(rest, currency)
    ordered = {s.party: amounts[s.party] for s in shares}
    return Split(ordered, remainder_party, amounts[remainder_party] - exact_rest)


def default_remainder_party(shares: list[ShareInput], holding_state: str) -> str:
    """The holding state when it is a party (the remainder then never needs a transfer), else the largest share."""
    parties = [s.party for s in shares]
    if holding_state in parties:
        return holding_state
    return max(shares, key=lambda s: s.percentage if s.percentage is not None else (s.fixed_amount or Decimal(0))).party


def rule_percentages(executing_up_to: Decimal, executing_above: Decimal, threshold: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    """(executing %, issuing %) of a threshold rule: the whole amount is split by the band it falls in."""
    executing = executing_up_to if amount <= threshold else executing_above
    return executing, HUNDRED - executing
