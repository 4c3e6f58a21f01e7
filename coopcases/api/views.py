from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRoot(APIView):
    """The v1 resources, each with its URL."""

    resources: list[str] = []

    def get(self, request, *args, **kwargs):
        return Response({name: reverse(f"v1:{name}-list", request=request) for name in self.resources})
