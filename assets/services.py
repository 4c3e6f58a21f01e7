"""Every write of the asset-recovery app. Keyword-only, taking the actor, one transaction each.

Refusals are DomainErrors naming each field and rule; nothing is saved when one is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from coopcases.audit.services import audit_record
from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    FieldProblem,
    NotVisible,
    TransitionNotAllowed,
    ValidationFailed,
)
from coopcases.deadlines.models import DeadlineKind, DeadlineState
from coopcases.deadlines.services import deadline_open, deadlines_close
from coopcases.events.services import event_emit
from networks.models import Country, NetworkKind

from . import money, sharing
from .identifiers import validate_identifiers
from .models import (
    JUDICIAL_KINDS,
    REALISING_METHODS,
    AgreementBasis,
    AgreementKind,
    AgreementState,
    Asset,
    AssetKind,
    AssetOrder,
    AssetState,
    ConfiscationPrerequisite,
    DisposalMethod,
    ExchangeRate,
    HolderType,
    OrderKind,
    ProceedingType,
    SharingAgreement,
    SharingDeduction,
    SharingRule,
    SharingShare,
    Transfer,
)
from .rates import MissingRate, RateTable
from .selectors import agreement_balances, assets_visible_to, may_act_on, may_act_on_case
from .workflow import POST_CONFISCATION, agreement_workflow, asset_workflow, prerequisite_problem

# --- helpers -------------------------------------------------------------------------------------------------


def _plain(value):
    """JSON-safe copy of a field value for audit rows and events (Decimals and dates as text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _snapshot(obj, fields: Iterable[str]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


class _Problems(list):
    """Collects the problems of several checks so that one refusal names them all."""

    def check(self, func: Callable, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationFailed as failed:
            self.extend(failed.problems or [FieldProblem("", failed.detail, failed.code)])
            return None

    def add(self, name: str, reason: str, code: str = "invalid"):
        self.append(FieldProblem(name, reason, code))

    def raise_if_any(self, detail: str):
        if self:
            raise ValidationFailed(detail, list(self))


def _not_in_future(problems: _Problems, name: str, day: date | None):
    if day is not None and day > timezone.localdate():
        problems.add(name, "cannot be in the future", "future_date")


def _visible_asset(actor, asset: Asset, *, lock: bool = False) -> Asset:
    qs = assets_visible_to(actor).filter(pk=asset.pk)
    found = (qs.select_for_update(of=("self",)) if lock else qs).first()
    if found is None:
        raise NotVisible()
    return found


def _check_version(obj, expected_version: int | None):
    if expected_version is not None and obj.version != expected_version:
        raise ConcurrentChange(
            f"This record was changed by someone else (version {obj.version}, you had {expected_version}). Reload it and try again."
        )


def _country(value, name: str, problems: _Problems) -> Country | None:
    if isinstance(value, Country):
        return value
    country = Country.objects.filter(code=str(value).upper()).first() if isinstance(value, str) else None
    if country is None:
        problems.add(name, f"'{value}' is not a known country code", "unknown_country")
    return country


# --- assets --------------------------------------------------------------------------------------------------

ASSET_EDITABLE = (
    "description",
    "identifiers",
    "location_state",
    "holder_name",
    "holder_type",
    "estimated_amount",
    "estimated_currency",
    "valuation_date",
    "responsible_authority",
)
_ASSET_AUDITED = ("kind", "reference", "state", *ASSET_EDITABLE)


def asset_clean(*, case, kind: str, data: dict, exclude_pk=None) -> dict:
    """The normalised fields of an asset, or ValidationFailed naming every problem (used by admin forms too)."""
    problems = _Problems()
    if kind not in AssetKind.values:
        problems.add("kind", f"one of {', '.join(AssetKind.values)}", "invalid_choice")
        problems.raise_if_any("The asset cannot be saved.")
    clean = dict(data)
    if not str(data.get("description") or "").strip():
        problems.add("description", "describe the asset", "required")
    clean["description"] = str(data.get("description") or "").strip()
    if data.get("location_state") is None:
        problems.add("location_state", "the state where the asset is located is required", "required")
    if data.get("responsible_authority") is None:
        problems.add("responsible_authority", "the authority that follows this asset file is required", "required")
    if data.get("holder_type", HolderType.UNKNOWN) not in HolderType.values:
        problems.add("holder_type", f"one of {', '.join(HolderType.values)}", "invalid_choice")
    result = problems.check(validate_identifiers, kind, data.get("identifiers") or {})
    if result:
        clean["identifiers"], clean["reference"] = result
        duplicate = Asset.objects.filter(case=case, kind=kind, reference=clean["reference"]).exclude(pk=exclude_pk).first()
        if clean["reference"] and duplicate:
            problems.add("identifiers", f"this case already has this {AssetKind(kind).label.lower()} (asset {duplicate.pk})", "duplicate_asset")
    amount, currency, valued_on = data.get("estimated_amount"), data.get("estimated_currency"), data.get("valuation_date")
    if amount in (None, "") and not currency and valued_on is None:
        clean.update(estimated_amount=None, estimated_currency="", valuation_date=None)
    elif amount in (None, "") or not currency or valued_on is None:
        problems.add("estimated_amount", "an estimated value needs its amount, currency and valuation date together", "incomplete_money")
    else:
        parsed = problems.check(money.parse_money, amount, currency, field="estimated_amount", currency_field="estimated_currency")
        if parsed:
            clean["estimated_amount"], clean["estimated_currency"] = parsed
        _not_in_future(problems, "valuation_date", valued_on)
    problems.raise_if_any("The asset cannot be saved.")
    return clean


@transaction.atomic(durable=True)
def asset_create(
    *,
    actor,
    case,
    kind: str,
    description: str,
    location_state,
    identifiers: dict | None = None,
    holder_name: str = "",
    holder_type: str = HolderType.UNKNOWN,
    estimated_amount=None,
    estimated_currency: str = "",
    valuation_date: date | None = None,
    responsible_authority=None,
) -> Asset:
    """Record an identified asset of `case`. The responsible authority defaults to the actor's."""
    if not may_act_on_case(case, actor):
        raise ActionForbidden("Only an authority of the case may add assets to it.")
    clean = asset_clean(
        case=case,
        kind=kind,
        data={
            "description": description,
            "location_state": location_state,
            "identifiers": identifiers or {},
            "holder_name": holder_name.strip(),
            "holder_type": holder_type,
            "estimated_amount": estimated_amount,
            "estimated_currency": estimated_currency,
            "valuation_date": valuation_date,
            "responsible_authority": responsible_authority or actor.authority,
        },
    )
    asset = Asset.objects.create(case=case, kind=kind, created_by=actor, **clean)
    audit_record(actor=actor, action="create", obj=asset, after=_snapshot(asset, _ASSET_AUDITED))
    event_emit(obj=asset, event_type="asset.create", actor=actor, to_state=asset.state, data={"kind": kind})
    return asset


@transaction.atomic(durable=True)
def asset_update(*, actor, asset: Asset, expected_version: int | None = None, **changes) -> Asset:
    """Change the description, identifiers, location, holder, estimate or responsible authority (kind is fixed)."""
    unknown = sorted(set(changes) - set(ASSET_EDITABLE))
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed.", [FieldProblem(name, "not editable", "not_editable") for name in unknown]
        )
    asset = _visible_asset(actor, asset, lock=True)
    if not may_act_on(asset, actor):
        raise ActionForbidden("Only an authority of the case may change this asset file.")
    _check_version(asset, expected_version)
    if asset_workflow.is_terminal(asset):
        raise TransitionNotAllowed("A closed asset file is read-only.", code="read_only")
    before = _snapshot(asset, _ASSET_AUDITED)
    data = {name: getattr(asset, name) for name in ASSET_EDITABLE} | changes
    clean = asset_clean(case=asset.case, kind=asset.kind, data=data, exclude_pk=asset.pk)
    for name, value in clean.items():
        setattr(asset, name, value)
    asset.version += 1
    asset.save()
    after = _snapshot(asset, _ASSET_AUDITED)
    changed = sorted(k for k in after if after[k] != before[k])
    audit_record(actor=actor, action="update", obj=asset, before=before, after=after)
    event_emit(obj=asset, event_type="asset.update", actor=actor, data={"changed": changed})
    return asset


@transaction.atomic(durable=True)
def asset_transition(*, actor, asset: Asset, action: str, reason: str = "", expected_version: int | None = None) -> Asset:
    """Perform a lifecycle transition (see assets/workflow.py); `asset_workflow.available` lists the possible ones."""
    _visible_asset(actor, asset)
    return asset_workflow.perform(
        pk=asset.pk, action=action, actor=actor, reason=reason, params={"reason": reason} if reason else {},
        expected_version=expected_version,
    )


# --- orders and measures -------------------------------------------------------------------------------------

ORDER_FIELDS = (
    "reference", "mla_request", "issuing_authority", "executing_state", "executing_authority", "legal_basis",
    "legal_basis_note", "issued_on", "effective_on", "renewal_due_on", "network", "contact_point", "answered_on",
    "answer", "proceeding_type", "final", "custodian", "custodian_authority", "costs_amount", "costs_currency",
    "interim_sale", "disposal_method", "realised_amount", "realised_currency", "notes",
)  # fmt: skip
_COMMON = {"reference", "mla_request", "issued_on", "effective_on", "notes", "legal_basis", "legal_basis_note"}
_JUDICIAL = _COMMON | {"issuing_authority", "executing_state", "executing_authority"}
ORDER_KIND_FIELDS = {
    OrderKind.TRACING_ENQUIRY: _COMMON | {"network", "contact_point", "answered_on", "answer"},
    OrderKind.FREEZING: _JUDICIAL | {"renewal_due_on"},
    OrderKind.SEIZURE: _JUDICIAL | {"renewal_due_on"},
    OrderKind.CONFISCATION: _JUDICIAL | {"proceeding_type", "final"},
    OrderKind.MANAGEMENT: _JUDICIAL
    | {"custodian", "custodian_authority", "costs_amount", "costs_currency", "interim_sale", "realised_amount", "realised_currency"},
    OrderKind.DISPOSAL: _JUDICIAL | {"disposal_method", "realised_amount", "realised_currency", "costs_amount", "costs_currency"},
}
# In which asset states each kind of order may be recorded.
ORDER_KIND_STATES = {
    OrderKind.TRACING_ENQUIRY: (AssetState.IDENTIFIED, AssetState.TRACED, AssetState.FROZEN, AssetState.SEIZED),
    OrderKind.FREEZING: (AssetState.IDENTIFIED, AssetState.TRACED, AssetState.FROZEN, AssetState.SEIZED),
    OrderKind.SEIZURE: (AssetState.IDENTIFIED, AssetState.TRACED, AssetState.FROZEN, AssetState.SEIZED),
    OrderKind.CONFISCATION: (AssetState.IDENTIFIED, AssetState.TRACED, AssetState.FROZEN, AssetState.SEIZED),
    # Value is preserved while frozen too (custody, interlocutory sale: domain.md §4.1).
    OrderKind.MANAGEMENT: (AssetState.FROZEN, AssetState.SEIZED, AssetState.CONFISCATED, AssetState.UNDER_MANAGEMENT),
    OrderKind.DISPOSAL: (AssetState.CONFISCATED, AssetState.UNDER_MANAGEMENT),
}
_DEFAULTS = {"final": False, "interim_sale": False}
_TEXT = {"reference", "legal_basis_note", "answer", "proceeding_type", "custodian", "costs_currency", "disposal_method", "realised_currency", "notes"}


def _empty(name: str, value) -> bool:
    return value in (None, "") or (name in _DEFAULTS and value == _DEFAULTS[name])


def order_clean(*, asset: Asset, kind: str, data: dict) -> dict:
    """Check an order's fields for its kind; returns the full, normalised field set or refuses naming each rule."""
    problems = _Problems()
    if kind not in OrderKind.values:
        problems.add("kind", f"one of {', '.join(OrderKind.values)}", "invalid_choice")
        problems.raise_if_any("The order cannot be recorded.")
    allowed = ORDER_KIND_FIELDS[kind]
    for name, value in data.items():
        if name not in ORDER_FIELDS:
            problems.add(name, "not a field of an order", "unknown_field")
        elif name not in allowed and not _empty(name, value):
            problems.add(name, f"not used for a {OrderKind(kind).label.lower()}", "not_applicable")
    clean = {name: data.get(name, "" if name in _TEXT else _DEFAULTS.get(name)) for name in ORDER_FIELDS}
    for name in _TEXT:
        clean[name] = (clean[name] or "").strip()
    for name in ("issued_on", "effective_on", "answered_on"):
        _not_in_future(problems, name, clean[name])
    if clean["issued_on"] and clean["effective_on"] and clean["effective_on"] < clean["issued_on"]:
        problems.add("effective_on", "cannot be before the order was issued", "before_issue")
    if clean["mla_request"] is not None and clean["mla_request"].case_id not in (None, asset.case_id):
        problems.add("mla_request", "this MLA request belongs to another case", "other_case")

    if kind == OrderKind.TRACING_ENQUIRY:
        network = clean["network"]
        if network is None:
            problems.add("network", "name the asset-recovery network asked (CARIN, RRAG, an ARIN)", "required")
        elif network.kind != NetworkKind.ASSET_RECOVERY:
            problems.add("network", f"{network.acronym} is not an asset-recovery network", "not_asset_recovery_network")
        point = clean["contact_point"]
        if point is not None and network is not None and point.membership.network_id != network.pk:
            problems.add("contact_point", f"not a contact point of {network.acronym}", "other_network")
        if clean["answered_on"] and clean["issued_on"] and clean["answered_on"] < clean["issued_on"]:
            problems.add("answered_on", "cannot be before the enquiry was sent", "before_issue")

    if kind in JUDICIAL_KINDS:
        clean["executing_state"] = clean["executing_state"] or asset.location_state
        for name, why in (("issuing_authority", "the court or competent authority that issued it"), ("issued_on", "the date it was issued")):
            if clean[name] is None:
                problems.add(name, f"required: {why}", "required")
    executing_authority = clean["executing_authority"]
    if executing_authority is not None and clean["executing_state"] is not None and executing_authority.country_id != clean["executing_state"].pk:
        problems.add("executing_authority", "is not an authority of the executing state", "other_state")
    if clean["renewal_due_on"] and clean["issued_on"] and clean["renewal_due_on"] < clean["issued_on"]:
        problems.add("renewal_due_on", "cannot be before the order was issued", "before_issue")

    if kind == OrderKind.CONFISCATION:
        if clean["proceeding_type"] not in ProceedingType.values:
            problems.add("proceeding_type", f"one of {', '.join(ProceedingType.values)} (foreign recognition depends on it)", "required")
        else:
            why = prerequisite_problem(asset, getattr(clean["legal_basis"], "pk", None), clean["proceeding_type"])
            if why:
                problems.add("legal_basis", why, "prior_freeze_required")

    if kind == OrderKind.MANAGEMENT and not clean["custodian"] and clean["custodian_authority"] is None:
        problems.add("custodian", "name the custodian (a person or an asset management office)", "required")

    if kind == OrderKind.DISPOSAL:
        method = clean["disposal_method"]
        if method not in DisposalMethod.values:
            problems.add("disposal_method", f"one of {', '.join(DisposalMethod.values)}", "required")
        elif method in REALISING_METHODS and clean["realised_amount"] in (None, ""):
            problems.add("realised_amount", "a sale or collection must state the amount realised", "required")
        elif method not in REALISING_METHODS and clean["realised_amount"] not in (None, ""):
            problems.add("realised_amount", "a destruction or social re-use realises no money", "not_applicable")
        if clean["effective_on"] is None:
            problems.add("effective_on", "the date of the disposal is required", "required")

    for prefix in ("costs", "realised"):
        amount, currency = clean[f"{prefix}_amount"], clean[f"{prefix}_currency"]
        if amount in (None, "") and not currency:
            clean[f"{prefix}_amount"], clean[f"{prefix}_currency"] = None, ""
        elif amount in (None, "") or not currency:
            problems.add(f"{prefix}_amount", "an amount needs its currency", "incomplete_money")
        else:
            parsed = problems.check(
                money.parse_money, amount, currency, field=f"{prefix}_amount", currency_field=f"{prefix}_currency",
                allow_zero=prefix == "costs",
            )
            if parsed:
                clean[f"{prefix}_amount"], clean[f"{prefix}_currency"] = parsed
    problems.raise_if_any("The order cannot be recorded.")
    return clean


def _end_of_day(day: date, country) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(country.time_zone or "UTC"))


def _open_renewal(order: AssetOrder):
    authority = order.issuing_authority
    trigger = datetime.combine(order.issued_on, time(0, 0), tzinfo=ZoneInfo(authority.country.time_zone or "UTC"))
    deadline_open(
        subject=order,
        kind=DeadlineKind.FREEZE_RENEWAL,
        label=f"Renew or confirm the {order.get_kind_display().lower()} {order.reference}".strip(),
        trigger_at=trigger,
        due_at=_end_of_day(order.renewal_due_on, authority.country),
        responsible_authority=authority,
        calendar_country=authority.country,
    )


@transaction.atomic(durable=True)
def order_add(*, actor, asset: Asset, kind: str, **fields) -> AssetOrder:
    """Record an enquiry, order or measure on an asset (fields: `ORDER_KIND_FIELDS[kind]`).

    A freezing or seizure order with `renewal_due_on` opens a freeze_renewal deadline for its issuing authority.
    Recording an order does not move the asset: the matching transition (freeze, confiscate…) does, and its
    guard looks for this order.
    """
    asset = _visible_asset(actor, asset, lock=True)
    if not may_act_on(asset, actor):
        raise ActionForbidden("Only an authority of the case may record orders on this asset.")
    if kind in ORDER_KIND_STATES and asset.state not in ORDER_KIND_STATES[kind]:
        raise TransitionNotAllowed(
            f"A {OrderKind(kind).label.lower()} cannot be recorded while the asset is {asset.get_state_display()}.",
            code="order_not_allowed_in_state",
            problems=[FieldProblem("kind", f"not allowed while the asset is {asset.state}", "invalid_state")],
        )
    clean = order_clean(asset=asset, kind=kind, data=fields)
    order = AssetOrder.objects.create(asset=asset, case_id=asset.case_id, kind=kind, created_by=actor, **clean)
    if order.renewal_due_on:
        _open_renewal(order)
    audit_record(actor=actor, action="create", obj=order, after={"kind": kind, **_snapshot(order, ORDER_FIELDS)})
    event_emit(obj=asset, event_type="asset.order_add", actor=actor, data={"order": order.pk, "kind": kind})
    return order


ORDER_UPDATABLE = ("reference", "notes", "answered_on", "answer", "final", "renewal_due_on", "effective_on", "costs_amount", "costs_currency")


@transaction.atomic(durable=True)
def order_update(*, actor, order: AssetOrder, **changes) -> AssetOrder:
    """Correct or complete an order: its answer, finality, renewal date (a renewal re-opens the deadline), costs."""
    unknown = sorted(set(changes) - set(ORDER_UPDATABLE))
    if unknown:
        raise ValidationFailed("These fields cannot be changed.", [FieldProblem(n, "not editable", "not_editable") for n in unknown])
    asset = _visible_asset(actor, order.asset, lock=True)
    if not may_act_on(asset, actor):
        raise ActionForbidden("Only an authority of the case may change orders on this asset.")
    if asset_workflow.is_terminal(asset):
        raise TransitionNotAllowed("A closed asset file is read-only.", code="read_only")
    order = AssetOrder.objects.select_for_update().get(pk=order.pk)
    if order.lifted_on and "renewal_due_on" in changes:
        raise ValidationFailed("A lifted order cannot be renewed.", [FieldProblem("renewal_due_on", "the order was lifted", "lifted")])
    if order.final and changes.get("final") is False and asset.state in POST_CONFISCATION:
        raise ValidationFailed(
            "The asset was confiscated on this final order.", [FieldProblem("final", "a final order cannot become non-final", "final")]
        )
    before = _snapshot(order, ORDER_FIELDS)
    data = {name: getattr(order, name) for name in ORDER_FIELDS if not _empty(name, getattr(order, name))} | changes
    clean = order_clean(asset=asset, kind=order.kind, data=data)
    renewal_changed = clean["renewal_due_on"] != order.renewal_due_on
    for name in ORDER_UPDATABLE:
        setattr(order, name, clean[name])
    order.save()
    if renewal_changed:
        deadlines_close(subject=order, state=DeadlineState.MET, kinds=[DeadlineKind.FREEZE_RENEWAL])
        if order.renewal_due_on:
            _open_renewal(order)
    audit_record(actor=actor, action="update", obj=order, before=before, after=_snapshot(order, ORDER_FIELDS))
    event_emit(obj=asset, event_type="asset.order_update", actor=actor, data={"order": order.pk, "changed": sorted(changes)})
    return order


# --- sharing and return agreements ---------------------------------------------------------------------------


@dataclass
class _Draft:
    currency: str = ""
    realised: Decimal = Decimal(0)
    distributable: Decimal = Decimal(0)
    holding_state: Country | None = None
    shares: list[sharing.ShareInput] = field(default_factory=list)
    deductions: list[tuple[str, Decimal, Country]] = field(default_factory=list)
    remainder_party: str = ""
    explanation: dict = field(default_factory=dict)


def _rule_shares(rule: SharingRule, draft: _Draft, issuing_state: Country | None, on_date: date, problems: _Problems):
    if issuing_state is None:
        problems.add("issuing_state", "the default split needs the state that issued the confiscation order", "required")
        return
    if issuing_state.pk == draft.holding_state.pk:
        problems.add("issuing_state", "the issuing state and the executing (holding) state must differ", "same_state")
        return
    try:
        compared = RateTable.load({draft.currency, rule.threshold_currency}).convert(
            draft.realised, draft.currency, rule.threshold_currency, on_date
        )
    except MissingRate as missing:
        problems.extend(missing.problems)
        return
    executing, issuing = sharing.rule_percentages(
        rule.executing_share_up_to_threshold, rule.executing_share_above_threshold, rule.threshold_amount, compared.amount
    )
    draft.shares = [
        sharing.ShareInput(party, pct)
        for party, pct in ((draft.holding_state.pk, executing), (issuing_state.pk, issuing))
        if pct > 0
    ]
    draft.explanation = {
        "rule": rule.code,
        "source": rule.source,
        "verified": rule.verified,
        "amount_compared": str(compared.amount),
        "threshold": f"{rule.threshold_amount} {rule.threshold_currency}",
        "band": "up_to_threshold" if compared.amount <= rule.threshold_amount else "above_threshold",
        "conversion": compared.describe(),
        "executing_state": draft.holding_state.pk,
        "issuing_state": issuing_state.pk,
    }


def _draft_agreement(*, case, assets, shares, sharing_rule, issuing_state, holding_state, deductions, remainder_party) -> _Draft:
    problems = _Problems()
    draft = _Draft()
    assets = list(assets)
    if not assets:
        problems.add("assets", "name the realised assets whose proceeds are shared or returned", "required")
        problems.raise_if_any("The agreement cannot be saved.")
    for asset in assets:
        if asset.case_id != case.pk:
            problems.add("assets", f"asset {asset.pk} belongs to another case", "other_case")
        elif asset.state != AssetState.REALISED:
            problems.add("assets", f"asset {asset.pk} is {asset.get_state_display()}, not realised", "not_realised")
    problems.raise_if_any("The agreement cannot be saved.")
    currencies = {a.realised_currency for a in assets}
    if len(currencies) > 1:
        problems.add("assets", f"the realised amounts are in several currencies ({', '.join(sorted(currencies))}): one agreement per currency", "mixed_currencies")
        problems.raise_if_any("The agreement cannot be saved.")
    draft.currency = currencies.pop()
    draft.realised = money.quantize(sum((a.realised_amount for a in assets), Decimal(0)), draft.currency)
    if holding_state is None:
        states = {a.location_state_id for a in assets}
        if len(states) == 1:
            holding_state = assets[0].location_state
        else:
            problems.add("holding_state", "the assets are in several states: name the state holding the funds", "required")
    else:
        holding_state = _country(holding_state, "holding_state", problems)
    draft.holding_state = holding_state

    for i, item in enumerate(deductions or []):
        name = f"deductions[{i}]"
        description = str(item.get("description") or "").strip()
        if not description:
            problems.add(f"{name}.description", "say what the expense was", "required")
        parsed = problems.check(money.parse_money, item.get("amount"), draft.currency, field=f"{name}.amount", allow_zero=False)
        incurred_by = _country(item.get("incurred_by"), f"{name}.incurred_by", problems)
        if parsed and incurred_by:
            draft.deductions.append((description, parsed[0], incurred_by))
    total_deductions = sum((d[1] for d in draft.deductions), Decimal(0))
    if total_deductions > draft.realised:
        problems.add("deductions", f"the deductions ({total_deductions}) exceed the realised amount ({draft.realised} {draft.currency})", "deductions_exceed")
    draft.distributable = draft.realised - total_deductions
    problems.raise_if_any("The agreement cannot be saved.")

    if shares and sharing_rule:
        problems.add("shares", "give the shares, or a default rule of law, not both", "shares_and_rule")
    elif sharing_rule is not None:
        on_date = max(a.realised_at for a in assets).date()
        _rule_shares(sharing_rule, draft, _country(issuing_state, "issuing_state", problems) if issuing_state else None, on_date, problems)
    elif shares:
        for i, item in enumerate(shares):
            party = _country(item.get("party"), f"shares[{i}].party", problems)
            percentage = fixed = None
            if item.get("percentage") is not None:
                percentage = problems.check(money.parse_amount, item["percentage"], f"shares[{i}].percentage")
            if item.get("fixed_amount") is not None:
                fixed = problems.check(money.parse_amount, item["fixed_amount"], f"shares[{i}].fixed_amount")
            if item.get("percentage") is None and item.get("fixed_amount") is None:
                problems.add(f"shares[{i}]", "give a percentage or a fixed amount", "required")
            if party:
                draft.shares.append(sharing.ShareInput(party.pk, percentage, fixed))
    else:
        problems.add("shares", "give the shares of the parties, or a default rule of law to compute them", "required")
    problems.raise_if_any("The agreement cannot be saved.")

    if remainder_party is not None:
        party = _country(remainder_party, "remainder_party", problems)
        draft.remainder_party = party.pk if party else ""
    else:
        draft.remainder_party = sharing.default_remainder_party(draft.shares, draft.holding_state.pk)
    problems.extend(sharing.share_problems(draft.shares, draft.distributable, draft.currency, draft.remainder_party))
    parties = {s.party for s in draft.shares} | {draft.holding_state.pk}
    for i, (_, _, incurred_by) in enumerate(draft.deductions):
        if incurred_by.pk not in parties:
            problems.add(f"deductions[{i}].incurred_by", "costs are reimbursed only to a party or the holding state", "not_a_party")
    problems.raise_if_any("The agreement cannot be saved.")
    return draft


@transaction.atomic(durable=True)
def agreement_create(
    *,
    actor,
    case,
    kind: str,
    basis: str,
    assets: Iterable[Asset],
    shares: list[dict] | None = None,
    sharing_rule: SharingRule | None = None,
    issuing_state=None,
    holding_state=None,
    deductions: list[dict] | None = None,
    remainder_party=None,
    instrument=None,
    reference: str = "",
) -> SharingAgreement:
    """Draft a sharing or return agreement over realised assets of `case`.

    Shares are either explicit (`[{"party": "CO", "percentage": "50"}…]` or `fixed_amount`s, case-specific) or
    computed from a rule of law (`sharing_rule` + `issuing_state`; the holding state is the executing state).
    Deductions (`[{"description", "amount", "incurred_by"}]`) are taken off before sharing and reimbursed to
    the state that bore them. The rounding remainder goes to `remainder_party` (default: the holding state if
    it is a party, else the largest share).
    """
    if not may_act_on_case(case, actor):
        raise ActionForbidden("Only an authority of the case may draft its agreements.")
    problems = _Problems()
    if kind not in AgreementKind.values:
        problems.add("kind", f"one of {', '.join(AgreementKind.values)}", "invalid_choice")
    if basis not in AgreementBasis.values:
        problems.add("basis", f"one of {', '.join(AgreementBasis.values)}", "invalid_choice")
    problems.raise_if_any("The agreement cannot be saved.")
    assets = list(Asset.objects.select_for_update().filter(pk__in=[a.pk for a in assets]).order_by("pk"))
    draft = _draft_agreement(
        case=case, assets=assets, shares=shares, sharing_rule=sharing_rule, issuing_state=issuing_state,
        holding_state=holding_state, deductions=deductions, remainder_party=remainder_party,
    )
    result = sharing.split(draft.distributable, draft.currency, draft.shares, draft.remainder_party)
    agreement = SharingAgreement.objects.create(
        case=case, kind=kind, basis=basis, instrument=instrument, reference=reference.strip(), sharing_rule=sharing_rule,
        split_explanation=draft.explanation | {"remainder": str(result.remainder)}, holding_state=draft.holding_state,
        currency=draft.currency, realised_amount=draft.realised, distributable_amount=draft.distributable,
        remainder_party_id=draft.remainder_party, created_by=actor,
    )
    agreement.assets.set(assets)
    SharingShare.objects.bulk_create(
        SharingShare(agreement=agreement, party_id=s.party, percentage=s.percentage, fixed_amount=s.fixed_amount, amount=result.amounts[s.party])
        for s in draft.shares
    )
    SharingDeduction.objects.bulk_create(
        SharingDeduction(agreement=agreement, description=d, amount=a, incurred_by=c) for d, a, c in draft.deductions
    )
    audit_record(
        actor=actor, action="create", obj=agreement,
        after={
            "kind": kind, "basis": basis, "assets": [a.pk for a in assets], "currency": draft.currency,
            "realised": str(draft.realised), "distributable": str(draft.distributable),
            "shares": {p: str(a) for p, a in result.amounts.items()}, "remainder_party": draft.remainder_party,
        },
    )
    event_emit(obj=agreement, event_type="sharing_agreement.create", actor=actor, to_state=agreement.state)
    return agreement


@transaction.atomic(durable=True)
def agreement_validate(*, actor, agreement: SharingAgreement, expected_version: int | None = None) -> SharingAgreement:
    """Check a draft again and conclude it; its realised assets then move to shared or returned."""
    agreement = agreement_workflow.perform(pk=agreement.pk, action="agree", actor=actor, expected_version=expected_version)
    action = "share" if agreement.kind == AgreementKind.SHARING else "return"
    for asset in agreement.assets.filter(state=AssetState.REALISED).order_by("pk"):
        asset_workflow.perform(pk=asset.pk, action=action, actor=actor, reason=f"agreement {agreement.reference or agreement.pk}")
    return agreement


@transaction.atomic(durable=True)
def agreement_cancel(*, actor, agreement: SharingAgreement, reason: str) -> SharingAgreement:
    return agreement_workflow.perform(pk=agreement.pk, action="cancel", actor=actor, reason=reason)


@transaction.atomic(durable=True)
def transfer_record(*, actor, agreement: SharingAgreement, party, amount, currency: str, made_on: date, reference: str = "") -> Transfer:
    """Record money paid by the holding state to a party; once nothing is owed the agreement is settled."""
    agreement = SharingAgreement.objects.select_for_update().select_related("case").get(pk=agreement.pk)
    if not may_act_on_case(agreement.case, actor):
        raise ActionForbidden("Only an authority of the case may record transfers.")
    if agreement.state != AgreementState.AGREED:
        raise TransitionNotAllowed(
            f"Transfers are recorded on a concluded agreement; this one is {agreement.get_state_display()}.", code="agreement_not_agreed"
        )
    problems = _Problems()
    country = _country(party, "party", problems)
    parsed = problems.check(money.parse_money, amount, currency, allow_zero=False)
    if parsed and parsed[1] != agreement.currency:
        problems.add("currency", f"transfers are made in the agreement's currency, {agreement.currency}", "wrong_currency")
    if made_on is None:
        problems.add("made_on", "the date of the transfer is required", "required")
    _not_in_future(problems, "made_on", made_on)
    if made_on and agreement.agreed_on and made_on < agreement.agreed_on:
        problems.add("made_on", "cannot be before the agreement was concluded", "before_agreement")
    problems.raise_if_any("The transfer cannot be recorded.")
    balances = {b.party: b for b in agreement_balances(agreement)}
    balance = balances.get(country.pk)
    if balance is None:
        problems.add("party", f"{country.pk} is not a party to this agreement", "not_a_party")
    elif balance.retained:
        problems.add("party", "the holding state retains its share: nothing is transferred to it", "holding_state")
    elif parsed[0] > balance.owed:
        problems.add("amount", f"exceeds what is still owed to {country.pk} ({balance.owed} {agreement.currency})", "exceeds_owed")
    problems.raise_if_any("The transfer cannot be recorded.")
    transfer = Transfer.objects.create(
        agreement=agreement, party=country, amount=parsed[0], currency=agreement.currency, made_on=made_on,
        reference=reference.strip(), created_by=actor,
    )
    audit_record(actor=actor, action="create", object_type="assets.transfer", object_id=str(transfer.pk), case_id=agreement.case_id,
                 after={"party": country.pk, "amount": str(transfer.amount), "currency": transfer.currency, "made_on": made_on.isoformat()})
    event_emit(obj=agreement, event_type="sharing_agreement.transfer", actor=actor,
               data={"transfer": transfer.pk, "party": country.pk, "amount": str(transfer.amount)})
    if not any(b.owed for b in agreement_balances(agreement)):
        agreement_workflow.perform(pk=agreement.pk, action="settle", actor=actor, reason="every share transferred")
    return transfer


# --- reference data: exchange rates and rules ----------------------------------------------------------------


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _rate_row_problems(row: dict, where: str) -> tuple[tuple | None, list[FieldProblem]]:
    problems = _Problems()
    try:
        day = date.fromisoformat(str(row.get("date", "")).strip())
    except ValueError:
        problems.add(f"{where}date", f"'{row.get('date')}' is not a date (YYYY-MM-DD)", "invalid_date")
        day = None
    base = problems.check(money.check_currency, row.get("base", ""), f"{where}base")
    currency = problems.check(money.check_currency, row.get("currency", ""), f"{where}currency")
    rate = problems.check(money.parse_amount, str(row.get("rate", "")).strip(), f"{where}rate", allow_zero=False)
    source = str(row.get("source", "")).strip()
    if not source:
        problems.add(f"{where}source", "every rate says where it comes from", "required")
    if base and currency and base == currency:
        problems.add(f"{where}currency", "a rate from a currency to itself", "same_currency")
    if rate is not None and rate != rate.quantize(Decimal("1E-10")):
        problems.add(f"{where}rate", "at most 10 decimal places", "too_many_decimals")
    if problems:
        return None, list(problems)
    return (base, currency, day, rate, source[:200]), []


def exchange_rate_clean(*, base: str, currency: str, date, rate, source: str) -> tuple:
    """(base, currency, date, rate, source) normalised, or ValidationFailed naming each field (admin forms too)."""
    values, problems = _rate_row_problems({"base": base, "currency": currency, "date": date, "rate": rate, "source": source}, "")
    if problems:
        raise ValidationFailed("The exchange rate cannot be saved.", problems)
    return values


@transaction.atomic(durable=True)
def exchange_rates_load(*, actor, rows: Iterable[dict], source_name: str, progress: Callable[[int], None] | None = None) -> LoadResult:
    """Load rates (date, base, currency, rate, source) idempotently: all rows are checked first; a bad row stops
    the load naming `source_name` and the line, and nothing is saved."""
    parsed, problems, seen = [], [], {}
    for line, row in enumerate(rows, start=2):
        where = f"{source_name}:{line}"
        values, row_problems = _rate_row_problems(row, f"{where}.")
        problems += row_problems
        if values:
            key = values[:3]
            if key in seen:
                problems.append(FieldProblem(where, f"duplicate of line {seen[key]} ({key[0]}/{key[1]} on {key[2]})", "duplicate"))
            seen[key] = line
            parsed.append(values)
    if problems:
        raise ValidationFailed(f"{source_name}: {len(problems)} problem(s); nothing was loaded.", problems)
    existing = {
        (r.base, r.currency, r.date): r
        for r in ExchangeRate.objects.filter(currency__in={p[1] for p in parsed}, date__in={p[2] for p in parsed})
    }
    result, new, changed = LoadResult(), [], []
    for count, (base, currency, day, rate, source) in enumerate(parsed, start=1):
        row = existing.get((base, currency, day))
        if row is None:
            new.append(ExchangeRate(base=base, currency=currency, date=day, rate=rate, source=source))
        elif row.rate != rate or row.source != source:
            row.rate, row.source = rate, source
            changed.append(row)
        else:
            result.unchanged += 1
        if progress:
            progress(count)
    ExchangeRate.objects.bulk_create(new, batch_size=1000)
    ExchangeRate.objects.bulk_update(changed, ["rate", "source"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    audit_record(
        actor=actor, action="import", object_type="assets.exchangerate", object_id=source_name,
        after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result


@transaction.atomic(durable=True)
def exchange_rate_set(*, actor, base: str, currency: str, date: date, rate, source: str) -> ExchangeRate:
    """Add or correct one rate (admin)."""
    if not (actor.is_staff or actor.is_superuser):
        raise ActionForbidden("Only staff may change exchange rates.")
    base, currency, day, rate, source = exchange_rate_clean(base=base, currency=currency, date=date, rate=rate, source=source)
    row = ExchangeRate.objects.select_for_update().filter(base=base, currency=currency, date=day).first()
    before = {"rate": str(row.rate), "source": row.source} if row else None
    row = row or ExchangeRate(base=base, currency=currency, date=day)
    row.rate, row.source = rate, source
    row.save()
    audit_record(actor=actor, action="update" if before else "create", obj=row, before=before, after={"rate": str(rate), "source": source})
    return row


def _rule_instrument(code, where: str, problems: _Problems):
    from networks.models import Instrument

    if not code:
        return None
    instrument = Instrument.objects.filter(code__iexact=code).first()
    if instrument is None:
        problems.add(f"{where}.instrument", f"unknown instrument code '{code}': load the reference data first", "unknown_instrument")
    return instrument


@transaction.atomic(durable=True)
def asset_rules_load(*, actor, data: dict, source_name: str) -> LoadResult:
    """Load the sharing rules and confiscation prerequisites (assets/data/asset_rules.yaml), idempotently by code."""
    problems, result = _Problems(), LoadResult()
    rules, prerequisites = [], []
    for i, item in enumerate(data.get("sharing_rules") or []):
        where = f"{source_name}:sharing_rules[{i}]"
        values = {
            "description": str(item.get("description") or ""),
            "threshold_amount": problems.check(money.parse_amount, str(item.get("threshold_amount", "")), f"{where}.threshold_amount"),
            "threshold_currency": problems.check(money.check_currency, item.get("threshold_currency", ""), f"{where}.threshold_currency"),
            "source": str(item.get("source") or ""),
            "verified": bool(item.get("verified", False)),
        }
        for name in ("executing_share_up_to_threshold", "executing_share_above_threshold"):
            pct = problems.check(money.parse_amount, str(item.get(name, "")), f"{where}.{name}")
            if pct is not None and pct > 100:
                problems.add(f"{where}.{name}", "a percentage of at most 100", "range")
            values[name] = pct
        if not item.get("code") or not values["source"]:
            problems.add(where, "every rule has a code and a source", "required")
        rules.append((item.get("code"), values))
    for i, item in enumerate(data.get("confiscation_prerequisites") or []):
        where = f"{source_name}:confiscation_prerequisites[{i}]"
        proceeding = str(item.get("proceeding_type") or "")
        if proceeding and proceeding not in ProceedingType.values:
            problems.add(f"{where}.proceeding_type", f"one of {', '.join(ProceedingType.values)}", "invalid_choice")
        if not item.get("code") or not item.get("source"):
            problems.add(where, "every rule has a code and a source", "required")
        prerequisites.append((item.get("code"), {
            "instrument": _rule_instrument(item.get("instrument"), where, problems),
            "proceeding_type": proceeding,
            "description": str(item.get("description") or ""),
            "source": str(item.get("source") or ""),
            "verified": bool(item.get("verified", False)),
        }))
    problems.raise_if_any(f"{source_name}: nothing was loaded.")
    for model, items in ((SharingRule, rules), (ConfiscationPrerequisite, prerequisites)):
        for code, values in items:
            obj = model.objects.filter(code=code).first()
            if obj is None:
                model.objects.create(code=code, **values)
                result.created += 1
            elif any(getattr(obj, k) != v for k, v in values.items()):
                model.objects.filter(pk=obj.pk).update(**values)
                result.updated += 1
            else:
                result.unchanged += 1
    audit_record(actor=actor, action="import", object_type="assets.rules", object_id=source_name,
                 after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    return result

