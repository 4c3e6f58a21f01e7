from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("assets", views.AssetViewSet, basename="assets")
router.register("asset-orders", views.AssetOrderViewSet, basename="asset-orders")
router.register("sharing-agreements", views.SharingAgreementViewSet, basename="sharing-agreements")
urlpatterns = router.urls
