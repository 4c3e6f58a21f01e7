"""The API reads MLA requests as plain rows (requests.selectors.mla_request_rows, MlaRequestRepresentation): for every
kind of caller the list and the detail say exactly what MlaRequestSerializer says of the same requests, confidential
fields null where the caller may not see them."""

import zoneinfo
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from requests import selectors
from requests.api.serializers import MlaRequestSerializer
from requests.api.views import RELATED
from requests.models import MlaRequest
from requests.models import MlaRequestState as S
from tests.api.conftest import session_client
from tests.requests.factories import advance, complete_draft, informal_enquiry, step

pytestmark = pytest.mark.django_db
URL = "/api/v1/mla-requests/"

# drafter, colleagues who only see their authority's requests (no confidential content), both central authorities,
# an auditor, a network contact point (confidential fields withheld), the informal enquiry's drafter
ACTORS = ("magistrate:pe-fecor", "exec:pe-fecor", "ca:pe-fecor", "ca:pe-fn", "ca:es-mjusticia", "auditor:co-fgn",
          "contact:uy-fiscalia", "magistrate:ar-procelac")


def _serialized(actor) -> list[dict]:
    qs = (selectors.with_deadlines(selectors.mla_requests_visible_to(actor)).select_related(*RELATED)
          .prefetch_related("legal_bases", "offences").order_by("-id"))
    return list(MlaRequestSerializer(qs, many=True, context={"request": SimpleNamespace(user=actor)}).data)


def test_list_and_detail_equal_the_serializer_for_every_kind_of_caller(world):
    late = complete_draft(world)
    MlaRequest.objects.filter(pk=late.pk).update(requested_due_date=date(2020, 1, 1))  # a draft already overdue
    advance(world, complete_draft(world, offences=["MONEY_LAUNDERING", "DRUG_TRAFFICKING"]), S.SUBMITTED)
    advance(world, complete_draft(world), S.IN_EXECUTION)  # open clocks: next_due_at
    enquiry = informal_enquiry(world, network="rrag", facts_summary="Funds moved through Montevideo.")
    step(enquiry, "send_informal", world.user("magistrate:ar-procelac"))
    world.user("contact:uy-fiscalia").contact_point_networks.add(world.networks["rrag"])
    lima = world.user("ca:es-mjusticia")
    lima.time_zone = "America/Lima"  # moments in the caller's time zone, as DRF's DateTimeField gives them
    lima.save(update_fields=["time_zone"])

    withheld = shown = 0
    for key in ACTORS:
        actor = world.user(key)
        api = session_client(actor)
        listed = api.get(URL, {"page_size": 200}).json()["results"]
        with timezone.override(zoneinfo.ZoneInfo(actor.time_zone)):
            expected = _serialized(actor)
        assert listed == expected, key
        assert listed, key
        for row in listed:
            detail = api.get(f"{URL}{row['id']}/")
            assert detail.json() == row and detail["ETag"] == f'"v{row["version"]}"', key
        withheld += sum(row["facts_summary"] is None for row in listed)
        shown += sum(row["facts_summary"] is not None for row in listed)
    assert withheld and shown  # both cases were compared


def test_codes_are_read_in_one_query_each_when_the_database_did_not_give_them(world, django_assert_num_queries):
    """The path for databases without arrays (SQLite in `make run`)."""
    first = complete_draft(world, offences=["MONEY_LAUNDERING", "DRUG_TRAFFICKING"])
    second = complete_draft(world, "BR")
    with django_assert_num_queries(2):
        rows = selectors.with_codes([{"id": first.pk}, {"id": second.pk}])
    assert rows[0]["legal_basis_codes"] == ["UNTOC", "VIENNA1988"] and rows[0]["offence_codes"] == ["DRUG_TRAFFICKING", "MONEY_LAUNDERING"]
    assert rows[1]["legal_basis_codes"] == ["BR_PT_1991", "UNCAC"] and rows[1]["offence_codes"] == ["MONEY_LAUNDERING"]


def test_without_arrays_in_the_database_the_representation_is_the_same(world, monkeypatch):
    advance(world, complete_draft(world, offences=["MONEY_LAUNDERING", "DRUG_TRAFFICKING"]), S.SUBMITTED)
    api = session_client(world.user("ca:pe-fn"))
    expected = api.get(URL).json()["results"]
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the path of `make run`, on PostgreSQL too
    assert api.get(URL).json()["results"] == expected and expected[0]["offences"] == ["DRUG_TRAFFICKING", "MONEY_LAUNDERING"]
