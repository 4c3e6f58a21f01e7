"""Routing advice: for a pair of states (and optionally offences, measures, kind and urgency), the instruments that
bind both, the channels open to them, the languages the requested state accepts, the deadline that would apply
and warnings — each with a short explanation. The filing form, the API's `routing-advice` resource and the
services' own validation all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coopcases.core.exceptions import FieldProblem, ValidationFailed
from networks.models import (
    ContactPoint,
    Country,
    DeadlineRule,
    DeadlineUnit,
    Measure,
    Membership,
    Network,
    Offence,
    RefusalGround,
    RestrictionKind,
)
from requests import clocks, legal
from requests.models import FORMAL_KINDS, Channel, MlaRequestKind

ELECTRONIC_TRANSMISSION = "electronic_transmission"  # `Instrument.covers` entry of the Medellín Treaty (Iber@)


@dataclass(frozen=True)
class InstrumentAdvice:
    code: str
    name: str
    kind: str
    in_force_for_requesting_state: date
    in_force_for_requested_state: date
    in_force_for_both_since: date
    verified: bool
    accepted_languages: list[str]
    requested_central_authority: str | None
    explanation: str


@dataclass(frozen=True)
class ContactPointAdvice:
    country: str
    name: str
    role: str
    authority: str | None
    email: str
    phone: str


@dataclass(frozen=True)
class ChannelAdvice:
    channel: str
    label: str
    explanation: str
    carries_formal_requests: bool
    urgent_only: bool = False
    network: str | None = None
    network_name: str | None = None
    contact_points: list[ContactPointAdvice] = field(default_factory=list)


@dataclass(frozen=True)
class DeadlineAdvice:
    label: str
    is_legal_limit: bool
    explanation: str
    period: int | None = None
    unit: str | None = None
    rule: str | None = None
    applies_to: str | None = None
    verified: bool = True
    conditional: bool = False  # a legal limit that applies only in circumstances the request does not record


@dataclass(frozen=True)
class RoutingAdvice:
    requesting_state: str
    requested_state: str
    on: date
    instruments: list[InstrumentAdvice]
    channels: list[ChannelAdvice]
    languages: list[str]
    language_explanation: str
    deadlines: list[DeadlineAdvice]
    warnings: list[str]


def _valid(qs_prefix: str, on: date) -> Q:
    return (Q(**{f"{qs_prefix}valid_from__isnull": True}) | Q(**{f"{qs_prefix}valid_from__lte": on})) & (
        Q(**{f"{qs_prefix}valid_to__isnull": True}) | Q(**{f"{qs_prefix}valid_to__gte": on})
    )


def _contact_points(memberships: Iterable[Membership]) -> list[ContactPointAdvice]:
    return [
        ContactPointAdvice(
            country=m.country_id,
            name=cp.name,
            role=cp.role,
            authority=m.authority.name if m.authority_id else None,
            email=cp.email,
            phone=cp.phone,
        )
        for m in memberships
        for cp in m.valid_contact_points
    ]


def shared_networks(requesting_state: str, requested_state: str, on: date) -> list[tuple[Network, list[Membership]]]:
    """Networks in which both states hold a membership valid on `on`, with those memberships (two queries)."""
    memberships = (
        Membership.objects.filter(_valid("", on), country_id__in=[requesting_state, requested_state])
        .select_related("network", "authority")
        .prefetch_related(Prefetch("contact_points", queryset=ContactPoint.objects.filter(_valid("", on)), to_attr="valid_contact_points"))
        .order_by("network__acronym", "country_id")
    )
    by_network: dict[int, list[Membership]] = {}
    for m in memberships:
        by_network.setdefault(m.network_id, []).append(m)
    return [(ms[0].network, ms) for ms in by_network.values() if {m.country_id for m in ms} == {requesting_state, requested_state}]


def open_channels(
    requesting_state: str, requested_state: str, on: date, *, kind: str | None = None, bindings: Sequence[legal.Binding] | None = None
) -> list[ChannelAdvice]:
    """The channels a request of `kind` may take between the two states on `on`."""
    bindings = legal.bindings(requesting_state, requested_state, on) if bindings is None else bindings
    networks = shared_networks(requesting_state, requested_state, on)
    channels: list[ChannelAdvice] = []
    if kind != MlaRequestKind.INFORMAL_ENQUIRY:
        channels.append(
            ChannelAdvice(
                Channel.CENTRAL_AUTHORITY, str(Channel.CENTRAL_AUTHORITY.label),
                _("The default: central authority to central authority (UNTOC 18(13), UNCAC 46(13), Vienna 7(8), Nassau art. 3)."), True,
            )
        )
        channels.append(
            ChannelAdvice(
                Channel.DIPLOMATIC, str(Channel.DIPLOMATIC.label),
                _("Always available; some states require it by declaration (UNTOC 18(13))."), True,
            )
        )
        electronic = [b for b in bindings if ELECTRONIC_TRANSMISSION in (b.instrument.covers or [])]
        if electronic:
            formal_networks = [(n, ms) for n, ms in networks if n.carries_formal_requests]
            network, ms = formal_networks[0] if formal_networks else (None, [])
            channels.append(
                ChannelAdvice(
                    Channel.IBER_A, str(Channel.IBER_A.label),
                    _("Both states are bound by %(instrument)s since %(day)s: formal requests may travel electronically between central authorities.")
                    % {"instrument": electronic[0].instrument.short_name, "day": electronic[0].in_force_for_both_since.isoformat()},
                    True, network=network.code if network else None, network_name=network.acronym if network else None,
                    contact_points=_contact_points(ms),
                )
            )
        if kind is None or kind in FORMAL_KINDS:
            channels.append(
                ChannelAdvice(
                    Channel.INTERPOL, str(Channel.INTERPOL.label),
                    _("Only in urgent cases and where both states agree (UNTOC 18(13), UNCAC 46(13), Vienna 7(8)); check both states' declarations."),
                    True, urgent_only=True,
                )
            )
    # Networks carry informal enquiries and spontaneous information; a formal request travels through one only
    # as Iber@ above (domain.md fact 7).
    if kind in FORMAL_KINDS:
        return channels
    for network, ms in networks:
        kinds = [clocks.slug(k) for k in network.request_kinds or []]
        if kind is not None and kinds and kind not in kinds:
            continue
        channels.append(
            ChannelAdvice(
                Channel.NETWORK, f"{network.acronym} — {network.name}",
                _("Both states are members of %(network)s: for informal enquiries and spontaneous information before or beside a formal request (intelligence, not evidence).")
                % {"network": network.acronym},
                False, network=network.code, network_name=network.acronym, contact_points=_contact_points(ms),
            )
        )
    return channels


def _instrument_advice(binding: legal.Binding, requested: Country) -> InstrumentAdvice:
    inst = binding.instrument
    explanation = _("In force for both states since %(day)s.") % {"day": binding.in_force_for_both_since.isoformat()}
    if not binding.verified:
        explanation += " " + _("Party data not yet verified: check before relying on it.")
    ca = binding.requested.central_authority
    return InstrumentAdvice(
        code=inst.code,
        name=inst.short_name,
        kind=inst.kind,
        in_force_for_requesting_state=binding.requesting.in_force_on,
        in_force_for_requested_state=binding.requested.in_force_on,
        in_force_for_both_since=binding.in_force_for_both_since,
        verified=binding.verified,
        accepted_languages=legal.accepted_languages(binding.requested, requested),
        requested_central_authority=ca.name if ca else None,
        explanation=explanation,
    )


def _deadline_advice(bindings: Sequence[legal.Binding], networks: Sequence[Network], kind: str | None, urgent: bool) -> list[DeadlineAdvice]:
    instrument_ids = [b.instrument.pk for b in bindings]
    advice = []
    for use in clocks.legal_rule_uses(kind=kind, urgent=urgent, instrument_ids=[b.instrument.pk for b in bindings if b.instrument.sets_legal_deadlines]):
        rule = use.rule
        explanation = _("Legal time limit of %(instrument)s (%(source)s): %(period)s %(unit)s from %(trigger)s.") % {
            "instrument": rule.instrument.short_name, "source": rule.source, "period": rule.period, "unit": rule.get_unit_display(), "trigger": rule.trigger
        }
        if use.conditional:
            explanation = _("Where it applies: %(explanation)s") % {"explanation": explanation}
        advice.append(
            DeadlineAdvice(
                label=rule.description, is_legal_limit=True, explanation=explanation, period=rule.period, unit=rule.unit, rule=rule.code,
                applies_to=rule.applies_to or None, verified=rule.verified, conditional=use.conditional,
            )
        )
    if not any(not a.conditional for a in advice):
        requested = DeadlineRule.objects.filter(instrument_id__in=instrument_ids, unit=DeadlineUnit.REQUESTED_DATE).select_related("instrument").order_by("code")
        notes = [f"{r.instrument.short_name}: {r.description} ({r.source})" for r in requested if clocks.fits(r, kind)]
        advice.insert(
            0,
            DeadlineAdvice(
                label=_("No legal time limit: requested date + service level"),
                is_legal_limit=False,
                explanation=" ".join(
                    [_("The instruments binding both states set no numeric limit: the requested state executes as soon as possible and "
                       "takes as full account as possible of the date you suggest, with its reasons (UNTOC 18(24), UNCAC 46(24)).")] + notes
                ),
            ),
        )
    for rule in clocks.service_level_rules(kind=kind, instrument_ids=instrument_ids, network_ids=[n.pk for n in networks]):
        advice.append(
            DeadlineAdvice(
                label=rule.description, is_legal_limit=False,
                explanation=_("Service level (not a legal limit): %(period)s working days of the requested state.") % {"period": rule.period},
                period=rule.period, unit=rule.unit, rule=rule.code, applies_to=rule.applies_to or None, verified=rule.verified,
            )
        )
    return advice


def _warnings(
    bindings: Sequence[legal.Binding], names: dict[str, str], measures: Sequence[Measure], offences: Sequence[Offence]
) -> list[str]:
    """Refusals the facts make possible, read from the refusal restrictions (data), and unverified facts."""
    warnings = []
    if not bindings:
        warnings.append(_("No instrument in force binds both states: assistance only on reciprocity, usually through the diplomatic channel."))
    binding_ids = {b.instrument.pk for b in bindings}
    coercive = [m for m in measures if m.coercive]
    fiscal = [o for o in offences if o.fiscal]
    grounds = RefusalGround.objects.filter(restrictions__isnull=False).distinct().prefetch_related("restrictions__instrument", "instruments")
    for ground in grounds:
        listed_in = {i.pk for i in ground.instruments.all()}
        if listed_in and not listed_in & binding_ids:
            continue  # no instrument binding this pair knows the ground
        restrictions = list(ground.restrictions.all())
        lenient = [r for r in restrictions if r.kind == RestrictionKind.NOT_FOR_NON_COERCIVE and r.instrument_id in binding_ids]
        if coercive and lenient:
            warnings.append(
                _("'%(ground)s' may be invoked against the coercive measures (%(measures)s): %(rules)s.")
                % {"ground": ground.name, "measures": ", ".join(m.name for m in coercive),
                   "rules": "; ".join(f"{r.instrument.short_name}: {r.explanation} ({r.source})" for r in lenient)}
            )
        for r in restrictions:
            if r.kind == RestrictionKind.NOT_BETWEEN_PARTIES and fiscal and r.instrument_id not in binding_ids:
                warnings.append(
                    _("'%(ground)s' may be invoked for %(offences)s: %(a)s and %(b)s are not both parties to %(instrument)s (%(source)s).")
                    % {"ground": ground.name, "offences": ", ".join(o.name for o in fiscal), "a": names["a"], "b": names["b"],
                       "instrument": r.instrument.short_name, "source": r.source}
                )
    warnings += [
        _("%(instrument)s: party data not yet verified.") % {"instrument": b.instrument.short_name} for b in bindings if not b.verified
    ]
    return warnings


def routing_advice(
    *,
    requesting_state,
    requested_state,
    offences: Iterable = (),
    measures: Iterable = (),
    on: date | None = None,
    kind: str | None = None,
    urgent: bool = False,
) -> RoutingAdvice:
    """Advice for a request from `requesting_state` to `requested_state` (Country rows or ISO codes).

    `offences` and `measures` are rows or codes; `kind` narrows channels and deadlines to one request kind.
    """
    on = on or timezone.localdate()
    codes = {"requesting_state": _code(requesting_state), "requested_state": _code(requested_state)}
    countries = {c.code: c for c in Country.objects.filter(code__in=codes.values())}
    problems = [FieldProblem(name, _("unknown country '%(code)s'") % {"code": code}, "unknown") for name, code in codes.items() if code not in countries]
    if codes["requesting_state"] == codes["requested_state"]:
        problems.append(FieldProblem("requested_state", _("the requested state must differ from the requesting state"), "same_state"))
    if problems:
        raise ValidationFailed(_("Routing advice needs two different known states."), problems)
    a, b = countries[codes["requesting_state"]], countries[codes["requested_state"]]
    measure_rows = _rows(Measure, measures)
    offence_rows = _rows(Offence, offences)
    binds = legal.bindings(a.code, b.code, on)
    networks = shared_networks(a.code, b.code, on)
    channels = open_channels(a.code, b.code, on, kind=kind, bindings=binds)
    instruments = [_instrument_advice(x, b) for x in binds]
    languages = list(b.accepted_languages or [])
    declared = [i for i in instruments if i.accepted_languages and set(i.accepted_languages) != set(languages)]
    language_explanation = _("%(state)s accepts requests in: %(languages)s.") % {"state": b.name, "languages": ", ".join(languages) or _("(not recorded)")}
    for i in declared:
        language_explanation += " " + _("Under %(instrument)s: %(languages)s.") % {"instrument": i.name, "languages": ", ".join(i.accepted_languages)}
    return RoutingAdvice(
        requesting_state=a.code,
        requested_state=b.code,
        on=on,
        instruments=instruments,
        channels=channels,
        languages=languages,
        language_explanation=language_explanation,
        deadlines=_deadline_advice(binds, [n for n, _ms in networks], kind, urgent),
        warnings=_warnings(binds, {"a": a.name, "b": b.name}, measure_rows, offence_rows),
    )


def _code(value) -> str:
    return value if isinstance(value, str) else value.pk


def _rows(model, values: Iterable) -> list:
    values = list(values)
    codes = [v for v in values if isinstance(v, str)]
    rows = [v for v in values if not isinstance(v, str)]
    return rows + list(model.objects.filter(code__in=codes)) if codes else rows


def channel_problems(req, on: date | None = None) -> list[FieldProblem]:
    """Why the request's channel (and network) is not open to it, or [] when it is."""
    on = on or timezone.localdate()
    channels = open_channels(req.requesting_state_id, req.requested_state_id, on, kind=req.kind)
    network_code = req.channel_network.code if req.channel_network_id else None
    matching = [c for c in channels if c.channel == req.channel and (req.channel != Channel.NETWORK or c.network == network_code)]
    if not matching:
        offered = "; ".join(c.label for c in channels) or _("none")
        label = req.channel_network.acronym if req.channel == Channel.NETWORK and req.channel_network_id else Channel(req.channel).label
        return [
            FieldProblem(
                "channel_network" if req.channel == Channel.NETWORK else "channel",
                _("%(channel)s is not open for this request between %(a)s and %(b)s; open: %(offered)s")
                % {"channel": label, "a": req.requesting_state_id, "b": req.requested_state_id, "offered": offered},
                "channel_not_open",
            )
        ]
    if matching[0].urgent_only and not req.urgent:
        return [FieldProblem("channel", _("INTERPOL carries only urgent requests: flag the request urgent with its reasons, or choose another channel"), "urgent_only")]
    return []
