from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRoot(APIView):
    """The v1 resources, each with its URL. Open to any authenticated caller, whatever its scopes."""

    resources: list[str] = []
    scope_free = True

    @extend_schema(responses={200: {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}}, operation_id="api_root")
    def get(self, request, *args, **kwargs):
        return Response({name: reverse(f"v1:{name}-list", request=request) for name in self.resources})
