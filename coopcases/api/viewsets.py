"""The base every API resource builds on, and the transitions resource.

A resource subclasses `ResourceViewSet` (plus DRF's list/retrieve mixins as it needs) and declares:
- `model`, `scope_family` (coopcases.api.scopes) and `visible_queryset(actor)`: the app's selector, so every list and
  detail is filtered by the caller's visibility and an invisible object answers 404;
- `serializer_class` (the representation; for writes a `StrictSerializer` in `get_serializer_class`);
- `filterset_class`, `ordering_fields` (allow-list) and `ordering` (default, ends on the primary key).

It gets: strict query parameters, cursor pagination, ETag on detail and write responses (`represent`; the version,
or a digest of the representation for rows without one), 304 on a detail GET whose If-None-Match matches,
If-Match helpers (`expected_version`), Idempotency-Key on every POST, and 404 for ids that cannot exist.
Writes go through the app's services; serializers check shape only.
"""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpResponseBase
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from coopcases.api import idempotency
from coopcases.api.conditional import etag_for, etag_of_representation, not_modified
from coopcases.api.conditional import expected_version as _expected_version
from coopcases.api.filters import StrictFilterBackend, StrictOrderingFilter
from coopcases.api.permissions import HasScope
from coopcases.api.serializers import TransitionRequestSerializer, TransitionsSerializer
from coopcases.core.workflow import Workflow

MAX_ID = 2**63 - 1


class _Replay(Exception):
    def __init__(self, response):
        self.response = response


class ResourceViewSet(GenericViewSet):
    permission_classes = [HasScope]
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    ordering = ("-id",)
    ordering_fields: tuple[str, ...] = ("id",)
    scope_family: str | None = None
    model = None
    location_on_create = True  # False for resources without a detail URL

    def visible_queryset(self, actor):
        raise NotImplementedError

    def write_queryset(self, actor):
        """What a write (PATCH, POST …/transitions/) looks its object up in: the visible rows, but only what the
        view needs before the service locks and re-reads the row (its pk and `version` for If-Match). Narrow it when
        `visible_queryset` carries annotations or prefetches that only the representation needs."""
        return self.visible_queryset(actor)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no database
            return self.model._default_manager.none()
        if self.request.method not in SAFE_METHODS:
            return self.write_queryset(self.request.user)
        return self.visible_queryset(self.request.user)

    def lookup_pk(self) -> int:
        """The primary key in the URL; 404 for one that cannot exist."""
        value = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not value.isdigit() or int(value) > MAX_ID:
            raise NotFound()
        return int(value)

    def get_object(self):
        self.lookup_pk()
        return super().get_object()

    # -- representation with its ETag ---------------------------------------------------------------------------

    def represent(self, obj, status_code: int = status.HTTP_200_OK, serializer_class=None, reread: bool = True) -> Response:
        """The caller's view of `obj` with its ETag. After a write `obj` is re-read through the visible queryset, so
        the representation has its annotations and related rows."""
        fresh = self.visible_queryset(self.request.user).get(pk=obj.pk) if reread else obj
        serializer = (serializer_class or self.get_representation_class())(fresh, context=self.get_serializer_context())
        headers = {"ETag": etag_for(fresh) if hasattr(fresh, "version") else etag_of_representation(serializer.data)}
        if status_code == status.HTTP_201_CREATED and self.location_on_create:
            headers["Location"] = self.request.build_absolute_uri(self._detail_path(fresh))
        return Response(serializer.data, status=status_code, headers=headers)

    def get_representation_class(self):
        return self.serializer_class

    def _detail_path(self, obj) -> str:
        path = self.request.path
        head = path.split("/transitions/")[0] if "/transitions/" in path else path
        if self.action == "create":
            return f"{head.rstrip('/')}/{obj.pk}/"
        return head

    def retrieve(self, request, *args, **kwargs):
        # Represented first, so a 304 is decided on the caller's own view (and reads are audited all the same).
        return self.unless_not_modified(self.represent(self.get_object(), reread=False))

    def unless_not_modified(self, response: Response) -> Response:
        """A detail GET's answer, or 304 (no body) when the caller's If-None-Match names its ETag."""
        if not_modified(self.request, response["ETag"]):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": response["ETag"]})
        return response

    def expected_version(self, obj, *, required: bool) -> int | None:
        return _expected_version(self.request, obj, required=required)

    # -- Idempotency-Key on POST --------------------------------------------------------------------------------

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._claim = None
        if request.method == "POST":
            result = idempotency.claim(request)
            if isinstance(result, HttpResponseBase):
                raise _Replay(result)
            self._claim = result

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim = getattr(self, "_claim", None)
        if claim is not None:
            self._claim = None
            claim.complete(response)
        return response


class TransitionsMixin:
    """`GET …/{id}/transitions/`: what the caller may do now and why not the rest;
    `POST …/{id}/transitions/` `{"action", "reason", …params}`: do it (honours If-Match), answer the new representation.

    Declare `workflow` (a coopcases.core.workflow.Workflow), `transition_serializer_class` (a
    TransitionRequestSerializer whose `action` is a ChoiceField of the workflow's actions and whose extra fields are
    the actions' parameters) and implement `perform_transition(obj, action=, reason=, params=, expected_version=)`
    by calling the app's service. The schema picks the serializers up from these attributes."""

    workflow: Workflow
    transition_serializer_class = TransitionRequestSerializer

    def perform_transition(self, obj, *, action: str, reason: str, params: dict, expected_version: int | None):
        raise NotImplementedError

    def available_transitions(self, obj) -> list[dict]:
        out = []
        for availability in self.workflow.available(obj, self.request.user):
            row = asdict(availability)
            row["label"] = str(row["label"])
            row["reasons"] = [str(r) for r in row["reasons"]]
            out.append(row)
        return out

    @action(detail=True, methods=["get", "post"], url_path="transitions")
    def transitions(self, request, *args, **kwargs):
        """GET: the steps leaving the current state, each `allowed` or not with the `reasons` why not (the caller's
        role, a missing element, a date not reached…). POST `{"action", "reason", …parameters}`: take one step; the
        answer is the new representation with its ETag. Send `If-Match` to be sure nobody moved it first (412)."""
        obj = self.get_object()
        if request.method == "GET":
            state = getattr(obj, self.workflow.state_field)
            return Response(TransitionsSerializer({"state": state, "transitions": self.available_transitions(obj)}).data)
        serializer = self.transition_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        action_name, reason = data.pop("action"), data.pop("reason", "")
        params = {k: v for k, v in data.items() if v is not None}
        version = self.expected_version(obj, required=False)
        changed = self.perform_transition(obj, action=action_name, reason=reason, params=params, expected_version=version)
        return self.represent(changed)
