"""The asset lifecycle (domain.md §8.7), declared once.

identified → traced → frozen | seized → confiscated → under management → realised | disposed
→ shared | returned → closed. An asset is released (its order lifted, with reasons) from any state before
confiscation; a confiscated asset cannot be released. `not found` closes a tracing that led nowhere.

Guards look at the recorded orders: a freeze needs a freezing order, a confiscation a final confiscation order,
and so on. Whether a confiscation requires a prior freeze or seizure is data (`ConfiscationPrerequisite`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from coopcases.core.workflow import Transition, Workflow
from coopcases.deadlines.models import DeadlineKind, DeadlineState
from coopcases.deadlines.services import deadlines_close

from . import sharing
from .models import (
    PROVISIONAL_KINDS,
    REALISING_METHODS,
    AgreementKind,
    AgreementState,
    Asset,
    AssetOrder,
    AssetState,
    ConfiscationPrerequisite,
    DisposalMethod,
    OrderKind,
    SharingAgreement,
)
from .selectors import agreement_balances, may_act_on, may_act_on_case

S = AssetState
PRE_CONFISCATION = (S.IDENTIFIED, S.TRACED, S.FROZEN, S.SEIZED)
POST_CONFISCATION = (S.CONFISCATED, S.UNDER_MANAGEMENT, S.REALISED, S.DISPOSED, S.SHARED, S.RETURNED)
WHO = "an authority of the case (liaison magistrate, central or executing authority officer)"


def _orders(asset, kind, **filters):
    return AssetOrder.objects.filter(asset=asset, kind=kind, **filters)


def _needs_active(kind, label):
    def guard(asset, actor, params):
        if not _orders(asset, kind, lifted_on__isnull=True).exists():
            return f"record the {label} first"
        return None

    return guard


def _final_confiscation(asset):
    return _orders(asset, OrderKind.CONFISCATION, final=True).order_by("-issued_on", "-id").first()


def prerequisite_problem(asset, legal_basis_id, proceeding_type) -> str | None:
    """Why this confiscation is refused: its legal basis requires a prior freeze or seizure, and there was none."""
    if asset.frozen_at is not None:
        return None
    rule = (
        ConfiscationPrerequisite.objects.filter(Q(instrument__isnull=True) | Q(instrument_id=legal_basis_id))
        .filter(Q(proceeding_type="") | Q(proceeding_type=proceeding_type))
        .order_by("code")
        .first()
    )
    if rule is None:
        return None
    return (
        f"this asset was never frozen or seized, and rule '{rule.code}' requires it before confiscation"
        f" ({rule.description}; source: {rule.source}{'' if rule.verified else ', unverified'})"
    )


def _confiscation_guard(asset, actor, params):
    order = _final_confiscation(asset)
    if order is None:
        if _orders(asset, OrderKind.CONFISCATION).exists():
            return "the confiscation order is not final yet (an appeal is pending)"
        return "record the final confiscation order first"
    return prerequisite_problem(asset, order.legal_basis_id, order.proceeding_type)


def _not_after_confiscation(asset, actor, params):
    if asset.state in POST_CONFISCATION:
        return (
            "a confiscated asset cannot be released: confiscation is the permanent deprivation of property "
            "(UNTOC art. 2(g), UNCAC art. 2(g)); only the annulment of the confiscation order could undo it"
        )
    return None


def _disposal_guard(methods, label):
    def guard(asset, actor, params):
        if not _orders(asset, OrderKind.DISPOSAL, disposal_method__in=methods).exists():
            return f"record the {label} first"
        if methods == REALISING_METHODS:
            currencies = set(
                _orders(asset, OrderKind.DISPOSAL, disposal_method__in=methods).values_list("realised_currency", flat=True)
            )
            if "" in currencies:
                return "a sale or collection must state the realised amount"
            if len(currencies) > 1:
                return "the realised amounts are in different currencies; record them in one currency"
        return None

    return guard


def _agreement_guard(kind):
    def guard(asset, actor, params):
        if not SharingAgreement.objects.filter(assets=asset, kind=kind, state__in=[AgreementState.AGREED, AgreementState.SETTLED]).exists():
            return f"an agreed {AgreementKind(kind).label.lower()} agreement covering this asset is needed"
        return None

    return guard


def _settled_guard(asset, actor, params):
    if asset.state in (S.SHARED, S.RETURNED) and SharingAgreement.objects.filter(assets=asset, state=AgreementState.AGREED).exists():
        return "money is still owed under the agreement: record the transfers first"
    return None


# --- effects: milestones and side records, in the transition's transaction -------------------------------


def _mark(field):
    def effect(asset, actor, params):
        if getattr(asset, field) is None:
            setattr(asset, field, timezone.now())

    return effect


def _close_renewals(asset, state):
    for order in AssetOrder.objects.filter(asset=asset, kind__in=PROVISIONAL_KINDS):
        deadlines_close(subject=order, state=state, kinds=[DeadlineKind.FREEZE_RENEWAL])


def _on_release(asset, actor, params):
    """Lift the provisional orders still in force and cancel their renewal clocks."""
    today = timezone.localdate()
    reason = params.get("reason", "")
    AssetOrder.objects.filter(asset=asset, kind__in=PROVISIONAL_KINDS, lifted_on__isnull=True).update(lifted_on=today, lift_reason=reason)
    _close_renewals(asset, DeadlineState.CANCELLED)


def _on_confiscate(asset, actor, params):
    _mark("confiscated_at")(asset, actor, params)
    _close_renewals(asset, DeadlineState.CANCELLED)  # the provisional order is superseded by the final one


def _on_realise(asset, actor, params):
    disposals = _orders(asset, OrderKind.DISPOSAL, disposal_method__in=REALISING_METHODS)
    asset.realised_amount = sum((d.realised_amount for d in disposals), Decimal(0))
    asset.realised_currency = disposals[0].realised_currency
    asset.realised_at = timezone.now()


def _may(asset, actor) -> bool:
    return may_act_on(asset, actor)


T = Transition
asset_workflow = Workflow(
    model=Asset,
    state_field="state",
    event_prefix="asset",
    terminal_states=[S.CLOSED],
    transitions=[
        T("trace", [S.IDENTIFIED], S.TRACED, "Mark as traced (located)", _may, WHO),
        T("freeze", [S.IDENTIFIED, S.TRACED], S.FROZEN, "Freeze", _may, WHO,
          guards=[_needs_active(OrderKind.FREEZING, "freezing order")], effect=_mark("frozen_at")),
        T("seize", [S.IDENTIFIED, S.TRACED, S.FROZEN], S.SEIZED, "Seize", _may, WHO,
          guards=[_needs_active(OrderKind.SEIZURE, "seizure order")], effect=_mark("frozen_at")),
        T("confiscate", [S.IDENTIFIED, S.TRACED, S.FROZEN, S.SEIZED], S.CONFISCATED, "Confiscate", _may, WHO,
          guards=[_confiscation_guard], effect=_on_confiscate),
        T("manage", [S.CONFISCATED], S.UNDER_MANAGEMENT, "Place under management", _may, WHO,
          guards=[lambda a, u, p: None if _orders(a, OrderKind.MANAGEMENT).exists() else "record the management (custodian) first"]),
        T("realise", [S.CONFISCATED, S.UNDER_MANAGEMENT], S.REALISED, "Record as realised", _may, WHO,
          guards=[_disposal_guard(REALISING_METHODS, "sale or collection of funds")], effect=_on_realise),
        T("dispose", [S.CONFISCATED, S.UNDER_MANAGEMENT], S.DISPOSED, "Record as disposed of", _may, WHO,
          guards=[_disposal_guard((DisposalMethod.DESTRUCTION, DisposalMethod.SOCIAL_REUSE), "destruction or social re-use")]),
        T("share", [S.REALISED], S.SHARED, "Record as shared", _may, WHO,
          guards=[_agreement_guard(AgreementKind.SHARING)], effect=_mark("shared_at")),
        T("return", [S.REALISED], S.RETURNED, "Record as returned", _may, WHO,
          guards=[_agreement_guard(AgreementKind.RETURN)], effect=_mark("returned_at")),
        # Offered in every open state so that the refusal after confiscation names its rule.
        T("release", [*PRE_CONFISCATION, *POST_CONFISCATION], S.RELEASED, "Release (order lifted)", _may, WHO,
          guards=[_not_after_confiscation], reason_required=True, after=_on_release),
        T("mark_not_found", [S.IDENTIFIED, S.TRACED], S.NOT_FOUND, "Mark as not found", _may, WHO, reason_required=True),
        T("close", [S.SHARED, S.RETURNED, S.DISPOSED, S.RELEASED, S.NOT_FOUND], S.CLOSED, "Close the file", _may, WHO,
          guards=[_settled_guard]),
    ],
)


# --- sharing and return agreements ---------------------------------------------------------------------------


def _agreement_assets_guard(agreement, actor, params):
    assets = list(agreement.assets.all())
    if not assets:
        return "the agreement covers no asset"
    # A concluded agreement moves its assets on to shared or returned, so "realised" also means "not yet shared".
    not_realised = [str(a.pk) for a in assets if a.state != S.REALISED]
    if not_realised:
        return f"every asset must be realised before the agreement is concluded (not yet: {', '.join(not_realised)})"
    total = sum((a.realised_amount for a in assets), Decimal(0))
    if any(a.realised_currency != agreement.currency for a in assets) or total != agreement.realised_amount:
        return "the realised amounts of the assets changed since the draft was made: update the draft"
    return None


def _agreement_shares_guard(agreement, actor, params):
    shares = [sharing.ShareInput(s.party_id, s.percentage, s.fixed_amount) for s in agreement.shares.all()]
    problems = sharing.share_problems(shares, agreement.distributable_amount, agreement.currency, agreement.remainder_party_id)
    return "; ".join(p.reason for p in problems) or None


def _nothing_owed_guard(agreement, actor, params):
    owed = [b for b in agreement_balances(agreement) if b.owed]
    if owed:
        return "still owed: " + ", ".join(f"{b.owed} {agreement.currency} to {b.party}" for b in owed)
    return None


def _agreement_may(agreement, actor) -> bool:
    return may_act_on_case(agreement.case, actor)


def _set_agreed_on(agreement, actor, params):
    agreement.agreed_on = timezone.localdate()


A = AgreementState
agreement_workflow = Workflow(
    model=SharingAgreement,
    state_field="state",
    event_prefix="sharing_agreement",
    terminal_states=[A.SETTLED, A.CANCELLED],
    transitions=[
        T("agree", [A.DRAFT], A.AGREED, "Conclude the agreement", _agreement_may, WHO,
          guards=[_agreement_assets_guard, _agreement_shares_guard], effect=_set_agreed_on),
        T("settle", [A.AGREED], A.SETTLED, "Settle (everything transferred)", _agreement_may, WHO, guards=[_nothing_owed_guard]),
        T("cancel", [A.DRAFT], A.CANCELLED, "Cancel the draft", _agreement_may, WHO, reason_required=True),
    ],
)
