"""Reference data: countries, authorities, networks and legal instruments (read-only)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.generics import GenericAPIView

from coopcases.api.viewsets import ResourceViewSet
from networks import selectors
from networks.models import Authority, Country, Instrument, Network

from . import filters, serializers

_CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="The stable code of the record")


class _ReferenceViewSet(mixins.ListModelMixin, ResourceViewSet):
    scope_family = "reference"
    selector = None

    def visible_queryset(self, actor):
        return self.selector(actor)

    def get_object(self):
        if self.lookup_field == "pk":
            return super().get_object()
        return GenericAPIView.get_object(self)  # looked up by code, not by numeric id


@extend_schema_view(
    list=extend_schema(summary="List countries", tags=["reference"]),
    retrieve=extend_schema(
        summary="A country", tags=["reference"],
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="ISO 3166-1 alpha-2 code")],
    ),
)
class CountryViewSet(_ReferenceViewSet):
    """States, with the languages they accept for incoming requests (and whether that was verified)."""

    model = Country
    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilter
    selector = staticmethod(selectors.countries_visible_to)
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]{2}"
    ordering_fields = ()  # by code only: the primary key is the code
    ordering = ("code",)

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="List authorities", tags=["reference"]),
    retrieve=extend_schema(summary="An authority", tags=["reference"]),
)
class AuthorityViewSet(_ReferenceViewSet):
    """Central authorities, prosecution services, courts, asset recovery offices…"""

    model = Authority
    serializer_class = serializers.AuthoritySerializer
    filterset_class = filters.AuthorityFilter
    selector = staticmethod(selectors.authorities_visible_to)
    ordering_fields = ("id", "code", "name")
    ordering = ("id",)


@extend_schema_view(
    list=extend_schema(summary="List cooperation networks", tags=["reference"]),
    retrieve=extend_schema(summary="A network with its members", tags=["reference"], parameters=[_CODE]),
)
class NetworkViewSet(_ReferenceViewSet):
    """Networks of prosecutors, central authorities, police and asset recovery practitioners, with their members."""

    model = Network
    serializer_class = serializers.NetworkSerializer
    filterset_class = filters.NetworkFilter
    selector = staticmethod(selectors.networks_visible_to)
    lookup_field = "code"
    ordering_fields = ("id", "code", "acronym")
    ordering = ("code", "id")


@extend_schema_view(
    list=extend_schema(summary="List legal instruments", tags=["reference"]),
    retrieve=extend_schema(summary="A legal instrument with its parties", tags=["reference"], parameters=[_CODE]),
)
class InstrumentViewSet(_ReferenceViewSet):
    """Conventions, treaties and EU acts, with the states party to them and when each came into force."""

    model = Instrument
    serializer_class = serializers.InstrumentSerializer
    filterset_class = filters.InstrumentFilter
    selector = staticmethod(selectors.instruments_visible_to)
    lookup_field = "code"
    ordering_fields = ("id", "code", "short_name")
    ordering = ("code", "id")
