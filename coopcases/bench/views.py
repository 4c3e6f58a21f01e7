"""A minimal MLA request list and detail for `make bench` when `/api/v1/mla-requests/` is not there yet.

Mounted only with BENCH_ENDPOINTS=true. It reads through the app's own selectors (visibility first), paginates with
the project's cursor pagination and serialises with an explicit DRF serializer, so it costs what a plain DRF
endpoint over our selectors costs; the benchmark says which of the two it measured.
"""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError

from coopcases.core.exceptions import NotVisible
from requests.models import MlaRequestState
from requests.selectors import mla_request_get, mla_requests_visible_to

FIELDS = ("id", "reference", "kind", "title", "state", "requesting_state", "requested_state", "requesting_authority",
          "requested_central_authority", "executing_authority", "urgent", "requested_due_date", "submitted_at",
          "transmitted_at", "created_at", "updated_at", "version")


class MlaRequestRowSerializer(serializers.Serializer):
    """Explicit read-only fields: a ModelSerializer rebuilds its fields from the model (lazy labels, validators) on
    every request, which costs more than the query (docs/benchmarks.md)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    requesting_state = serializers.CharField(source="requesting_state_id")
    requested_state = serializers.CharField(source="requested_state_id")
    requesting_authority = serializers.IntegerField(source="requesting_authority_id")
    requested_central_authority = serializers.IntegerField(source="requested_central_authority_id")
    executing_authority = serializers.IntegerField(source="executing_authority_id")
    urgent = serializers.BooleanField()
    requested_due_date = serializers.DateField()
    submitted_at = serializers.DateTimeField()
    transmitted_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class MlaRequestList(generics.ListAPIView):
    serializer_class = MlaRequestRowSerializer
    scope_family = "requests"

    def get_queryset(self):
        qs = mla_requests_visible_to(self.request.user).only(*[f for f in FIELDS if not f.endswith(("_state", "_authority"))],
                                                             "requesting_state_id", "requested_state_id",
                                                             "requesting_authority_id", "requested_central_authority_id",
                                                             "executing_authority_id")
        params = self.request.query_params
        if state := params.get("state"):
            if state not in MlaRequestState.values:
                raise ValidationError({"state": "unknown state"})
            qs = qs.filter(state=state)
        if requested_state := params.get("requested_state"):
            qs = qs.filter(requested_state_id=requested_state.upper())
        if updated_since := params.get("updated_since"):
            moment = parse_datetime(updated_since)
            if moment is None:
                raise ValidationError({"updated_since": "an ISO 8601 date-time"})
            qs = qs.filter(updated_at__gte=moment)
        return qs


class MlaRequestDetail(generics.RetrieveAPIView):
    serializer_class = MlaRequestRowSerializer
    scope_family = "requests"

    def get_object(self):
        try:
            return mla_request_get(actor=self.request.user, pk=self.kwargs["pk"])
        except NotVisible as exc:
            raise NotFound() from exc
