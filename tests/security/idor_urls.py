"""A stand-in API for the walker's own test: a router resource and a nested hand-written path under /api/v1/."""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter

from networks.models import Authority, Country


class AuthoritySerializer(serializers.ModelSerializer):
    country = serializers.PrimaryKeyRelatedField(queryset=Country.objects.all())

    class Meta:
        model = Authority
        fields = ["id", "name", "country"]


class AuthorityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = AuthoritySerializer
    queryset = Authority.objects.none()


class NestedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AuthoritySerializer


router = SimpleRouter()
router.register("authorities", AuthorityViewSet, basename="authorities")
v1 = router.urls + [path("cases/<str:case_pk>/members/", NestedViewSet.as_view({"get": "list"}), name="case-members")]
urlpatterns = [
    path("api/v1/", include((v1, "v1"), namespace="v1")),
    path("elsewhere/", NestedViewSet.as_view({"get": "list"}), name="elsewhere"),
]
