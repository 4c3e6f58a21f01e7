"""Reference resources (countries, authorities, networks, instruments) and routing advice."""

import pytest

from coopcases.accounts.roles import RoleCode
from tests.api.conftest_api2 import assert_constant_queries, client_for, problem_names
from tests.factories import UserFactory
from tests.requests.factories import build_world

V1 = "/api/v1/"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def api(world):
    return client_for(UserFactory(authority=world.authorities["es-mjusticia"], roles=[RoleCode.CENTRAL_AUTHORITY_OFFICER]))


def test_anonymous_is_refused(world):
    from rest_framework.test import APIClient

    response = APIClient().get(V1 + "countries/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


def test_country_detail_carries_sources_and_flags(api):
    body = api.get(V1 + "countries/pe/").json()
    assert body["code"] == "PE" and body["name"] == body["names"]["en"]
    assert {"source", "verified", "accepted_languages_verified", "accepted_languages_source"} <= set(body)


def test_country_filters_and_bad_enum(api):
    body = api.get(V1 + "countries/", {"region": "eu"}).json()
    assert body["results"] and {c["region"] for c in body["results"]} == {"eu"}
    response = api.get(V1 + "countries/", {"region": "atlantis"})
    assert response.status_code == 400 and problem_names(response) == ["region"]


def test_unknown_country_is_404(api):
    response = api.get(V1 + "countries/zz/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")


def test_authorities_name_their_country(api, world):
    body = api.get(V1 + "authorities/", {"country": "ES"}).json()
    assert body["results"]
    assert all(a["country"]["code"] == "ES" and a["country"]["name"] for a in body["results"])


def test_instrument_lists_its_parties_with_flags(api, world):
    body = api.get(V1 + "instruments/BR_PT_1991/").json()
    assert body["verified"] is False
    assert {p["country"]["code"] for p in body["parties"]} >= {"BR", "PT"}
    assert all("dates_verified" in p and "source" in p for p in body["parties"])
    manag = api.get(V1 + "instruments/MANAGUA1993/").json()
    assert manag["parent"] == "NASSAU1992"


def test_instrument_filter_by_party(api):
    codes = {i["code"] for i in api.get(V1 + "instruments/", {"party": "pt", "page_size": 200}).json()["results"]}
    assert "BR_PT_1991" in codes and "SAN_LUIS1996" not in codes


def test_network_members_and_member_filter(api, world):
    body = api.get(V1 + "networks/", {"member": "PE"}).json()
    codes = [n["code"] for n in body["results"]]
    assert "iberred" in codes
    iberred = next(n for n in body["results"] if n["code"] == "iberred")
    assert "PE" in {m["country"]["code"] for m in iberred["members"]}


@pytest.mark.parametrize("resource", ["countries", "authorities", "networks", "instruments"])
def test_lists_make_a_constant_number_of_queries(api, resource):
    assert_constant_queries(api, V1 + resource + "/")


def test_cursor_pages_do_not_overlap(api):
    first = api.get(V1 + "countries/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert {c["code"] for c in first["results"]}.isdisjoint({c["code"] for c in second["results"]})


def test_routing_advice(api):
    response = api.get(V1 + "routing-advice/", {"requesting_state": "pe", "requested_state": "ES", "measures": "SEARCH_SEIZURE"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["code"] for i in body["instruments"]] == ["UNCAC", "UNTOC", "VIENNA1988"]
    assert {c["channel"] for c in body["channels"]} >= {"central_authority", "diplomatic"}
    assert body["languages"] == ["es"] and body["deadlines"] and body["warnings"]


@pytest.mark.parametrize(
    ("params", "blamed"),
    [
        ({"requested_state": "ES"}, ["requesting_state"]),
        ({"requesting_state": "PER", "requested_state": "ES"}, ["requesting_state"]),
        ({"requesting_state": "ZZ", "requested_state": "ES"}, ["requesting_state"]),
        ({"requesting_state": "ES", "requested_state": "ES"}, ["requested_state"]),
        ({"requesting_state": "PE", "requested_state": "ES", "offences": "NOPE"}, ["offences"]),
        ({"requesting_state": "PE", "requested_state": "ES", "measures": "SEARCH_SEIZURE,bad code"}, ["measures.1"]),
        ({"requesting_state": "PE", "requested_state": "ES", "kind": "letter"}, ["kind"]),
        ({"requesting_state": "PE", "requested_state": "ES", "on": "yesterday"}, ["on"]),
    ],
)
def test_routing_advice_bad_parameters(api, params, blamed):
    response = api.get(V1 + "routing-advice/", params)
    assert response.status_code == 400, response.content
    assert problem_names(response) == blamed


def test_unknown_query_parameter_and_ordering_are_refused(api):
    response = api.get(V1 + "authorities/", {"colour": "red"})
    assert response.status_code == 400 and problem_names(response) == ["colour"]
    response = api.get(V1 + "authorities/", {"ordering": "email"})
    assert response.status_code == 400 and problem_names(response) == ["ordering"]
    response = api.get(V1 + "routing-advice/", {"requesting_state": "PE", "requested_state": "ES", "colour": "red"})
    assert response.status_code == 400 and problem_names(response) == ["colour"]


def test_authorities_ordering(api):
    names = [a["name"] for a in api.get(V1 + "authorities/", {"ordering": "-name", "page_size": 200}).json()["results"]]
    assert names == sorted(names, reverse=True)


def test_boolean_filters_refuse_typos(api):
    response = api.get(V1 + "authorities/", {"designated_central_authority": "yes please"})
    assert response.status_code == 400 and problem_names(response) == ["designated_central_authority"]
    assert api.get(V1 + "networks/", {"carries_formal_requests": "true"}).status_code == 200
