"""The figures of the statistics on the hand-built data set (tests/web/statistics_data.py): exact values."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from coopcases.web.stats import selectors
from coopcases.web.stats.selectors import StatisticsFilter, cooperation_statistics, percentile_cont
from tests.web.statistics_data import NOW, dataset

D = Decimal
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
Q1 = StatisticsFilter(first_month=JAN, last_month=MAR)


@pytest.fixture
def data(db):
    return dataset()


def stats(actor, filters=Q1):
    return cooperation_statistics(actor=actor, filters=filters, now=NOW)


def crosstab(tab) -> dict:
    return {tab.labels[k]: [tab.cells[(m, k)] for m in tab.months] for k in tab.keys}


def test_requests_per_month_by_state_and_network_for_a_central_authority(data):
    s = stats(data.es_officer)
    assert s.per_month == [(JAN, 2), (FEB, 2), (MAR, 3)]
    assert s.transmitted == 7
    assert crosstab(s.by_requesting_state) == {"Argentina": [0, 0, 1], "Brazil": [0, 0, 1], "Peru": [2, 2, 1]}
    assert crosstab(s.by_requested_state) == {"Spain": [2, 2, 3]}
    assert crosstab(s.by_network) == {"IberRed": [1, 1, 0], "(no network)": [1, 1, 3]}
    assert s.by_requesting_state.rows()[2] == (MAR, [1, 1, 1], 3)


def test_the_auditor_counts_every_state(data):
    s = stats(data.auditor)
    assert s.per_month == [(JAN, 2), (FEB, 3), (MAR, 4)]
    assert crosstab(s.by_requested_state) == {"Spain": [2, 2, 3], "United States": [0, 1, 1]}


def test_a_central_authority_does_not_count_other_states_requests(data):
    s = stats(data.us_officer)
    assert s.per_month == [(JAN, 0), (FEB, 1), (MAR, 1)]
    assert [(r.label, r.transmitted) for r in s.outcomes] == [("United States", 2)]
    assert [g.code for g in s.grounds] == ["TAX_OFFENCE"]
    assert s.assets.total.assets == 0  # Spain's and Colombia's cases are not the US authority's


def test_median_and_p90_days_from_transmission_to_execution(data):
    s = stats(data.es_officer)
    assert [(r.label, r.executed, r.median_days, r.p90_days) for r in s.durations] == [("Spain", 4, pytest.approx(25), pytest.approx(37))]
    s = stats(data.auditor)
    assert [(r.label, r.executed, r.median_days, r.p90_days) for r in s.durations] == [
        ("Spain", 4, pytest.approx(25), pytest.approx(37)),
        ("United States", 1, pytest.approx(5), pytest.approx(5)),
    ]
    total = s.duration_total
    assert (total.executed, total.median_days, total.p90_days) == (5, pytest.approx(20), pytest.approx(36))


def test_python_fallback_matches_the_database(data, monkeypatch):
    expected = stats(data.auditor)
    monkeypatch.setattr(connection, "vendor", "sqlite")  # force the fallback on PostgreSQL too
    fallback = stats(data.auditor)
    assert fallback.durations == expected.durations
    assert fallback.duration_total == expected.duration_total


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([7.0], 0.9, 7.0), ([40, 10, 30, 20], 0.5, 25.0), ([10, 20, 30, 40], 0.9, 37.0), ([1, 2], 0.0, 1.0), ([1, 2], 1.0, 2.0)],
)
def test_percentile_cont_interpolates_like_postgresql(values, fraction, expected):
    assert percentile_cont(values, fraction) == (pytest.approx(expected) if expected is not None else None)


def test_share_overdue_and_refusals(data):
    s = stats(data.es_officer)
    spain = s.outcomes[0]
    assert (spain.transmitted, spain.overdue, spain.refused) == (7, 2, 1)
    assert spain.overdue_share == pytest.approx(2 / 7)
    auditor = stats(data.auditor).outcome_total
    assert (auditor.transmitted, auditor.overdue, auditor.refused) == (9, 2, 2)


def test_refusals_by_ground(data):
    # Most cited first, then by name: "Absence of dual criminality" before "Sovereignty, security…".
    assert [(g.code, g.refused) for g in stats(data.es_officer).grounds] == [("NO_DUAL_CRIMINALITY", 1), ("ESSENTIAL_INTERESTS", 1)]
    assert sorted((g.code, g.refused) for g in stats(data.auditor).grounds) == [
        ("ESSENTIAL_INTERESTS", 1), ("NO_DUAL_CRIMINALITY", 1), ("TAX_OFFENCE", 1),
    ]


def values(row):
    return [row.assets, *(row.values[m] for m in ("identified", "frozen", "confiscated", "returned"))]


def test_asset_values_in_the_reporting_currency(data):
    s = stats(data.es_officer)
    assert values(s.assets.total) == [4, D("10000.00"), D("9000.00"), D("7000.00"), D("2500.00")]
    assert {r.label: values(r) for r in s.assets.rows} == {
        "Spain": [3, D("7000.00"), D("6000.00"), D("4000.00"), D("2500.00")],
        "Portugal": [1, D("3000.00"), D("3000.00"), D("3000.00"), D(0)],
    }
    assert values(stats(data.auditor).assets.total)[:2] == [5, D("10777.00")]


def test_filters_by_period_state_and_network(data):
    w = data.w
    february = stats(data.auditor, StatisticsFilter(first_month=FEB, last_month=FEB))
    assert february.per_month == [(FEB, 3)]
    assert values(february.assets.total)[:2] == [2, D("5000.00")]

    brazil = stats(data.es_officer, StatisticsFilter(first_month=JAN, last_month=MAR, state=w.countries["BR"]))
    assert brazil.transmitted == 1 and sorted(g.code for g in brazil.grounds) == ["ESSENTIAL_INTERESTS", "NO_DUAL_CRIMINALITY"]
    assert brazil.assets.total.assets == 0  # no asset is located in Brazil

    spain = stats(data.es_officer, StatisticsFilter(first_month=JAN, last_month=MAR, state=w.countries["ES"]))
    assert spain.transmitted == 7 and values(spain.assets.total)[:2] == [3, D("7000.00")]

    iberred = stats(data.es_officer, StatisticsFilter(first_month=JAN, last_month=MAR, network=w.networks["iberred"]))
    assert iberred.per_month == [(JAN, 1), (FEB, 1), (MAR, 0)]
    assert [(r.executed, r.median_days) for r in iberred.durations] == [(2, pytest.approx(25))]
    assert iberred.grounds == []

    carin = stats(data.es_officer, StatisticsFilter(first_month=JAN, last_month=MAR, network=w.networks["carin"]))
    assert carin.transmitted == 0
    assert values(carin.assets.total) == [1, D("2000.00"), D("2000.00"), D(0), D(0)]


def test_months_of_a_filter_span_years():
    f = StatisticsFilter(first_month=date(2025, 11, 1), last_month=date(2026, 2, 1))
    assert f.months == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_only_central_authorities_and_auditors_may_view(data):
    w = data.w
    assert selectors.may_view_statistics(data.es_officer) and selectors.may_view_statistics(data.auditor)
    assert not selectors.may_view_statistics(w.user("magistrate:pe-fecor"))
    assert not selectors.may_view_statistics(w.user("contact:pe-fn"))
