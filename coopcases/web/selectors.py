"""Reads for the dashboard and search: always starting from the apps' `*_visible_to(actor)` selectors."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from assets.models import Asset, AssetState
from assets.selectors import assets_visible_to
from cases.models import JITStatus
from cases.selectors import cases_visible_to, jits_visible_to
from coopcases.deadlines.models import Deadline, DeadlineState
from requests.models import OPEN_STATES
from requests.selectors import mla_requests_visible_to, with_deadlines

DASHBOARD_ROWS = 50
SEARCH_ROWS = 25
RUNNING_JIT_STATUSES = (
    JITStatus.PROPOSED, JITStatus.DRAFTING, JITStatus.NATIONAL_APPROVALS, JITStatus.SIGNATURE_PENDING,
    JITStatus.ACTIVE, JITStatus.AMENDMENT_PENDING, JITStatus.EVALUATION,
)
FINISHED_ASSET_STATES = (AssetState.RETURNED, AssetState.RELEASED, AssetState.NOT_FOUND, AssetState.CLOSED, AssetState.SHARED)


def open_requests_of(actor) -> QuerySet:
    """The actor's open MLA requests, earliest clock first (requests without a clock last)."""
    qs = mla_requests_visible_to(actor).filter(state__in=OPEN_STATES).select_related("requesting_state", "requested_state")
    return with_deadlines(qs).order_by(
        "-overdue", F("next_due_at").asc(nulls_last=True), F("requested_due_date").asc(nulls_last=True), "-updated_at"
    )[:DASHBOARD_ROWS]


def running_jits_of(actor) -> QuerySet:
    return jits_visible_to(actor).filter(status__in=RUNNING_JIT_STATUSES).select_related("case").order_by("end_date")[:DASHBOARD_ROWS]


def open_assets_of(actor) -> QuerySet:
    """The actor's open asset files, with the earliest open deadline (freezing renewals, confiscation decisions…)."""
    clocks = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Asset), object_id=Cast(OuterRef("pk"), CharField()), state=DeadlineState.OPEN
    )
    return (
        assets_visible_to(actor)
        .exclude(state__in=FINISHED_ASSET_STATES)
        .select_related("case", "location_state")
        .annotate(next_due_at=Subquery(clocks.order_by("due_at").values("due_at")[:1]))
        .order_by(F("next_due_at").asc(nulls_last=True), "-updated_at")[:DASHBOARD_ROWS]
    )


def search(actor, text: str) -> dict[str, list]:
    """Requests and cases the actor may see whose reference or title contains `text`."""
    text = text.strip()
    if not text:
        return {"requests": [], "cases": []}
    requests = (
        mla_requests_visible_to(actor)
        .filter(Q(reference__icontains=text) | Q(title__icontains=text))
        .select_related("requesting_state", "requested_state")
        .order_by("-updated_at")[:SEARCH_ROWS]
    )
    cases = cases_visible_to(actor).filter(Q(national_reference__icontains=text) | Q(title__icontains=text)).order_by("-updated_at")[:SEARCH_ROWS]
    return {"requests": list(requests), "cases": list(cases)}
