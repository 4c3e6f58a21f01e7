"""The statistics page and its CSV export: who reaches them, what they show, the audit row, the query count."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coopcases.audit.models import AuditEntry
from requests.models import MlaRequestState
from tests.factories import UserFactory
from tests.web import statistics_data
from tests.web.statistics_data import dataset

PAGE = reverse("statistics:index")
CSV = reverse("statistics:export_csv")
Q1 = {"start": "2026-01", "end": "2026-03"}


@pytest.fixture
def data(db):
    return dataset()


def signed_in(client, user):
    client.force_login(user)
    return client


def export(client, **params) -> list[dict]:
    response = client.get(CSV, {**Q1, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_the_page_shows_charts_with_accessible_titles_and_the_numbers(client, data):
    response = signed_in(client, data.es_officer).get(PAGE, Q1)
    assert response.status_code == 200
    html = response.content.decode()
    svgs = re.findall(r'<svg class="chart" role="img"[^>]*aria-labelledby="([\w-]+)-title \1-desc"', html)
    assert svgs == ["chart-per-month", "chart-requesting", "chart-requested", "chart-network", "chart-durations",
                    "chart-overdue", "chart-grounds", "chart-assets"]
    assert '<title id="chart-per-month-title">Requests transmitted per month</title>' in html
    assert '<desc id="chart-durations-desc">' in html
    assert "7 requests transmitted from January 2026 to March 2026." in html
    # The numbers beside the charts: median and p90 for Spain, the asset total in euro.
    assert re.search(r"<th scope=\"row\">Spain</th><td class=\"number\">4</td><td class=\"number\">25.0</td><td class=\"number\">37.0</td>", html)
    assert "10,000.00" in html and "2,500.00" in html
    assert "https://" not in html.split("<body")[1]  # nothing fetched from elsewhere


def test_the_page_is_translated(client, data):
    data.es_officer.preferred_language = "es"
    data.es_officer.save(update_fields=["preferred_language"])
    client = signed_in(client, data.es_officer)
    response = client.get(PAGE, Q1)
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()


@pytest.mark.parametrize("who", ["magistrate:pe-fecor", "contact:pe-fn", "exec:es-anticorrupcion", "nobody:es-mjusticia"])
def test_other_roles_are_refused(client, data, who):
    client = signed_in(client, data.w.user(who))
    assert client.get(PAGE, Q1).status_code == 403
    assert client.get(CSV, Q1).status_code == 403
    assert not AuditEntry.objects.filter(object_type="web.statistics").exists()


def test_administrators_without_a_statistics_role_are_refused(client, data):
    admin = UserFactory(is_staff=True, is_superuser=True, authority=data.w.authorities["es-mjusticia"])
    assert signed_in(client, admin).get(PAGE, Q1).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, data):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(CSV).status_code == 302


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-03", "end": "2026-01"}, "end", "The last month comes before the first."),
        ({"start": "2026-13"}, "start", "Enter a month as YYYY-MM."),
        ({"start": "2000-01", "end": "2026-01"}, "end", "Choose at most 120 months."),
        ({"currency": "XYZ"}, "currency", "Unknown currency code"),
        ({"network": "no-such-network"}, "network", "Select a valid choice"),
    ],
)
def test_bad_filters_are_shown_next_to_their_field(client, data, params, field, message):
    client = signed_in(client, data.auditor)
    response = client.get(PAGE, params)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert client.get(CSV, params).status_code == 400
    assert not AuditEntry.objects.filter(object_type="web.statistics").exists()


def test_the_csv_export_has_every_figure_with_the_filters_and_is_audited(client, data):
    client = signed_in(client, data.es_officer)
    rows = export(client, network="iberred")
    per_month = [(r["month"], r["value"]) for r in rows if r["figure"] == "requests_transmitted"]
    assert per_month == [("2026-01", "1"), ("2026-02", "1"), ("2026-03", "0")]
    assert [(r["network"], r["month"], r["value"]) for r in rows if r["figure"] == "requests_by_network"] == [
        ("IberRed", "2026-01", "1"), ("IberRed", "2026-02", "1"), ("IberRed", "2026-03", "0"),
    ]
    days = {(r["requested_state"], r["measure"]): r["value"] for r in rows if r["figure"] == "days_transmission_to_execution"}
    assert days == {("ES", "median"): "25.0", ("ES", "p90"): "37.0", ("", "median"): "25.0", ("", "p90"): "37.0"}
    entry = AuditEntry.objects.get(object_type="web.statistics")
    assert (entry.action, entry.actor, entry.door) == ("export", data.es_officer, "ui")
    assert entry.after == {"format": "csv", "from": "2026-01", "to": "2026-03", "state": "", "network": "iberred", "currency": "EUR",
                           "requests": 2, "assets": 0}


def test_the_csv_export_has_refusals_and_asset_values(client, data):
    rows = export(signed_in(client, data.es_officer))
    assert [(r["ground"], r["value"]) for r in rows if r["figure"] == "refusals_by_ground"] == [
        ("NO_DUAL_CRIMINALITY", "1"), ("ESSENTIAL_INTERESTS", "1"),
    ]
    refused = {r["requested_state"]: r["value"] for r in rows if r["figure"] == "requests_refused"}
    assert refused == {"ES": "1", "": "1"}
    assets = {(r["requested_state"], r["measure"]): r["value"] for r in rows if r["figure"] == "asset_value"}
    assert assets[("", "identified")] == "10000.00" and assets[("", "returned")] == "2500.00"
    assert assets[("PT", "confiscated")] == "3000.00"
    assert {r["unit"] for r in rows if r["figure"] == "asset_value"} == {"EUR"}


def test_another_authority_does_not_see_these_requests_counted(client, data):
    rows = export(signed_in(client, data.us_officer))
    assert [r["value"] for r in rows if r["figure"] == "requests_transmitted"] == ["0", "1", "1"]
    assert {r["requesting_state"] for r in rows if r["figure"] == "requests_by_requesting_state"} == {"CO"}
    assert {r["requested_state"] for r in rows if r["figure"] == "requests_by_requested_state"} == {"US"}
    html = client.get(PAGE, Q1).content.decode()
    requests_part = html.split('id="h-months"')[1].split('id="h-assets"')[0]  # the filter's list names every state
    assert "Colombia" in requests_part and "Peru" not in requests_part and "Spain" not in requests_part


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PAGE, Q1).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_costs_a_fixed_number_of_queries(client, data):
    client = signed_in(client, data.auditor)
    _page_queries(client)  # warm the caches (content types, session)
    before = _page_queries(client)
    w = data.w
    for origin, requested, network in [("PE", "US", "rrag"), ("BR", "US", "carin"), ("AR", "ES", "ameripol"), ("CO", "ES", "rfai")]:
        req = statistics_data._request(w, origin, requested, MlaRequestState.EXECUTED, statistics_data.at(2026, 2, 14), network)
        statistics_data._executed(req, 3)
        statistics_data._refused(w, req, "TAX_OFFENCE", "BANK_SECRECY")
    assert _page_queries(client) == before
    assert before <= 20


def test_a_period_without_requests_renders_empty_charts(client, data):
    response = signed_in(client, data.auditor).get(PAGE, {"start": "2020-01", "end": "2020-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 requests transmitted from January 2020 to February 2020." in html
    assert "No refusals in this period." in html
    assert html.count('role="img"') == 8
