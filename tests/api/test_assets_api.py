"""Assets, asset orders and sharing agreements over the API: visibility, writes through the services, ETags,
transitions, bad input and query counts."""

from decimal import Decimal

import pytest

from assets.models import AssetState
from tests.api.conftest_api2 import assert_constant_queries, client_for, problem_names
from tests.assets.conftest import account, freezing_order, world  # noqa: F401 (fixtures)
from tests.assets.factories import AssetFactory

V1 = "/api/v1/"
IBAN = "ES7921000813610123456789"


@pytest.fixture
def api(world):  # noqa: F811
    return client_for(world.magistrate)


def _new_asset(world, **kw):  # noqa: F811
    return {
        "case": world.case.pk, "kind": "account", "description": "Savings account", "location_state": "ES",
        "identifiers": {"iban": IBAN}, "estimated_amount": "1200.50", "estimated_currency": "EUR", "valuation_date": "2024-05-01",
    } | kw


def test_create_asset(api, world):  # noqa: F811
    response = api.post(V1 + "assets/", _new_asset(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == AssetState.IDENTIFIED and body["reference"] == IBAN
    assert body["location_state"] == {"code": "ES", "name": "Spain"} and body["estimated_amount"] == "1200.5000"
    assert response["ETag"] == '"v1"' and response["Location"].endswith(f"/api/v1/assets/{body['id']}/")
    assert body["responsible_authority"]["id"] == world.lead.pk


@pytest.mark.parametrize(
    ("change", "blamed"),
    [
        ({"colour": "red"}, ["colour"]),
        ({"kind": "yacht"}, ["kind"]),
        ({"estimated_amount": "lots"}, ["estimated_amount"]),
        ({"location_state": "ZZ"}, ["location_state"]),
        ({"identifiers": {"iban": "ES00 1234"}}, ["identifiers.iban"]),
        ({"description": "x" * 501}, ["description"]),
        ({"state": "frozen"}, ["state"]),
    ],
)
def test_bad_asset_input_names_the_field(api, world, change, blamed):  # noqa: F811
    response = api.post(V1 + "assets/", _new_asset(world, **change), format="json")
    assert response.status_code == 400, response.content
    names = problem_names(response)
    assert names == blamed or (blamed == ["identifiers.iban"] and names and names[0].startswith("identifiers"))


def test_another_authoritys_case_is_not_a_valid_case(world):  # noqa: F811
    response = client_for(world.outsider).post(V1 + "assets/", _new_asset(world), format="json")
    assert response.status_code == 400 and problem_names(response) == ["case"]


def test_auditor_sees_but_may_not_create(world, account):  # noqa: F811
    auditor = client_for(world.auditor)
    assert auditor.get(V1 + f"assets/{account.pk}/").status_code == 200
    response = auditor.post(V1 + "assets/", _new_asset(world), format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_visibility(world, account):  # noqa: F811
    outsider = client_for(world.outsider)
    assert outsider.get(V1 + "assets/").json()["results"] == []
    response = outsider.get(V1 + f"assets/{account.pk}/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
    assert client_for(world.magistrate).get(V1 + f"assets/{account.pk}/").status_code == 200
    assert outsider.get(V1 + f"assets/{account.pk}/transitions/").status_code == 404


def test_patch_needs_the_current_etag(api, account):  # noqa: F811
    url = V1 + f"assets/{account.pk}/"
    response = api.patch(url, {"holder_name": "J. Pérez"}, format="json")
    assert response.status_code == 428 and problem_names(response) == ["If-Match"]
    response = api.patch(url, {"holder_name": "J. Pérez"}, format="json", HTTP_IF_MATCH='"v7"')
    assert response.status_code == 412
    etag = api.get(url)["ETag"]
    response = api.patch(url, {"holder_name": "J. Pérez"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response.json()["holder_name"] == "J. Pérez" and response["ETag"] != etag
    response = api.patch(url, {"kind": "vehicle"}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 400 and problem_names(response) == ["kind"]


def test_transitions(api, world, account):  # noqa: F811
    url = V1 + f"assets/{account.pk}/transitions/"
    listed = {t["action"]: t for t in api.get(url).json()["transitions"]}
    assert listed["trace"]["allowed"] and not listed["freeze"]["allowed"]
    assert listed["freeze"]["reasons"] == ["record the freezing order first"]
    response = api.post(url, {"action": "freeze"}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["action"]
    freezing_order(world, account)
    response = api.post(url, {"action": "freeze"}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "frozen" and response.json()["version"] == 2
    response = api.post(url, {"action": "teleport"}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["action"]
    response = api.post(url, {"action": "seize"}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 412


def test_outsider_may_not_transition_a_visible_asset(world, account):  # noqa: F811
    executor = client_for(world.spanish_executor)
    freezing_order(world, account)  # executed in Spain: the Spanish executing officer now sees the asset
    assert executor.get(V1 + f"assets/{account.pk}/").status_code == 200
    auditor = client_for(world.auditor)
    response = auditor.post(V1 + f"assets/{account.pk}/transitions/", {"action": "trace"}, format="json")
    assert response.status_code == 403


def test_asset_filters(api, world, account):  # noqa: F811
    AssetFactory(case=world.case, frozen=True)
    states = {a["state"] for a in api.get(V1 + "assets/", {"state": "frozen"}).json()["results"]}
    assert states == {"frozen"}
    both = api.get(V1 + "assets/", {"state": ["frozen", "identified"]}).json()["results"]
    assert len(both) == 2
    response = api.get(V1 + "assets/", {"state": "melted"})
    assert response.status_code == 400 and problem_names(response) == ["state"]
    response = api.get(V1 + "assets/", {"updated_since": "last week"})
    assert response.status_code == 400 and problem_names(response) == ["updated_since"]
    assert api.get(V1 + "assets/", {"updated_since": "2999-01-01T00:00:00Z"}).json()["results"] == []


def test_asset_list_query_count(api, world):  # noqa: F811
    for _ in range(3):
        AssetFactory(case=world.case)
    assert_constant_queries(api, V1 + "assets/")


# --- orders ---------------------------------------------------------------------


def test_record_and_correct_an_order(api, world, account):  # noqa: F811
    body = {"asset": account.pk, "kind": "freezing", "reference": "DL-1", "issuing_authority": world.lead.pk,
            "executing_authority": world.madrid_court.pk, "issued_on": "2024-03-02", "renewal_due_on": "2030-03-02"}
    response = api.post(V1 + "asset-orders/", body, format="json")
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["executing_state"]["code"] == "ES" and response["ETag"] == order["etag"]
    url = V1 + f"asset-orders/{order['id']}/"
    detail = api.get(url)
    assert detail.status_code == 200 and detail["ETag"] == order["etag"] and detail.json()["proceeding_type"] == ""
    assert api.patch(url, {"notes": "confirmed"}, format="json").status_code == 428
    response = api.patch(url, {"notes": "confirmed"}, format="json", HTTP_IF_MATCH=order["etag"])
    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "confirmed"
    assert api.patch(url, {"notes": "again"}, format="json", HTTP_IF_MATCH=order["etag"]).status_code == 412
    response = api.patch(url, {"kind": "seizure"}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 400 and problem_names(response) == ["kind"]


def test_order_rules_come_back_as_named_fields(api, account):  # noqa: F811
    response = api.post(V1 + "asset-orders/", {"asset": account.pk, "kind": "freezing"}, format="json")
    assert response.status_code == 400
    assert {"issuing_authority", "issued_on"} <= set(problem_names(response))


def test_orders_of_invisible_assets(world, account):  # noqa: F811
    order = freezing_order(world, account)
    outsider = client_for(world.outsider)
    assert outsider.get(V1 + f"asset-orders/{order.pk}/").status_code == 404
    response = outsider.post(V1 + "asset-orders/", {"asset": account.pk, "kind": "tracing_enquiry"}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["asset"]


def test_order_list_query_count(api, world, account):  # noqa: F811
    for i in range(3):
        freezing_order(world, account, reference=f"DL-{i}")
    assert_constant_queries(api, V1 + "asset-orders/", asset=account.pk)


# --- sharing agreements ---------------------------------------------------------


@pytest.fixture
def realised(world):  # noqa: F811
    return [
        AssetFactory(case=world.case, realised=True, realised_amount=Decimal(a), realised_currency="EUR", location_state=world.es)
        for a in ("600.00", "400.00")
    ]


def test_draft_and_conclude_an_agreement(api, world, realised):  # noqa: F811
    body = {"case": world.case.pk, "kind": "sharing", "basis": "case_specific", "assets": [a.pk for a in realised],
            "shares": [{"party": "ES", "percentage": "50"}, {"party": "CO", "percentage": "50"}],
            "deductions": [{"description": "Storage", "amount": "100.00", "incurred_by": "ES"}]}
    response = api.post(V1 + "sharing-agreements/", body, format="json")
    assert response.status_code == 201, response.content
    agreement = response.json()
    assert agreement["distributable_amount"] == "900.0000" and agreement["state"] == "draft"
    assert {s["party"]: s["amount"] for s in agreement["shares"]} == {"ES": "450.0000", "CO": "450.0000"}
    url = V1 + f"sharing-agreements/{agreement['id']}/transitions/"
    assert {t["action"] for t in api.get(url).json()["transitions"]} == {"agree", "cancel"}
    response = api.post(url, {"action": "cancel"}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["reason"]
    response = api.post(url, {"action": "agree"}, format="json", HTTP_IF_MATCH=agreement_etag(api, agreement["id"]))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "agreed"
    assert {a["state"] for a in api.get(V1 + "assets/", {"case": world.case.pk}).json()["results"]} == {"shared"}


def agreement_etag(api, pk):
    return api.get(V1 + f"sharing-agreements/{pk}/")["ETag"]


@pytest.mark.parametrize(
    ("change", "blamed"),
    [
        ({"shares": [{"party": "ES", "percentage": "60"}, {"party": "CO", "percentage": "50"}]}, "shares"),
        ({"shares": [{"party": "ES", "share": "all"}]}, "shares.0.share"),
        ({"basis": "goodwill"}, "basis"),
        ({"assets": [999999]}, "assets"),
    ],
)
def test_bad_agreements(api, world, realised, change, blamed):  # noqa: F811
    body = {"case": world.case.pk, "kind": "sharing", "basis": "case_specific", "assets": [a.pk for a in realised],
            "shares": [{"party": "ES", "percentage": "50"}, {"party": "CO", "percentage": "50"}]} | change
    response = api.post(V1 + "sharing-agreements/", body, format="json")
    assert response.status_code == 400, response.content
    assert any(n == blamed or n.startswith(blamed) for n in problem_names(response)), problem_names(response)


def test_agreement_list_query_count(api, world, realised):  # noqa: F811
    from assets import services

    for _ in range(2):
        services.agreement_create(actor=world.magistrate, case=world.case, kind="sharing", basis="case_specific", assets=realised,
                                  shares=[{"party": "ES", "percentage": "100"}])
    assert_constant_queries(api, V1 + "sharing-agreements/")
    assert client_for(world.outsider).get(V1 + "sharing-agreements/").json()["results"] == []


# --- partner systems: OAuth2 client credentials, scopes, idempotent retries -------


def test_a_partner_token_needs_the_assets_scopes(world, account, partner):  # noqa: F811
    reader = partner(world.lead, scopes=("assets:read",))
    assert [a["id"] for a in reader.api.get(V1 + "assets/").json()["results"]] == [account.pk]
    response = reader.api.post(V1 + "assets/", _new_asset(world), format="json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    other = partner(world.lead, scopes=("reference:read",))
    assert other.api.get(V1 + "assets/").status_code == 403
    assert other.api.get(V1 + "countries/").status_code == 200
    stranger = partner(world.madrid_court, scopes=("assets:read",))
    assert stranger.api.get(V1 + f"assets/{account.pk}/").status_code == 404


def test_a_retried_create_is_replayed_not_repeated(world, partner):  # noqa: F811
    writer = partner(world.lead, scopes=("assets:read", "assets:write"))
    body = _new_asset(world)
    first = writer.api.post(V1 + "assets/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = writer.api.post(V1 + "assets/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.content == first.content
    assert len(writer.api.get(V1 + "assets/").json()["results"]) == 1
    other = writer.api.post(V1 + "assets/", body | {"description": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
