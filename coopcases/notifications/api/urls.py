from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notifications")
router.register("webhook-subscriptions", views.WebhookSubscriptionViewSet, basename="webhook-subscriptions")
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhook-deliveries")
urlpatterns = router.urls
