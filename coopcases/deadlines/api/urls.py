from rest_framework.routers import SimpleRouter

from .views import DeadlineViewSet

router = SimpleRouter()
router.register("deadlines", DeadlineViewSet, basename="deadlines")
urlpatterns = router.urls
