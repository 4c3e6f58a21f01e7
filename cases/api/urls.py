from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="cases")
router.register("jits", views.JITViewSet, basename="jits")
urlpatterns = router.urls
