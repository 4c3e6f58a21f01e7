"""Assets, their orders and sharing agreements. Every write goes through assets/services.py."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status

from assets import services
from assets.models import Asset, AssetOrder, SharingAgreement
from assets.selectors import agreements_visible_to, asset_orders_visible_to, assets_visible_to
from assets.workflow import agreement_workflow, asset_workflow
from coopcases.api.conditional import expected_version
from coopcases.api.viewsets import ResourceViewSet, TransitionsMixin

from . import filters, serializers


class _VersionOf:
    def __init__(self, order: AssetOrder):
        self.version = serializers.order_version(order)


@extend_schema_view(
    list=extend_schema(summary="List the assets the caller may see", tags=["assets"]),
    retrieve=extend_schema(summary="An asset", tags=["assets"]),
    create=extend_schema(summary="Record an identified asset of a case", tags=["assets"], request=serializers.AssetCreateSerializer,
                         responses={201: serializers.AssetSerializer}),
    partial_update=extend_schema(summary="Change an asset's description, identifiers, location, holder or estimate", tags=["assets"],
                                 request=serializers.AssetUpdateSerializer, responses={200: serializers.AssetSerializer}),
    transitions=extend_schema(summary="The asset's lifecycle transitions", tags=["assets"]),
)
class AssetViewSet(mixins.ListModelMixin, TransitionsMixin, ResourceViewSet):
    """Assets of cases: identified, traced, frozen or seized, confiscated, realised, shared or returned."""

    scope_family = "assets"
    model = Asset
    serializer_class = serializers.AssetSerializer
    filterset_class = filters.AssetFilter
    ordering_fields = ("id", "created_at", "updated_at")
    http_method_names = ["get", "post", "patch", "head", "options"]
    workflow = asset_workflow
    transition_serializer_class = serializers.AssetTransitionSerializer

    def visible_queryset(self, actor):
        return assets_visible_to(actor).select_related("case", "location_state", "responsible_authority")

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.AssetCreateSerializer
        if self.action == "partial_update":
            return serializers.AssetUpdateSerializer
        return serializers.AssetSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = services.asset_create(actor=request.user, **serializer.validated_data)
        return self.represent(asset, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        asset = self.get_object()
        version = self.expected_version(asset, required=True)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = services.asset_update(actor=request.user, asset=asset, expected_version=version, **serializer.validated_data)
        return self.represent(asset)

    def perform_transition(self, obj, *, action, reason, params, expected_version):
        return services.asset_transition(actor=self.request.user, asset=obj, action=action, reason=reason, expected_version=expected_version)


@extend_schema_view(
    list=extend_schema(summary="List orders and measures on visible assets", tags=["assets"]),
    retrieve=extend_schema(summary="An order or measure", tags=["assets"]),
    create=extend_schema(summary="Record an enquiry, order or measure on an asset", tags=["assets"],
                         request=serializers.AssetOrderCreateSerializer, responses={201: serializers.AssetOrderSerializer}),
    partial_update=extend_schema(summary="Correct or complete an order (answer, finality, renewal date, costs)", tags=["assets"],
                                 request=serializers.AssetOrderUpdateSerializer, responses={200: serializers.AssetOrderSerializer}),
)
class AssetOrderViewSet(mixins.ListModelMixin, ResourceViewSet):
    """Tracing enquiries, freezing, seizure and confiscation orders, management and disposal on an asset.

    Orders have no version column: their ETag (also in the body as `etag`) is derived from their last change."""

    scope_family = "assets"
    model = AssetOrder
    serializer_class = serializers.AssetOrderSerializer
    filterset_class = filters.AssetOrderFilter
    ordering_fields = ("id", "issued_on", "updated_at")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def visible_queryset(self, actor):
        return asset_orders_visible_to(actor).select_related(
            "issuing_authority", "executing_state", "executing_authority", "custodian_authority", "legal_basis", "network"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.AssetOrderCreateSerializer
        if self.action == "partial_update":
            return serializers.AssetOrderUpdateSerializer
        return serializers.AssetOrderSerializer

    def represent(self, obj, *args, **kwargs):
        response = super().represent(obj, *args, **kwargs)
        response["ETag"] = response.data["etag"]
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = services.order_add(actor=request.user, asset=data.pop("asset"), kind=data.pop("kind"), **data)
        return self.represent(order, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Compared before the service runs (order_update takes no version: the asset's row lock serialises writers).
        expected_version(request, _VersionOf(order), required=True)
        order = services.order_update(actor=request.user, order=order, **serializer.validated_data)
        return self.represent(order)


@extend_schema_view(
    list=extend_schema(summary="List visible sharing and return agreements", tags=["assets"]),
    retrieve=extend_schema(summary="A sharing or return agreement with its shares and deductions", tags=["assets"]),
    create=extend_schema(summary="Draft a sharing or return agreement over realised assets", tags=["assets"],
                         request=serializers.SharingAgreementCreateSerializer, responses={201: serializers.SharingAgreementSerializer}),
    transitions=extend_schema(summary="Conclude or cancel the agreement", tags=["assets"]),
)
class SharingAgreementViewSet(mixins.ListModelMixin, TransitionsMixin, ResourceViewSet):
    """Sharing (UNTOC art. 14, UNCAC art. 57, Reg. 2018/1805 art. 30) and return of realised proceeds."""

    scope_family = "assets"
    model = SharingAgreement
    serializer_class = serializers.SharingAgreementSerializer
    filterset_class = filters.SharingAgreementFilter
    ordering_fields = ("id", "created_at", "updated_at")
    http_method_names = ["get", "post", "head", "options"]
    workflow = agreement_workflow
    transition_serializer_class = serializers.AgreementTransitionSerializer

    def visible_queryset(self, actor):
        return agreements_visible_to(actor).select_related("case", "instrument", "sharing_rule").prefetch_related(
            "shares", "deductions", "assets"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.SharingAgreementCreateSerializer
        return serializers.SharingAgreementSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        for name in ("shares", "deductions"):
            if name in data:
                data[name] = [dict(item) for item in data[name]]
        agreement = services.agreement_create(actor=request.user, **data)
        return self.represent(agreement, status.HTTP_201_CREATED)

    def perform_transition(self, obj, *, action, reason, params, expected_version):
        if action == "agree":
            return services.agreement_validate(actor=self.request.user, agreement=obj, expected_version=expected_version)
        return services.agreement_cancel(actor=self.request.user, agreement=obj, reason=reason)
