from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from coopcases.api.viewsets import ResourceViewSet
from coopcases.deadlines.models import Deadline
from coopcases.deadlines.selectors import deadlines_visible_to

from .filters import DeadlineFilter
from .serializers import DeadlineSerializer


@extend_schema_view(
    list=extend_schema(summary="List the deadlines of objects the caller may see", tags=["deadlines"]),
    retrieve=extend_schema(summary="A deadline", tags=["deadlines"]),
)
class DeadlineViewSet(mixins.ListModelMixin, ResourceViewSet):
    """Legal time limits, service levels and other due dates of MLA requests, JITs and asset orders (read-only:
    they open, pause and close with the workflow of their subject)."""

    scope_family = "deadlines"
    model = Deadline
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    ordering_fields = ("id", "due_at", "updated_at")
    ordering = ("due_at", "id")

    def visible_queryset(self, actor):
        return deadlines_visible_to(actor).select_related("content_type", "rule", "responsible_authority")
