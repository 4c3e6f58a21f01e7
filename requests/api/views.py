"""`/api/v1/mla-requests/` and its nested attachments, messages and events. Thin: selectors read, services write."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from coopcases.api.conditional import etag_of
from coopcases.api.serializers import EventSerializer
from coopcases.api.viewsets import ResourceViewSet, TransitionsMixin
from coopcases.events.models import Event
from requests import selectors, services
from requests.api import serializers as s
from requests.api.filters import EventFilter, MlaRequestFilter
from requests.models import Attachment, Message, MlaRequest, RequestMeasure
from requests.workflow import MLA_WORKFLOW

RELATED = ("requesting_authority", "requesting_central_authority", "requested_central_authority", "executing_authority", "channel_network")


@extend_schema_view(
    list=extend_schema(summary="MLA requests visible to the caller", description="Newest first by default; cursor-paginated."),
    retrieve=extend_schema(summary="One MLA request (ETag: its version)"),
    create=extend_schema(summary="File a new draft for the caller's authority", request=s.MlaRequestWriteSerializer, responses={201: s.MlaRequestSerializer}),
    partial_update=extend_schema(summary="Change a draft or a request returned for amendment (If-Match required)",
                                 request=s.MlaRequestWriteSerializer, responses=s.MlaRequestSerializer),
    transitions=extend_schema(summary="Lifecycle steps: GET lists them with why not, POST takes one"),
)
class MlaRequestViewSet(TransitionsMixin, mixins.ListModelMixin, ResourceViewSet):
    scope_family = "requests"
    model = MlaRequest
    serializer_class = s.MlaRequestSerializer
    filterset_class = MlaRequestFilter
    ordering_fields = ("id", "created_at", "updated_at", "reference")
    http_method_names = ["get", "post", "patch", "head", "options"]
    workflow = MLA_WORKFLOW
    transition_serializer_class = s.MlaTransitionSerializer

    def visible_queryset(self, actor):
        return selectors.with_deadlines(selectors.mla_requests_visible_to(actor)).select_related(*RELATED)

    # Reads represent plain rows (s.MlaRequestRepresentation), not model instances through the ModelSerializer: a
    # page of 50 then costs one query and a dict per row (docs/benchmarks.md).

    def _represented(self, qs) -> list[dict]:
        return s.MlaRequestRepresentation().many(list(selectors.mla_request_rows(self.request.user, qs)))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.mla_request_rows(request.user, self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(s.MlaRequestRepresentation().many(page))

    def retrieve(self, request, *args, **kwargs):
        found = self._represented(self.filter_queryset(self.get_queryset()).filter(pk=self.lookup_pk()))
        if not found:
            raise NotFound()
        return self.unless_not_modified(Response(found[0], headers={"ETag": etag_of(found[0]["version"])}))

    def represent(self, obj, status_code=status.HTTP_200_OK, serializer_class=None, reread=True):
        """After a write: the request re-read as a row, its ETag that row's version."""
        if serializer_class is not None:
            return super().represent(obj, status_code, serializer_class, reread)
        data = self._represented(self.visible_queryset(self.request.user).filter(pk=obj.pk))[0]
        headers = {"ETag": etag_of(data["version"])}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.request.build_absolute_uri(self._detail_path(obj))
        return Response(data, status=status_code, headers=headers)

    def write_queryset(self, actor):
        return selectors.mla_requests_visible_to(actor).only("id", "version")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return s.MlaRequestWriteSerializer
        return s.MlaRequestSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        req = services.mla_request_create(actor=request.user, **serializer.validated_data)
        return self.represent(req, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        version = self.expected_version(obj, required=True)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        req = services.mla_request_update(pk=obj.pk, actor=request.user, changes=serializer.validated_data, expected_version=version)
        return self.represent(req)

    def perform_transition(self, obj, *, action, reason, params, expected_version):
        return services.mla_request_transition(
            pk=obj.pk, action=action, actor=self.request.user, reason=reason, params=params, expected_version=expected_version
        )


class _NestedViewSet(mixins.ListModelMixin, ResourceViewSet):
    """A list under one visible request (`request_pk` in the URL); the request answers 404 when invisible."""

    scope_family = "requests"
    ordering = ("id",)
    ordering_fields = ()
    location_on_create = False


    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.parent()  # an invisible request answers 404 before its body is read or validated (IDOR)

    def parent(self):
        if not hasattr(self, "_parent"):
            value = str(self.kwargs["request_pk"])
            self._parent = selectors.mla_request_get(actor=self.request.user, pk=int(value) if value.isdigit() and int(value) < 2**63 else 0)
        return self._parent


@extend_schema_view(
    list=extend_schema(summary="Attachments of a request (metadata; superseded versions included)"),
    retrieve=extend_schema(summary="One attachment's metadata (ETag: a digest of it; If-None-Match answers 304)"),
    create=extend_schema(summary="Attach a file", request={"multipart/form-data": s.AttachmentUploadSerializer}, responses={201: s.AttachmentSerializer}),
)
class AttachmentViewSet(_NestedViewSet):
    model = Attachment
    location_on_create = True  # …/attachments/{id}/
    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser]

    def visible_queryset(self, actor):
        return Attachment.objects.filter(request=self.parent()).select_related("authority")

    def create(self, request, *args, **kwargs):
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        upload = data.pop("file")
        attachment = services.attachment_add(request_pk=self.parent().pk, actor=request.user, file=upload, name=upload.name, **data)
        return self.represent(attachment, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The request's message thread, as the caller's side may read it"),
    retrieve=extend_schema(summary="One message the caller's side may read (ETag: a digest of it; If-None-Match answers 304)"),
    create=extend_schema(summary="Post a message (status enquiry, consultation)", request=s.MessageWriteSerializer, responses={201: s.MessageSerializer}),
)
class MessageViewSet(_NestedViewSet):
    model = Message
    location_on_create = True  # …/messages/{id}/
    serializer_class = s.MessageSerializer

    def visible_queryset(self, actor):
        return selectors.mla_request_messages(actor=actor, pk=self.parent().pk).select_related("authority")

    def create(self, request, *args, **kwargs):
        serializer = s.MessageWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_post(request_pk=self.parent().pk, actor=request.user, **serializer.validated_data)
        return self.represent(message, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The measures requested"),
    create=extend_schema(summary="Add a measure to a draft (If-Match on the request optional)", request=s.MeasureWriteSerializer,
                         responses={201: s.MeasureSerializer}),
)
class MeasureViewSet(_NestedViewSet):
    model = RequestMeasure
    serializer_class = s.MeasureSerializer

    def visible_queryset(self, actor):
        return RequestMeasure.objects.filter(request=self.parent()).select_related("measure")

    def create(self, request, *args, **kwargs):
        serializer = s.MeasureWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = self.parent()
        item = services.measure_add(
            request_pk=parent.pk, actor=request.user, expected_version=self.expected_version(parent, required=False), **serializer.validated_data
        )
        return self.represent(item, status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="The request's status history, oldest first; `after` follows it"))
class EventViewSet(_NestedViewSet):
    model = Event
    serializer_class = EventSerializer
    filterset_class = EventFilter

    def visible_queryset(self, actor):
        return selectors.mla_request_events(actor=actor, pk=self.parent().pk).select_related("authority")
