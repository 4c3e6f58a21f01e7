"""Reads of the reference world used by routing, validation and deadlines.

Reference data is public to every signed-in user, so these helpers take states, not an actor. Each answers in a
fixed, small number of queries (prefetching what callers display), and hands back the `verified` flags with the
facts: an unverified party, membership or language declaration is shown as such, never as certain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from networks.models import Authority, Country, Instrument, InstrumentKind, InstrumentParty, Membership, Network

# Most specific legal basis first: a bilateral treaty prevails over regional and multilateral ones (UNTOC 18(7)).
_SPECIFICITY = Case(
    When(kind=InstrumentKind.BILATERAL, then=Value(0)),
    When(kind=InstrumentKind.REGIONAL, then=Value(1)),
    When(kind=InstrumentKind.EU_ACT, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _code(state: Country | str) -> str:
    return state.code if isinstance(state, Country) else str(state).upper()


def _states(state_a, state_b) -> list[str]:
    return sorted({_code(state_a), _code(state_b)})


def instruments_binding(state_a: Country | str, state_b: Country | str, on: date | None = None) -> list[Instrument]:
    """Instruments in force for both states on `on` (default today), most specific first.

    Each instrument carries `binding_parties`: the two party rows (with `verified`, `dates_verified`, declared
    languages and central authority), so a caller can say when a legal basis rests on an unverified fact.
    """
    day = on or timezone.localdate()
    states = _states(state_a, state_b)
    in_force = (
        InstrumentParty.objects.filter(country_id__in=states, in_force_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .values("instrument_id")
        .annotate(states=Count("country_id", distinct=True))
        .filter(states=len(states))
        .values("instrument_id")
    )
    parties = InstrumentParty.objects.filter(country_id__in=states).select_related("central_authority").order_by("country_id")
    return list(
        Instrument.objects.filter(pk__in=in_force)
        .filter(Q(in_force_on__isnull=True) | Q(in_force_on__lte=day))
        .annotate(specificity=_SPECIFICITY)
        .order_by("specificity", "short_name")
        .prefetch_related(Prefetch("parties", queryset=parties, to_attr="binding_parties"))
    )


def networks_shared(state_a: Country | str, state_b: Country | str, on: date | None = None) -> list[Network]:
    """Networks both states belong to on `on` (default today); each carries `shared_memberships` (both rows)."""
    day = on or timezone.localdate()
    states = _states(state_a, state_b)
    valid = Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    members = (
        Membership.objects.filter(*valid, country_id__in=states)
        .values("network_id")
        .annotate(states=Count("country_id", distinct=True))
        .filter(states=len(states))
        .values("network_id")
    )
    memberships = Membership.objects.filter(*valid, country_id__in=states).select_related("authority").order_by("country_id")
    return list(
        Network.objects.filter(pk__in=members)
        .order_by("acronym")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="shared_memberships"))
    )


@dataclass(frozen=True)
class AcceptedLanguages:
    """Languages a state takes for incoming requests, with where that comes from and whether it was confirmed."""

    codes: tuple[str, ...]
    verified: bool
    source: str

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __contains__(self, code: object) -> bool:
        return code in self.codes


def accepted_languages(state: Country | str, instrument: Instrument | str | None = None) -> AcceptedLanguages:
    """A declaration made under `instrument` wins over the state's general notification (UNTOC 18(14))."""
    code = _code(state)
    if instrument is not None:
        lookup = {"instrument": instrument} if isinstance(instrument, Instrument) else {"instrument__code": instrument}
        party = InstrumentParty.objects.filter(country_id=code, **lookup).only("accepted_languages", "verified", "source").first()
        if party is not None and party.accepted_languages:
            return AcceptedLanguages(tuple(party.accepted_languages), party.verified, party.source)
    country = state if isinstance(state, Country) else Country.objects.only(
        "accepted_languages", "accepted_languages_verified", "accepted_languages_source"
    ).get(code=code)
    return AcceptedLanguages(
        tuple(country.accepted_languages), country.accepted_languages_verified, country.accepted_languages_source
    )


def central_authority_of(country: Country | str, instrument: Instrument | str | None = None) -> Authority | None:
    """The authority that receives requests: the one designated under `instrument` if any, else the state's default."""
    code = _code(country)
    if instrument is not None:
        lookup = {"instrument": instrument} if isinstance(instrument, Instrument) else {"instrument__code": instrument}
        party = (
            InstrumentParty.objects.filter(country_id=code, central_authority__isnull=False, **lookup)
            .select_related("central_authority__country")
            .first()
        )
        if party is not None:
            return party.central_authority
    return Authority.objects.select_related("country").filter(country_id=code, designated_central_authority=True).first()



# --- API reads: reference data is public to every signed-in user, inactive accounts see nothing. -------------


def _signed_in(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def countries_visible_to(actor):
    qs = Country.objects.all()
    return qs if _signed_in(actor) else qs.none()


def authorities_visible_to(actor):
    qs = Authority.objects.select_related("country", "parent")
    return qs if _signed_in(actor) else qs.none()


def networks_visible_to(actor):
    memberships = Membership.objects.select_related("country", "authority").order_by("country_id")
    qs = Network.objects.prefetch_related(Prefetch("memberships", queryset=memberships))
    return qs if _signed_in(actor) else qs.none()


def instruments_visible_to(actor):
    parties = InstrumentParty.objects.select_related("country", "central_authority").order_by("country_id")
    qs = Instrument.objects.select_related("parent").prefetch_related(Prefetch("parties", queryset=parties))
    return qs if _signed_in(actor) else qs.none()
