"""Sharing and return: exact Decimal arithmetic, default splits from data, deductions, transfers and what is owed."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets import money, services, sharing
from assets.models import AssetState, SharingAgreement, SharingRule
from assets.selectors import agreement_balances
from coopcases.core.exceptions import TransitionNotAllowed, ValidationFailed
from tests.assets.factories import AssetFactory, CountryFactory, RateFactory

D = Decimal


def S(party, pct=None, fixed=None):
    return sharing.ShareInput(party, D(pct) if pct else None, D(fixed) if fixed else None)


# --- pure arithmetic -----------------------------------------------------------


def test_three_thirds_of_1000_01_add_up_exactly():
    shares = [S("ES", "33.34"), S("CO", "33.33"), S("PE", "33.33")]
    assert sharing.share_problems(shares, D("1000.01"), "EUR", "ES") == []
    result = sharing.split(D("1000.01"), "EUR", shares, "ES")
    # CO and PE: 1000.01 × 33.33 % = 333.303333 → 333.30 (rounded down); ES gets the rest: 1000.01 − 666.60
    assert result.amounts == {"ES": D("333.41"), "CO": D("333.30"), "PE": D("333.30")}
    assert sum(result.amounts.values()) == D("1000.01")
    assert result.remainder == D("0.01")  # ES's exact share is 333.403334 → 333.40


def test_the_remainder_goes_to_the_named_party():
    shares = [S("ES", "33.34"), S("CO", "33.33"), S("PE", "33.33")]
    result = sharing.split(D("1000.01"), "EUR", shares, "CO")
    assert result.amounts == {"ES": D("333.40"), "CO": D("333.31"), "PE": D("333.30")}


def test_minor_units_of_the_currency():
    assert sharing.split(D("1001"), "JPY", [S("JP", "50"), S("CO", "50")], "JP").amounts == {"JP": D("501"), "CO": D("500")}
    assert sharing.split(D("1.001"), "KWD", [S("KW", "50"), S("CO", "50")], "KW").amounts == {"KW": D("0.501"), "CO": D("0.500")}


def test_fixed_amounts():
    shares = [S("ES", fixed="600.01"), S("CO", fixed="400.00")]
    assert sharing.share_problems(shares, D("1000.01"), "EUR", "ES") == []
    assert sharing.split(D("1000.01"), "EUR", shares, "ES").amounts == {"ES": D("600.01"), "CO": D("400.00")}


@pytest.mark.parametrize(
    ("shares", "remainder", "code", "reason"),
    [
        ([S("ES", "50"), S("CO", "49.99")], "ES", "shares_not_100", "the percentages add up to 99.99, not exactly 100"),
        ([S("ES", "50"), S("CO", "50.01")], "ES", "shares_not_100", "the percentages add up to 100.01, not exactly 100"),
        ([S("ES", fixed="600"), S("CO", fixed="400")], "ES", "fixed_not_equal", "the fixed amounts add up to 1000 EUR, not the amount to share 1000.01 EUR"),
        ([S("ES", "50"), S("CO", fixed="500.01")], "ES", "mixed_modes", None),
        ([S("ES", "50"), S("ES", "50")], "ES", "duplicate_party", None),
        ([S("ES", "50"), S("CO", "50")], "PE", "not_a_party", None),
        ([S("ES", "100.5"), S("CO", "-0.5")], "ES", "range", None),
        ([S("ES", "33.33333"), S("CO", "66.66667")], "ES", "too_many_decimals", None),
        ([S("ES", fixed="600.005"), S("CO", fixed="400.005")], "ES", "too_many_decimals", None),
        ([], "ES", "required", None),
    ],
)
def test_bad_shares_name_the_rule(shares, remainder, code, reason):
    problems = sharing.share_problems(shares, D("1000.01"), "EUR", remainder)
    assert code in {p.code for p in problems}
    if reason:
        assert reason in {p.reason for p in problems}


def test_default_remainder_party():
    assert sharing.default_remainder_party([S("CO", "40"), S("ES", "60")], "CO") == "CO"  # holding state
    assert sharing.default_remainder_party([S("CO", "40"), S("PE", "60")], "ES") == "PE"  # else the largest


# --- agreements ----------------------------------------------------------------


@pytest.fixture
def realised(world):
    def make(amount, currency="EUR", **kw):
        return AssetFactory(case=world.case, realised=True, realised_amount=D(amount), realised_currency=currency, location_state=world.es, **kw)

    return make


@pytest.fixture
def peru(db):
    return CountryFactory(code="PE", code3="PER", name_en="Peru")


def create(world, assets, **kw):
    fields = {"actor": world.magistrate, "case": world.case, "kind": "sharing", "basis": "case_specific", "assets": assets} | kw
    return services.agreement_create(**fields)


def amounts(agreement):
    return {s.party_id: s.amount for s in agreement.shares.all()}


def test_an_agreement_over_1000_01_between_three_states(world, realised, peru):
    asset = realised("1000.01")
    agreement = create(world, [asset], shares=[{"party": "ES", "percentage": "33.34"}, {"party": "co", "percentage": "33.33"}, {"party": "PE", "percentage": D("33.33")}])
    assert (agreement.holding_state_id, agreement.currency, agreement.realised_amount) == ("ES", "EUR", D("1000.01"))
    assert agreement.remainder_party_id == "ES" and agreement.split_explanation["remainder"] == "0.01"
    assert amounts(agreement) == {"ES": D("333.41"), "CO": D("333.30"), "PE": D("333.30")}


def test_shares_not_summing_to_100_are_refused_and_nothing_saved(world, realised):
    asset = realised("1000.00")
    with pytest.raises(ValidationFailed) as failed:
        create(world, [asset], shares=[{"party": "ES", "percentage": "60"}, {"party": "CO", "percentage": "30"}])
    assert ("shares", "shares_not_100") in {(p.name, p.code) for p in failed.value.problems}
    assert "add up to 90, not exactly 100" in failed.value.problems[0].reason
    assert not SharingAgreement.objects.exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"shares": [{"party": "ES", "percentage": 60.0}, {"party": "CO", "percentage": 40.0}]}, ("shares[0].percentage", "float_amount")),
        ({"shares": [{"party": "XX", "percentage": "100"}]}, ("shares[0].party", "unknown_country")),
        ({"shares": [{"party": "ES"}]}, ("shares[0]", "required")),
        ({}, ("shares", "required")),
        ({"kind": "gift"}, ("kind", "invalid_choice")),
        ({"shares": [{"party": "ES", "percentage": "100"}], "deductions": [{"description": "storage", "amount": "-1", "incurred_by": "ES"}]}, ("deductions[0].amount", "negative_amount")),
        ({"shares": [{"party": "ES", "percentage": "100"}], "deductions": [{"description": "storage", "amount": "2000", "incurred_by": "ES"}]}, ("deductions", "deductions_exceed")),
        ({"shares": [{"party": "CO", "percentage": "100"}], "deductions": [{"description": "x", "amount": "1", "incurred_by": "PE"}]}, ("deductions[0].incurred_by", "not_a_party")),
    ],
)
def test_bad_agreements_are_refused(world, realised, peru, fields, expected):
    with pytest.raises(ValidationFailed) as failed:
        create(world, [realised("1000.00")], **fields)
    assert expected in {(p.name, p.code) for p in failed.value.problems}
    assert not SharingAgreement.objects.exists()


def test_assets_must_be_realised_in_one_currency_of_the_case(world, realised):
    shares = [{"party": "ES", "percentage": "100"}]
    with pytest.raises(ValidationFailed) as failed:
        create(world, [AssetFactory(case=world.case, frozen=True)], shares=shares)
    assert failed.value.problems[0].code == "not_realised"
    with pytest.raises(ValidationFailed) as failed:
        create(world, [AssetFactory(realised=True)], shares=shares)
    assert failed.value.problems[0].code == "other_case"
    with pytest.raises(ValidationFailed) as failed:
        create(world, [realised("10"), realised("10", "USD")], shares=shares)
    assert failed.value.problems[0].code == "mixed_currencies"


def test_deductions_transfers_and_what_is_still_owed(world, realised):
    asset = realised("10000.00")
    agreement = create(
        world, [asset], shares=[{"party": "ES", "percentage": "50"}, {"party": "CO", "percentage": "50"}],
        deductions=[{"description": "Custody of the vehicle", "amount": "100.00", "incurred_by": "ES"},
                    {"description": "Translation of the judgment", "amount": "20.50", "incurred_by": "CO"}],
    )
    assert agreement.distributable_amount == D("9879.50")
    assert amounts(agreement) == {"ES": D("4939.75"), "CO": D("4939.75")}
    services.agreement_validate(actor=world.magistrate, agreement=agreement)
    balances = {b.party: b for b in agreement_balances(agreement)}
    assert balances["ES"].retained and balances["ES"].entitled == D("5039.75") and balances["ES"].owed == 0
    assert (balances["CO"].entitled, balances["CO"].owed) == (D("4960.25"), D("4960.25"))

    services.transfer_record(actor=world.magistrate, agreement=agreement, party="CO", amount="4000.00", currency="EUR", made_on=date.today())
    assert {b.party: b.owed for b in agreement_balances(agreement)}["CO"] == D("960.25")
    for fields, code in [
        ({"party": "CO", "amount": "960.26", "currency": "EUR"}, "exceeds_owed"),
        ({"party": "CO", "amount": "960.25", "currency": "USD"}, "wrong_currency"),
        ({"party": "ES", "amount": "1", "currency": "EUR"}, "holding_state"),
        ({"party": "PE", "amount": "1", "currency": "EUR"}, "unknown_country"),
        ({"party": "CO", "amount": "0", "currency": "EUR"}, "zero_amount"),
        ({"party": "CO", "amount": "1", "currency": "EUR", "made_on": None}, "required"),
    ]:
        with pytest.raises(ValidationFailed) as failed:
            services.transfer_record(actor=world.magistrate, agreement=agreement, **({"made_on": date.today()} | fields))
        assert failed.value.problems[0].code == code
    services.transfer_record(actor=world.magistrate, agreement=agreement, party="CO", amount="960.25", currency="EUR", made_on=date.today())
    agreement.refresh_from_db()
    assert agreement.state == "settled"
    with pytest.raises(TransitionNotAllowed):
        services.transfer_record(actor=world.magistrate, agreement=agreement, party="CO", amount="1", currency="EUR", made_on=date.today())


def test_a_return_agreement_returns_the_asset(world, realised):
    asset = realised("500.00")
    agreement = create(world, [asset], kind="return", basis="uncac_57", shares=[{"party": "CO", "percentage": "100"}])
    assert agreement.remainder_party_id == "CO"
    services.agreement_validate(actor=world.magistrate, agreement=agreement)
    asset.refresh_from_db()
    assert asset.state == AssetState.RETURNED and asset.returned_at is not None
    with pytest.raises(ValidationFailed) as failed:
        create(world, [asset], shares=[{"party": "CO", "percentage": "100"}])
    assert failed.value.problems[0].code == "not_realised"


def test_an_asset_is_shared_under_one_concluded_agreement_only(world, realised):
    asset = realised("500.00")
    first = create(world, [asset], shares=[{"party": "CO", "percentage": "100"}])
    second = create(world, [asset], shares=[{"party": "ES", "percentage": "100"}])
    services.agreement_validate(actor=world.magistrate, agreement=first)
    with pytest.raises(ValidationFailed) as failed:  # the asset is shared now: the second draft cannot be concluded
        services.agreement_validate(actor=world.magistrate, agreement=second)
    assert "every asset must be realised" in failed.value.problems[0].reason
    services.agreement_cancel(actor=world.magistrate, agreement=second, reason="superseded")


# --- default split from the law's data -------------------------------------------


@pytest.fixture
def art_30_7(db):
    return SharingRule.objects.create(
        code="eu-2018-1805-art-30-7", description="Art. 30(7)", threshold_amount=D("10000.00"), threshold_currency="EUR",
        executing_share_up_to_threshold=D("100"), executing_share_above_threshold=D("50"), source="Reg. 2018/1805", verified=False,
    )


def test_up_to_the_threshold_everything_accrues_to_the_executing_state(world, realised, art_30_7):
    agreement = create(world, [realised("10000.00")], basis="eu_2018_1805", sharing_rule=art_30_7, issuing_state="CO")
    assert amounts(agreement) == {"ES": D("10000.00")}
    assert agreement.split_explanation["band"] == "up_to_threshold" and agreement.split_explanation["verified"] is False


def test_above_the_threshold_the_whole_amount_is_halved(world, realised, art_30_7):
    agreement = create(world, [realised("25000.01")], basis="eu_2018_1805", sharing_rule=art_30_7, issuing_state=world.co)
    assert amounts(agreement) == {"ES": D("12500.01"), "CO": D("12500.00")}  # the odd cent stays with the holding state


def test_the_threshold_is_compared_in_euro_at_the_stored_rate(world, realised, art_30_7):
    RateFactory(currency="USD", date=date(2020, 1, 1), rate=D("1.10"), source="ECB")
    agreement = create(world, [realised("11000.00", "USD")], basis="eu_2018_1805", sharing_rule=art_30_7, issuing_state="CO")
    assert amounts(agreement) == {"ES": D("11000.00")}  # 11 000 USD = 10 000.00 EUR: not above the threshold
    assert agreement.split_explanation["conversion"] == "11000.00 USD → 10000.00 EUR at 1 EUR = 1.1 USD (2020-01-01, ECB)"
    agreement = create(world, [realised("11000.11", "USD")], basis="eu_2018_1805", sharing_rule=art_30_7, issuing_state="CO")
    assert amounts(agreement) == {"ES": D("5500.06"), "CO": D("5500.05")}


def test_a_default_split_needs_a_rate_and_two_states(world, realised, art_30_7):
    for fields, code in [
        ({"issuing_state": "CO"}, "missing_rate"),
        ({"issuing_state": "ES"}, "same_state"),
        ({}, "required"),
        ({"issuing_state": "CO", "shares": [{"party": "ES", "percentage": "100"}]}, "shares_and_rule"),
    ]:
        with pytest.raises(ValidationFailed) as failed:
            create(world, [realised("100.00", "COP" if code == "missing_rate" else "EUR")], sharing_rule=art_30_7, **fields)
        assert failed.value.problems[0].code == code


def test_a_case_specific_agreement_overrides_the_default(world, realised, art_30_7):
    agreement = create(world, [realised("25000.00")], basis="case_specific", shares=[{"party": "ES", "percentage": "30"}, {"party": "CO", "percentage": "70"}])
    assert amounts(agreement) == {"ES": D("7500.00"), "CO": D("17500.00")} and agreement.sharing_rule is None


# --- properties of the split, over many generated cases ---------------------------

@st.composite
def percentages(draw):
    """2–6 positive percentages with up to 2 decimals that add up to exactly 100."""
    count = draw(st.integers(2, 6))
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True)))
    bounds = [0, *cuts, 10000]
    return [D(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=300, deadline=None)
@given(pcts=percentages(), cents=st.integers(0, 10**14), remainder_index=st.integers(0, 5), currency=st.sampled_from(["EUR", "JPY", "KWD"]))
def test_a_split_always_adds_up_and_only_the_remainder_party_gains(pcts, cents, remainder_index, currency):
    amount = money.quantize(D(cents) * money.quantum(currency), currency)
    parties = [f"P{i}" for i in range(len(pcts))]
    remainder = parties[remainder_index % len(parties)]
    shares = [S(p, str(pct)) for p, pct in zip(parties, pcts, strict=True)]
    assert sharing.share_problems(shares, amount, currency, remainder) == []
    result = sharing.split(amount, currency, shares, remainder)
    assert sum(result.amounts.values()) == amount
    unit = money.quantum(currency)
    for share in shares:
        exact = amount * share.percentage / 100
        got = result.amounts[share.party]
        assert got == money.quantize(got, currency)
        if share.party == remainder:
            assert exact - unit < got < exact + unit * len(shares)
        else:
            assert exact - unit < got <= exact
