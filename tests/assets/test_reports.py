"""Reports on a known data set, with every total computed by hand below."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assets import reports
from assets.models import OrderKind
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ValidationFailed
from tests.assets.factories import AssetFactory, CaseFactory, NetworkFactory, OrderFactory, RateFactory

D = Decimal


def at(*args):
    return datetime(*args, 12, 0, tzinfo=UTC)


@pytest.fixture
def data(world):
    """Rates: USD 1.10 (2024-01-01) then 1.25 (2024-06-01); COP 4000 (2024-01-01); no GBP rate.

    case 1 (lead: the magistrate's authority)
      A1 ES  1 000.00 EUR (2024-03-01)                                          identified
      A2 CO  2 200.00 USD (2024-03-01) = 2 000.00 EUR                           frozen            CARIN
      A3 ES  400 000 COP (2024-02-01) = 100.00 EUR; realised 500.00 USD
             on 2024-07-01 = 400.00 EUR                                          shared            CARIN, RRAG
      A7 ES  50.00 GBP                                                          not convertible
    case 2 (same lead)
      A4 ES  3 000.00 EUR; realised 2 500.00 EUR on 2024-08-01                   returned
      A5 CO  no estimate
    case 3 (another authority, invisible to the magistrate)
      A6 ES  999.00 EUR
    """
    RateFactory(currency="USD", date=date(2024, 1, 1), rate=D("1.10"), source="ECB")
    RateFactory(currency="USD", date=date(2024, 6, 1), rate=D("1.25"), source="ECB")
    RateFactory(currency="COP", date=date(2024, 1, 1), rate=D("4000"), source="BanRep")
    case1 = world.case
    case2 = CaseFactory(lead_authority=world.lead, national_reference="B-2", title="Second")
    case3 = CaseFactory(lead_authority=world.outsider.authority)
    carin, rrag = NetworkFactory(), NetworkFactory(code="rrag", acronym="RRAG")
    es, co = world.es, world.co
    a = {}
    a[1] = AssetFactory(case=case1, location_state=es, estimated_amount=D("1000.00"), valuation_date=date(2024, 3, 1))
    a[2] = AssetFactory(case=case1, location_state=co, estimated_amount=D("2200.00"), estimated_currency="USD",
                        valuation_date=date(2024, 3, 1), frozen=True)
    a[3] = AssetFactory(case=case1, location_state=es, estimated_amount=D("400000"), estimated_currency="COP",
                        valuation_date=date(2024, 2, 1), realised=True, realised_amount=D("500.00"), realised_currency="USD",
                        realised_at=at(2024, 7, 1), shared_at=at(2024, 9, 1), state="shared")
    a[7] = AssetFactory(case=case1, location_state=es, estimated_amount=D("50.00"), estimated_currency="GBP")
    a[4] = AssetFactory(case=case2, location_state=es, estimated_amount=D("3000.00"), realised=True,
                        realised_amount=D("2500.00"), realised_at=at(2024, 8, 1), returned_at=at(2024, 9, 1), state="returned")
    a[5] = AssetFactory(case=case2, location_state=co, estimated_amount=None, estimated_currency="", valuation_date=None)
    a[6] = AssetFactory(case=case3, location_state=es, estimated_amount=D("999.00"))
    for asset, network in [(a[2], carin), (a[3], carin), (a[3], rrag)]:
        OrderFactory(asset=asset, kind=OrderKind.TRACING_ENQUIRY, network=network, issuing_authority=None, executing_state=None)
    OrderFactory(asset=a[2])  # a freezing order executed in Colombia: no network
    return a


def values(row):
    return [row.assets, *(row.values[m] for m in reports.MEASURES)]


def test_totals_in_euro(world, data):
    report = reports.asset_report(actor=world.magistrate, group_by="case", currency="EUR")
    #                       assets identified     frozen       confiscated  realised     shared      returned
    assert values(report.total) == [6, D("6100.00"), D("5100.00"), D("3100.00"), D("2900.00"), D("400.00"), D("2500.00")]
    assert report.unconverted == [f"asset {data[7].pk} identified: no EUR/GBP rate on or before 2024-03-01"]


def test_per_case(world, data):
    report = reports.asset_report(actor=world.magistrate, group_by="case", currency="EUR")
    by_label = {r.label.split(" — ")[0]: r for r in report.rows}
    assert values(by_label[world.case.national_reference]) == [4, D("3100.00"), D("2100.00"), D("100.00"), D("400.00"), D("400.00"), D(0)]
    assert values(by_label["B-2"]) == [2, D("3000.00"), D("3000.00"), D("3000.00"), D("2500.00"), D(0), D("2500.00")]
    assert by_label[world.case.national_reference].unconverted and not by_label["B-2"].unconverted


def test_per_state(world, data):
    report = reports.asset_report(actor=world.magistrate, group_by="state", currency="EUR")
    rows = {r.key: r for r in report.rows}
    assert values(rows["ES"]) == [4, D("4100.00"), D("3100.00"), D("3100.00"), D("2900.00"), D("400.00"), D("2500.00")]
    assert values(rows["CO"]) == [2, D("2000.00"), D("2000.00"), D(0), D(0), D(0), D(0)]
    assert [r.label for r in report.rows] == ["Colombia", "Spain"]


def test_per_network_counts_an_asset_under_each_network(world, data):
    report = reports.asset_report(actor=world.magistrate, group_by="network", currency="EUR")
    rows = {r.key: r for r in report.rows}
    assert values(rows["carin"]) == [2, D("2100.00"), D("2100.00"), D("100.00"), D("400.00"), D("400.00"), D(0)]
    assert values(rows["rrag"]) == [1, D("100.00"), D("100.00"), D("100.00"), D("400.00"), D("400.00"), D(0)]
    assert values(rows["-"]) == [4, D("4000.00"), D("3000.00"), D("3000.00"), D("2500.00"), D(0), D("2500.00")]
    assert [r.label for r in report.rows] == ["CARIN", "RRAG", "(no network)"]
    assert report.total.assets == 6  # each asset once


def test_in_another_reporting_currency(world, data):
    report = reports.asset_report(actor=world.magistrate, group_by="case", currency="USD")
    # A1 1000 EUR × 1.10 = 1100.00; A2 2200.00 USD as is; A3 400000 COP / 4000 × 1.10 = 110.00; A4 3000 × 1.10 = 3300.00
    assert report.total.values["identified"] == D("6710.00")
    # realised: A3 500.00 USD as is; A4 2500 EUR on 2024-08-01 × 1.25 = 3125.00
    assert report.total.values["realised"] == D("3625.00")
    a4 = next(f for f in report.figures if f.asset_id == data[4].pk and f.measure == "realised")
    assert a4.converted.rates[0].date == date(2024, 6, 1) and a4.converted.rates[0].rate == D("1.25")


def test_the_auditor_sees_every_case(world, data):
    report = reports.asset_report(actor=world.auditor, group_by="case", currency="EUR")
    assert report.total.assets == 7 and report.total.values["identified"] == D("7099.00")
    assert reports.asset_report(actor=world.outsider, group_by="case", currency="EUR").total.assets == 1


def test_one_case_only(world, data):
    report = reports.asset_report(actor=world.magistrate, group_by="state", currency="EUR", case=world.case)
    assert report.total.assets == 4 and report.total.values["identified"] == D("3100.00")


def test_bad_parameters(world):
    with pytest.raises(ValidationFailed) as failed:
        reports.asset_report(actor=world.magistrate, group_by="case", currency="EUX")
    assert failed.value.problems[0].name == "reporting_currency"
    with pytest.raises(ValidationFailed):
        reports.asset_report(actor=world.magistrate, group_by="planet", currency="EUR")


def test_csv_export(world, data):
    content = reports.asset_report_csv(actor=world.magistrate, group_by="state", currency="EUR").decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == reports.HEADER
    assert rows[1][:10] == ["state", "Colombia", "2", "2000.00", "2000.00", "0.00", "0.00", "0.00", "0.00", "EUR"]
    assert rows[-1][:10] == ["state", "Total", "6", "6100.00", "5100.00", "3100.00", "2900.00", "400.00", "2500.00", "EUR"]
    assert "1 EUR = 1.1 USD (2024-01-01, ECB)" in rows[-1][10] and "no EUR/GBP rate" in rows[-1][11]
    entry = AuditEntry.objects.get(action="export")
    assert entry.after == {"format": "csv", "group_by": "state", "currency": "EUR", "rows": 2, "assets": 6}


def test_xlsx_export(world, data):
    workbook = load_workbook(io.BytesIO(reports.asset_report_xlsx(actor=world.magistrate, group_by="network", currency="EUR")))
    summary = workbook["Summary"]
    table = [[c.value for c in row] for row in summary.iter_rows(min_row=4)]
    assert table[0] == reports.HEADER
    assert table[-1][1:9] == ["Total", 6, 6100, 5100, 3100, 2900, 400, 2500]
    conversions = [[c.value for c in row] for row in workbook["Conversions"].iter_rows(min_row=2)]
    a3_realised = next(r for r in conversions if r[0] == data[3].pk and r[1] == "realised")
    assert a3_realised[2:4] == [500, "USD"] and a3_realised[5] == 400
    assert a3_realised[6] == "1 EUR = 1.25 USD (2024-06-01, ECB)"
    assert conversions[-1][1] == "not converted"
