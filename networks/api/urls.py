from rest_framework.routers import SimpleRouter

from . import views
from .routing import RoutingAdviceViewSet

router = SimpleRouter()
router.register("countries", views.CountryViewSet, basename="countries")
router.register("authorities", views.AuthorityViewSet, basename="authorities")
router.register("networks", views.NetworkViewSet, basename="networks")
router.register("instruments", views.InstrumentViewSet, basename="instruments")
router.register("routing-advice", RoutingAdviceViewSet, basename="routing-advice")
urlpatterns = router.urls
