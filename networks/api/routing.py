"""`GET /api/v1/routing-advice/`: which instruments, channels, languages and deadlines apply between two states.

The advice itself is `requests.routing.routing_advice`, the same code the filing form and the services use.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from coopcases.api.schema import ProblemAutoSchema
from networks.models import Measure, Offence
from requests.models import Channel, MlaRequestKind
from requests.routing import routing_advice

MAX_CODES = 20


class _CodeList(serializers.ListField):
    """Codes given repeated (`?offences=a&offences=b`) or comma-separated (`?offences=a,b`)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.SlugField(max_length=40), required=False, max_length=MAX_CODES, **kwargs)

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return serializers.empty
        return [code.strip() for value in dictionary.getlist(self.field_name) for code in value.split(",") if code.strip()]


class RoutingAdviceQuerySerializer(serializers.Serializer):
    requesting_state = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2 code of the requesting state")
    requested_state = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2 code of the requested state")
    offences = _CodeList(help_text="Offence codes (repeated or comma-separated)")
    measures = _CodeList(help_text="Measure codes (repeated or comma-separated)")
    kind = serializers.ChoiceField(MlaRequestKind.choices, required=False, help_text="Narrows channels and deadlines to one kind")
    urgent = serializers.BooleanField(required=False, default=False)
    on = serializers.DateField(required=False, help_text="The day the advice is for (default today)")

    def _known(self, model, codes, name):
        found = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise serializers.ValidationError(f"unknown {name} code(s): {', '.join(unknown)}", code="unknown")
        return codes

    def validate_offences(self, codes):
        return self._known(Offence, codes, "offence")

    def validate_measures(self, codes):
        return self._known(Measure, codes, "measure")


class InstrumentAdviceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    in_force_for_requesting_state = serializers.DateField()
    in_force_for_requested_state = serializers.DateField()
    in_force_for_both_since = serializers.DateField()
    verified = serializers.BooleanField()
    accepted_languages = serializers.ListField(child=serializers.CharField())
    requested_central_authority = serializers.CharField(allow_null=True)
    explanation = serializers.CharField()


class ContactPointAdviceSerializer(serializers.Serializer):
    country = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    authority = serializers.CharField(allow_null=True)
    email = serializers.CharField()
    phone = serializers.CharField()


class ChannelAdviceSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(Channel.choices)
    label = serializers.CharField()
    explanation = serializers.CharField()
    carries_formal_requests = serializers.BooleanField()
    urgent_only = serializers.BooleanField()
    network = serializers.CharField(allow_null=True)
    network_name = serializers.CharField(allow_null=True)
    contact_points = ContactPointAdviceSerializer(many=True)


class DeadlineAdviceSerializer(serializers.Serializer):
    label = serializers.CharField()
    is_legal_limit = serializers.BooleanField()
    explanation = serializers.CharField()
    period = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    rule = serializers.CharField(allow_null=True)
    applies_to = serializers.CharField(allow_null=True)
    verified = serializers.BooleanField()
    conditional = serializers.BooleanField()


class RoutingAdviceSerializer(serializers.Serializer):
    requesting_state = serializers.CharField()
    requested_state = serializers.CharField()
    on = serializers.DateField()
    instruments = InstrumentAdviceSerializer(many=True)
    channels = ChannelAdviceSerializer(many=True)
    languages = serializers.ListField(child=serializers.CharField())
    language_explanation = serializers.CharField()
    deadlines = DeadlineAdviceSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class _SingleObjectSchema(ProblemAutoSchema):
    """The advice is one object, although the router serves it on the collection URL."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class RoutingAdviceViewSet(viewsets.ViewSet):
    scope_family = "reference"
    schema = _SingleObjectSchema()

    @extend_schema(
        summary="Routing advice for a request between two states",
        tags=["reference"],
        parameters=[RoutingAdviceQuerySerializer],
        responses={200: RoutingAdviceSerializer},
        description="A missing, malformed or unknown parameter (or an unknown state, offence or measure code) is a 400 "
        "problem naming the parameter.",
    )
    def list(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - set(RoutingAdviceQuerySerializer().fields))
        if unknown:
            raise serializers.ValidationError({name: ["unknown query parameter"] for name in unknown}, code="unknown_parameter")
        query = RoutingAdviceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        advice = routing_advice(
            requesting_state=params["requesting_state"].upper(),
            requested_state=params["requested_state"].upper(),
            offences=params.get("offences", []),
            measures=params.get("measures", []),
            on=params.get("on"),
            kind=params.get("kind"),
            urgent=params["urgent"],
        )
        return Response(RoutingAdviceSerializer(advice).data)
