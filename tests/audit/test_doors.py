"""A read of confidential data is recorded whichever door it comes through: UI, admin, API or task.

Each HTTP door is driven through the real RequestContextMiddleware (which names the door and the client address);
the task door through the context Celery tasks set. The read itself is the MLA app's audited selector.
"""

import pytest
from django.http import JsonResponse
from django.test import RequestFactory

from coopcases.audit.models import AuditEntry
from coopcases.core.context import Door, acting
from coopcases.core.exceptions import ValidationFailed
from coopcases.core.middleware import RequestContextMiddleware
from requests.selectors import mla_request_persons
from tests.requests.factories import build_world, complete_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def confidential():
    world = build_world()
    req = complete_draft(world, "PE")
    return world.user("magistrate:pe-fecor"), req


def _read_persons(request):
    persons = mla_request_persons(actor=request.user, pk=int(request.GET["pk"]), purpose=request.GET.get("purpose", ""))
    return JsonResponse({"persons": [p.name for p in persons]})


@pytest.mark.parametrize(("path", "door"), [
    ("/requests/", Door.UI),
    ("/admin/mla/mlarequest/", Door.ADMIN),
    ("/api/v1/mla-requests/", Door.API),
])
def test_a_confidential_read_through_each_http_door_is_recorded_with_its_purpose(confidential, path, door):
    reader, req = confidential
    request = RequestFactory().get(path, {"pk": req.pk, "purpose": "prepare the hearing of 3 March"}, REMOTE_ADDR="2001:db8::7")
    request.user = reader
    response = RequestContextMiddleware(_read_persons)(request)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="view").get()
    assert (entry.door, entry.ip, entry.authority_id, entry.actor_id) == (door, "2001:db8::7", reader.authority_id, reader.pk)
    assert (entry.object_type, entry.object_id, entry.purpose) == ("mla.mlarequest", str(req.pk), "prepare the hearing of 3 March")
    assert entry.request_id == response["X-Request-Id"]


def test_a_confidential_read_by_a_task_is_recorded_as_the_task_door(confidential):
    reader, req = confidential
    with acting(Door.TASK):
        mla_request_persons(actor=reader, pk=req.pk, purpose="scheduled disclosure to the requested state")
    entry = AuditEntry.objects.filter(action="view").get()
    assert (entry.door, entry.ip, entry.purpose) == (Door.TASK, None, "scheduled disclosure to the requested state")


def test_a_confidential_read_without_a_purpose_is_refused_and_leaves_no_trace_of_data(confidential):
    reader, req = confidential
    with pytest.raises(ValidationFailed) as refused:
        mla_request_persons(actor=reader, pk=req.pk, purpose="  ")
    assert refused.value.code == "purpose_required"
    assert not AuditEntry.objects.filter(action="view").exists()
