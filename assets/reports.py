"""How much was identified, frozen, confiscated, realised, shared and returned — per case, state or network,
in one reporting currency, over the assets the actor may see.

What each figure adds up (an asset counts once it reached the stage, even if it moved on or was released):
- identified, frozen, confiscated: the asset's estimated value, converted at its valuation date;
- realised, shared, returned: the realised amount, converted at the date it was realised.
Per network, an asset counts under every asset-recovery network it was traced through (so network rows may
overlap); the total row counts each asset once. A figure without a stored rate is left out of the sums and
listed as not converted; every converted figure keeps the rate and date it used (the Conversions sheet).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from coopcases.audit.services import audit_record
from coopcases.core.exceptions import FieldProblem, ValidationFailed
from networks.models import Country

from . import money
from .models import AssetOrder
from .rates import Converted, MissingRate, RateTable, RateUsed
from .selectors import assets_visible_to

MEASURES = ("identified", "frozen", "confiscated", "realised", "shared", "returned")
NO_NETWORK = "-"


class GroupBy(models.TextChoices):
    CASE = "case", _("case")
    STATE = "state", _("state where the asset is")
    NETWORK = "network", _("asset-recovery network")


@dataclass
class ReportRow:
    key: str
    label: str
    assets: int = 0
    values: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MEASURES, Decimal(0)))
    rates: set[RateUsed] = field(default_factory=set)
    unconverted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    asset_id: int
    measure: str
    converted: Converted


@dataclass
class AssetReport:
    group_by: str
    currency: str
    generated_at: datetime
    rows: list[ReportRow]
    total: ReportRow
    figures: list[Figure]
    unconverted: list[str]


_FIELDS = (
    "pk", "case_id", "case__national_reference", "case__title", "location_state_id", "estimated_amount",
    "estimated_currency", "valuation_date", "frozen_at", "confiscated_at", "realised_at", "realised_amount",
    "realised_currency", "shared_at", "returned_at",
)  # fmt: skip


def _asset_figures(asset: dict) -> list[tuple[str, Decimal, str, object]]:
    """(measure, amount, currency, date) for every stage the asset reached."""
    result = []
    if asset["estimated_amount"] is not None:
        estimate = (asset["estimated_amount"], asset["estimated_currency"], asset["valuation_date"])
        result.append(("identified", *estimate))
        if asset["frozen_at"]:
            result.append(("frozen", *estimate))
        if asset["confiscated_at"]:
            result.append(("confiscated", *estimate))
    if asset["realised_at"] and asset["realised_amount"] is not None:
        realised = (asset["realised_amount"], asset["realised_currency"], timezone.localdate(asset["realised_at"]))
        result.append(("realised", *realised))
        for measure in ("shared", "returned"):
            if asset[f"{measure}_at"]:
                result.append((measure, *realised))
    return result


def _group_keys(group_by: str, assets: list[dict]) -> tuple[dict[int, list[str]], dict[str, str]]:
    """Each asset's group keys and each key's label."""
    if group_by == GroupBy.CASE:
        keys = {a["pk"]: [str(a["case_id"])] for a in assets}
        labels = {str(a["case_id"]): f"{a['case__national_reference']} — {a['case__title']}" for a in assets}
        return keys, labels
    if group_by == GroupBy.STATE:
        countries = Country.objects.in_bulk({a["location_state_id"] for a in assets})
        return {a["pk"]: [a["location_state_id"]] for a in assets}, {code: str(c) for code, c in countries.items()}
    keys: dict[int, list[str]] = defaultdict(list)
    labels = {NO_NETWORK: str(_("(no network)"))}
    enquiries = (
        AssetOrder.objects.filter(asset_id__in=[a["pk"] for a in assets], network__isnull=False)
        .values_list("asset_id", "network__code", "network__acronym")
        .distinct()
        .order_by("asset_id", "network__code")
    )
    for asset_id, code, acronym in enquiries:
        keys[asset_id].append(code)
        labels[code] = acronym
    return {a["pk"]: keys.get(a["pk"]) or [NO_NETWORK] for a in assets}, labels


def asset_report(*, actor, group_by: str, currency: str, case=None, within: models.Q | None = None) -> AssetReport:
    """The figures over the assets `actor` may see (optionally of one case, or matching `within`), grouped by case,
    state or network."""
    currency = money.check_currency(currency, "reporting_currency")
    if group_by not in GroupBy.values:
        raise ValidationFailed("Unknown grouping.", [FieldProblem("group_by", f"one of {', '.join(GroupBy.values)}", "invalid_choice")])
    qs = assets_visible_to(actor)
    if case is not None:
        qs = qs.filter(case=case)
    if within is not None:
        qs = qs.filter(within)
    assets = list(qs.order_by("pk").values(*_FIELDS))
    keys, labels = _group_keys(group_by, assets)
    currencies = {a["estimated_currency"] for a in assets} | {a["realised_currency"] for a in assets} | {currency}
    table = RateTable.load(currencies - {""})
    rows: dict[str, ReportRow] = {}
    total = ReportRow("total", str(_("Total")))
    figures, unconverted = [], []
    for asset in assets:
        asset_rows = [rows.setdefault(k, ReportRow(k, labels.get(k, k))) for k in keys[asset["pk"]]]
        for row in (*asset_rows, total):
            row.assets += 1
        for measure, amount, from_currency, on_date in _asset_figures(asset):
            try:
                converted = table.convert(amount, from_currency, currency, on_date)
            except MissingRate as missing:
                note = f"asset {asset['pk']} {measure}: {missing.problems[0].reason}"
                unconverted.append(note)
                for row in (*asset_rows, total):
                    row.unconverted.append(note)
                continue
            figures.append(Figure(asset["pk"], measure, converted))
            for row in (*asset_rows, total):
                row.values[measure] += converted.amount
                row.rates.update(converted.rates)
    ordered = sorted(rows.values(), key=lambda r: (r.key == NO_NETWORK, r.label))
    return AssetReport(group_by, currency, timezone.now(), ordered, total, figures, unconverted)


# --- exports -------------------------------------------------------------------------------------------------

HEADER = ["group", "label", "assets", *MEASURES, "currency", "rates used", "not converted"]


def _cells(report: AssetReport, row: ReportRow) -> list:
    rates = "; ".join(sorted(r.describe() for r in row.rates))
    values = [money.quantize(row.values[m], report.currency) for m in MEASURES]
    return [report.group_by, row.label, row.assets, *values, report.currency, rates, "; ".join(row.unconverted)]


def _audit_export(actor, report: AssetReport, fmt: str, case):
    audit_record(
        actor=actor, action="export", object_type="assets.report", object_id=report.group_by, case_id=getattr(case, "pk", None),
        after={"format": fmt, "group_by": report.group_by, "currency": report.currency, "rows": len(report.rows), "assets": report.total.assets},
    )


@transaction.atomic(durable=True)
def asset_report_csv(*, actor, group_by: str, currency: str, case=None) -> bytes:
    """The report as UTF-8 CSV (one row per group, then the total); the export is audited."""
    report = asset_report(actor=actor, group_by=group_by, currency=currency, case=case)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in [*report.rows, report.total]:
        writer.writerow(_cells(report, row))
    _audit_export(actor, report, "csv", case)
    return buffer.getvalue().encode("utf-8")


@transaction.atomic(durable=True)
def asset_report_xlsx(*, actor, group_by: str, currency: str, case=None) -> bytes:
    """The report as an XLSX workbook: Summary (rows and total) and Conversions (each figure, its rate and date)."""
    report = asset_report(actor=actor, group_by=group_by, currency=currency, case=case)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    summary.append([f"Asset recovery by {report.group_by}, in {report.currency}"])
    summary.append([f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC"])
    summary.append([])
    summary.append(HEADER)
    for cell in summary[4]:
        cell.font = Font(bold=True)
    number_format = "#,##0" + ("." + "0" * money.minor_unit(report.currency) if money.minor_unit(report.currency) else "")
    for row in [*report.rows, report.total]:
        summary.append(_cells(report, row))
        for cell in summary[summary.max_row][3 : 3 + len(MEASURES)]:
            cell.number_format = number_format
    for cell in summary[summary.max_row]:
        cell.font = Font(bold=True)
    conversions = workbook.create_sheet("Conversions")
    conversions.append(["asset", "figure", "amount", "currency", "date", f"amount in {report.currency}", "rates used"])
    for figure in report.figures:
        c = figure.converted
        conversions.append([
            figure.asset_id, figure.measure, c.original_amount, c.original_currency, c.on_date, c.amount,
            "; ".join(r.describe() for r in c.rates) or "no conversion",
        ])
    for note in report.unconverted:
        conversions.append(["", "not converted", "", "", "", "", note])
    stream = io.BytesIO()
    workbook.save(stream)
    _audit_export(actor, report, "xlsx", case)
    return stream.getvalue()
