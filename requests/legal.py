"""Reading the legal facts of `networks` for a pair of states: which instruments bind both, which languages the
requested state accepts, which refusal grounds the law forbids. Facts are data; this module only interprets them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from coopcases.core.exceptions import FieldProblem
from networks.models import Instrument, InstrumentParty, RefusalGround, RefusalRestriction, RestrictionKind


@dataclass(frozen=True)
class Binding:
    """An instrument with the party rows of both states."""

    instrument: Instrument
    requesting: InstrumentParty
    requested: InstrumentParty

    @property
    def in_force_for_both_since(self) -> date:
        return max(self.requesting.in_force_on, self.requested.in_force_on)

    @property
    def verified(self) -> bool:
        return self.instrument.verified and self.requesting.verified and self.requested.verified


def party_rows(country_codes: Iterable[str], instrument_ids: Iterable[int] | None = None) -> list[InstrumentParty]:
    qs = InstrumentParty.objects.filter(country_id__in=list(country_codes)).select_related("instrument", "central_authority", "country")
    if instrument_ids is not None:
        qs = qs.filter(instrument_id__in=list(instrument_ids))
    return list(qs)


def bindings(requesting_state: str, requested_state: str, on: date, instrument_ids: Iterable[int] | None = None) -> list[Binding]:
    """Instruments in force for both states on `on` (one query), most specific first (bilateral → regional → UN)."""
    rows = party_rows([requesting_state, requested_state], instrument_ids)
    by_instrument: dict[int, dict[str, InstrumentParty]] = {}
    for row in rows:
        by_instrument.setdefault(row.instrument_id, {})[row.country_id] = row
    result = []
    for parties in by_instrument.values():
        a, b = parties.get(requesting_state), parties.get(requested_state)
        if a and b and a.in_force_at(on) and b.in_force_at(on):
            result.append(Binding(a.instrument, a, b))
    order = {"bilateral": 0, "eu_act": 1, "regional": 2, "multilateral": 3}
    return sorted(result, key=lambda x: (order.get(x.instrument.kind, 9), x.instrument.short_name))


def not_binding_reason(instrument: Instrument, parties: dict[str, InstrumentParty], state_names: dict[str, str], on: date) -> str:
    """Why `instrument` does not bind the pair on `on`, naming the state and its status."""
    for code, name in state_names.items():
        row = parties.get(code)
        if row is None:
            return _("%(state)s is not a party to %(instrument)s") % {"state": name, "instrument": instrument.short_name}
        if not row.in_force_at(on):
            if row.withdrawn_on and row.withdrawn_on <= on:
                status = _("withdrew on %(day)s") % {"day": row.withdrawn_on.isoformat()}
            elif row.in_force_on:
                status = _("in force for it only from %(day)s") % {"day": row.in_force_on.isoformat()}
            else:
                status = _("signed only, not in force")
            return _("%(state)s: %(instrument)s %(status)s (on %(day)s)") % {
                "state": name, "instrument": instrument.short_name, "status": status, "day": on.isoformat()
            }
    return ""


def accepted_languages(party: InstrumentParty | None, country) -> list[str]:
    """Languages the requested state accepts under an instrument: its declaration, else its general notification."""
    if party is not None and party.accepted_languages:
        return list(party.accepted_languages)
    return list(country.accepted_languages or [])


def norm_code(code: str) -> str:
    """Codes compare regardless of case and of '-' versus '_' (SERVICE_OF_DOCUMENTS == service-of-documents)."""
    return code.strip().upper().replace("-", "_")


# -- refusal grounds the law forbids -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefusalFacts:
    """What a restriction needs to know about the request being refused."""

    legal_basis_ids: frozenset[int]
    instruments_binding_both_ids: frozenset[int]
    refused_measures_coercive: Sequence[bool]
    offences_list_flags: Sequence[bool]
    ground_count: int


def restriction_bars(restriction: RefusalRestriction, facts: RefusalFacts) -> bool:
    """True when `restriction` forbids its ground in this situation (semantics of RestrictionKind)."""
    kind, instrument_id = restriction.kind, restriction.instrument_id
    if kind == RestrictionKind.NEVER:
        return True
    if kind == RestrictionKind.NOT_SOLELY:
        return instrument_id in facts.legal_basis_ids and facts.ground_count == 1
    if kind == RestrictionKind.NOT_BETWEEN_PARTIES:
        return instrument_id in facts.instruments_binding_both_ids
    if kind == RestrictionKind.NOT_FOR_NON_COERCIVE:
        # One non-coercive measure among those refused is enough: refusing it for this ground is what the law
        # forbids (UNCAC 46(9)(b), Nassau art. 5), even when coercive measures are refused with it.
        return instrument_id in facts.legal_basis_ids and not all(facts.refused_measures_coercive)
    if kind == RestrictionKind.NOT_FOR_LIST_OFFENCES:
        flags = facts.offences_list_flags
        return instrument_id in facts.legal_basis_ids and bool(flags) and all(flags)
    return False


def forbidden_ground_problems(grounds: Sequence[RefusalGround], facts: RefusalFacts, field: str = "grounds") -> list[FieldProblem]:
    """One problem per ground the law forbids here, with the restriction's explanation and source."""
    problems = []
    for ground in grounds:
        if ground.postponement:
            problems.append(FieldProblem(field, _("'%(ground)s' is a reason for postponement, not a ground for refusal") % {"ground": ground.name}, "not_a_refusal_ground"))
            continue
        for restriction in ground.restrictions.all():
            if restriction_bars(restriction, facts):
                problems.append(
                    FieldProblem(
                        field,
                        _("'%(ground)s' may not be invoked here: %(why)s (%(source)s)")
                        % {"ground": ground.name, "why": restriction.explanation, "source": restriction.source},
                        "forbidden_ground",
                    )
                )
    return problems
