"""The statistics page and its CSV export: thin views over `selectors.cooperation_statistics`."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assets import money

from . import charts
from .forms import StatisticsFilterForm
from .selectors import NO_NETWORK, Statistics, cooperation_statistics, may_view_statistics
from .services import statistics_export_record

ASSET_MEASURES = ("identified", "frozen", "confiscated", "returned")


def _month_label(month) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def _short_month(month) -> str:
    return formats.date_format(month, "M Y")


def _days(value: float | None) -> str:
    # number_format cuts extra decimals; round first so 37.06 reads 37.1.
    return "—" if value is None else formats.number_format(round(value, 1), 1)


def _share(value: float | None) -> str:
    return "—" if value is None else formats.number_format(round(value * 100, 1), 1) + " %"


def _money(amount, currency: str) -> str:
    return formats.number_format(money.quantize(amount, currency), money.minor_unit(currency), force_grouping=True)


def asset_measure_labels() -> dict[str, str]:
    return {"identified": _("identified"), "frozen": _("frozen"), "confiscated": _("confiscated"), "returned": _("returned")}


def _charts(s: Statistics) -> dict[str, charts.Chart]:
    months = [_short_month(m) for m, _n in s.per_month]
    counts = [n for _m, n in s.per_month]
    result = {
        "per_month": charts.columns(
            "chart-per-month", _("Requests transmitted per month"),
            _("Column chart of the number of requests transmitted in each month of the period; the table beside it gives the numbers."),
            months, charts.Series(_("Requests"), counts, [formats.number_format(n) for n in counts]),
        ),
    }
    for key, tab, title in (
        ("requesting", s.by_requesting_state, _("Requests by requesting state")),
        ("requested", s.by_requested_state, _("Requests by requested state")),
        ("network", s.by_network, _("Requests by network")),
    ):
        totals = [tab.total(k) for k in tab.keys]
        result[key] = charts.horizontal_bars(
            f"chart-{key}", title, _("Bar chart of the requests transmitted in the period; the table beside it gives each month."),
            [tab.labels.get(k, k) for k in tab.keys], [charts.Series(_("Requests"), totals, [formats.number_format(n) for n in totals])],
        )
    result["durations"] = charts.horizontal_bars(
        "chart-durations", _("Days from transmission to execution"),
        _("Bar chart of the median and 90th-percentile days from transmission to execution, per requested state."),
        [r.label for r in s.durations],
        [
            charts.Series(_("Median"), [r.median_days for r in s.durations], [_days(r.median_days) for r in s.durations]),
            charts.Series(_("90th percentile"), [r.p90_days for r in s.durations], [_days(r.p90_days) for r in s.durations]),
        ],
    )
    shares = [r.overdue_share for r in s.outcomes]
    result["overdue"] = charts.horizontal_bars(
        "chart-overdue", _("Share of requests overdue"),
        _("Bar chart of the percentage of transmitted requests that are or were overdue, per requested state."),
        [r.label for r in s.outcomes], [charts.Series(_("Overdue"), [(v or 0) * 100 for v in shares], [_share(v) for v in shares])],
    )
    result["grounds"] = charts.horizontal_bars(
        "chart-grounds", _("Refusals by ground"), _("Bar chart of the refused requests citing each refusal ground."),
        [g.label for g in s.grounds], [charts.Series(_("Refused requests"), [g.refused for g in s.grounds], [str(g.refused) for g in s.grounds])],
    )
    total, currency = s.assets.total, s.assets.currency
    labels = asset_measure_labels()
    result["assets"] = charts.horizontal_bars(
        "chart-assets", _("Asset values (%(currency)s)") % {"currency": currency},
        _("Bar chart of the value of the assets identified, frozen, confiscated and returned, in %(currency)s.") % {"currency": currency},
        [labels[m] for m in ASSET_MEASURES],
        [charts.Series(currency, [float(total.values[m]) for m in ASSET_MEASURES], [_money(total.values[m], currency) for m in ASSET_MEASURES])],
    )
    return result


def _allowed(request) -> None:
    if not may_view_statistics(request.user):
        raise PermissionDenied


@login_required
@require_GET
def statistics_page(request):
    _allowed(request)
    form = StatisticsFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "web/statistics/index.html", {"form": form, "nav": "statistics"}, status=400)
    s = cooperation_statistics(actor=request.user, filters=form.filters())
    context = {
        "nav": "statistics",
        "form": form,
        "s": s,
        "charts": _charts(s),
        "months": [_month_label(m) for m in s.filters.months],
        "durations": [(r, _days(r.median_days), _days(r.p90_days)) for r in [*s.durations, s.duration_total]],
        "outcomes": [(r, _share(r.overdue_share)) for r in [*s.outcomes, s.outcome_total]],
        "asset_rows": [
            (row, [_money(row.values[m], s.assets.currency) for m in ASSET_MEASURES]) for row in [*s.assets.rows, s.assets.total]
        ],
        "asset_measures": [asset_measure_labels()[m] for m in ASSET_MEASURES],
        "export_query": request.GET.urlencode(),
    }
    return render(request, "web/statistics/index.html", context)


CSV_HEADER = ["figure", "month", "requesting_state", "requested_state", "network", "ground", "measure", "value", "unit"]


def csv_rows(s: Statistics) -> Iterator[list]:
    """Every figure of the page, one per line, in a long format a spreadsheet can pivot."""
    yield CSV_HEADER
    for month, n in s.per_month:
        yield ["requests_transmitted", month.strftime("%Y-%m"), "", "", "", "", "", n, "requests"]
    crosstabs = (
        ("requests_by_requesting_state", 2, s.by_requesting_state, False),
        ("requests_by_requested_state", 3, s.by_requested_state, False),
        ("requests_by_network", 4, s.by_network, True),
    )
    for figure, column, tab, labelled in crosstabs:
        for key in tab.keys:
            name = "" if key == NO_NETWORK else (tab.labels.get(key, key) if labelled else key)
            for month in tab.months:
                row = [figure, month.strftime("%Y-%m"), "", "", "", "", "", tab.cells[(month, key)], "requests"]
                row[column] = name
                yield row
    for r in [*s.durations, s.duration_total]:
        yield ["requests_executed", "", "", r.state, "", "", "", r.executed, "requests"]
        for measure in ("median", "p90"):
            value = getattr(r, f"{measure}_days")
            yield ["days_transmission_to_execution", "", "", r.state, "", "", measure, "" if value is None else round(value, 2), "days"]
    for r in [*s.outcomes, s.outcome_total]:
        yield ["requests_overdue", "", "", r.state, "", "", "", r.overdue, "requests"]
        yield ["share_overdue", "", "", r.state, "", "", "", "" if r.overdue_share is None else round(r.overdue_share, 4), "ratio"]
        yield ["requests_refused", "", "", r.state, "", "", "", r.refused, "requests"]
    for g in s.grounds:
        yield ["refusals_by_ground", "", "", "", "", g.code, "", g.refused, "requests"]
    currency = s.assets.currency
    for row in [*s.assets.rows, s.assets.total]:
        state = "" if row.key == "total" else row.key
        for measure in ASSET_MEASURES:
            yield ["asset_value", "", "", state, "", "", measure, money.quantize(row.values[measure], currency), currency]


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def statistics_csv(request):
    _allowed(request)
    form = StatisticsFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    s = cooperation_statistics(actor=request.user, filters=form.filters())
    statistics_export_record(actor=request.user, statistics=s)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in csv_rows(s)), content_type="text/csv; charset=utf-8")
    f = s.filters
    response["Content-Disposition"] = f'attachment; filename="cooperation-statistics-{f.first_month:%Y-%m}-{f.last_month:%Y-%m}.csv"'
    return response
