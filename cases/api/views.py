"""`/api/v1/cases/` and `/api/v1/jits/`. Thin: selectors read, services write."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status

from cases import selectors, services
from cases.api import serializers as s
from cases.api.filters import CaseFilter, JITFilter
from cases.models import Case, JITParty, JointInvestigationTeam
from cases.workflow import CASE_WORKFLOW, JIT_WORKFLOW
from coopcases.api.viewsets import ResourceViewSet, TransitionsMixin
from networks.models import Authority, Country, Offence


@extend_schema_view(
    list=extend_schema(summary="Cases visible to the caller"),
    retrieve=extend_schema(summary="One case (ETag: its version)"),
    create=extend_schema(summary="Open a case led by the caller's authority", request=s.CaseWriteSerializer, responses={201: s.CaseSerializer}),
    partial_update=extend_schema(summary="Change a case (If-Match required)", request=s.CaseWriteSerializer, responses=s.CaseSerializer),
    transitions=extend_schema(summary="suspend, resume, close, reopen: GET lists them with why not, POST takes one"),
)
class CaseViewSet(TransitionsMixin, mixins.ListModelMixin, ResourceViewSet):
    scope_family = "cases"
    model = Case
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ("id", "created_at", "updated_at")
    http_method_names = ["get", "post", "patch", "head", "options"]
    workflow = CASE_WORKFLOW
    transition_serializer_class = s.CaseTransitionSerializer

    def visible_queryset(self, actor):
        return selectors.cases_visible_to(actor).select_related("lead_authority").prefetch_related(
            Prefetch("offences", queryset=Offence.objects.only("id", "code")),
            Prefetch("participating_countries", queryset=Country.objects.only("code")),
            Prefetch("participating_authorities", queryset=Authority.objects.only("id", "code")),
        )

    def get_serializer_class(self):
        return s.CaseWriteSerializer if self.action in ("create", "partial_update") else s.CaseSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.case_create(actor=request.user, **serializer.validated_data)
        return self.represent(case, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        version = self.expected_version(case, required=True)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        case = services.case_update(actor=request.user, case=case, expected_version=version, **serializer.validated_data)
        return self.represent(case)

    def perform_transition(self, obj, *, action, reason, params, expected_version):
        return services.case_transition(actor=self.request.user, case=obj, action=action, reason=reason, expected_version=expected_version)


@extend_schema_view(
    list=extend_schema(summary="Joint investigation teams visible to the caller"),
    retrieve=extend_schema(summary="One JIT (ETag: its version)"),
    create=extend_schema(summary="Propose a JIT (the caller's authority must be a party)", request=s.JITWriteSerializer, responses={201: s.JITSerializer}),
    partial_update=extend_schema(summary="Change the draft agreement (If-Match required)", request=s.JITWriteSerializer, responses=s.JITSerializer),
    transitions=extend_schema(summary="The JIT lifecycle: GET lists the steps with why not, POST takes one"),
)
class JITViewSet(TransitionsMixin, mixins.ListModelMixin, ResourceViewSet):
    scope_family = "cases"
    model = JointInvestigationTeam
    serializer_class = s.JITSerializer
    filterset_class = JITFilter
    ordering_fields = ("id", "created_at", "updated_at", "end_date")
    http_method_names = ["get", "post", "patch", "head", "options"]
    workflow = JIT_WORKFLOW
    transition_serializer_class = s.JITTransitionSerializer

    def visible_queryset(self, actor):
        return selectors.jits_visible_to(actor).select_related("legal_basis").prefetch_related(
            Prefetch("states_of_operation", queryset=Country.objects.only("code")),
            Prefetch("parties", queryset=JITParty.objects.select_related("authority")),
        )

    def get_serializer_class(self):
        return s.JITWriteSerializer if self.action in ("create", "partial_update") else s.JITSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        jit = services.jit_create(actor=request.user, **serializer.validated_data)
        return self.represent(jit, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        jit = self.get_object()
        version = self.expected_version(jit, required=True)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        jit = services.jit_update(actor=request.user, jit=jit, expected_version=version, **serializer.validated_data)
        return self.represent(jit)

    def perform_transition(self, obj, *, action, reason, params, expected_version):
        return services.jit_transition(actor=self.request.user, jit=obj, action=action, reason=reason, expected_version=expected_version)
