from django.urls import path
from rest_framework.routers import SimpleRouter

from requests.api import views

router = SimpleRouter()
router.register("mla-requests", views.MlaRequestViewSet, basename="mla-requests")

nested = "mla-requests/<str:request_pk>/"
urlpatterns = router.urls + [
    path(nested + "attachments/", views.AttachmentViewSet.as_view({"get": "list", "post": "create"}), name="mla-request-attachments"),
    path(nested + "attachments/<str:pk>/", views.AttachmentViewSet.as_view({"get": "retrieve"}), name="mla-request-attachment"),
    path(nested + "measures/", views.MeasureViewSet.as_view({"get": "list", "post": "create"}), name="mla-request-measures"),
    path(nested + "messages/", views.MessageViewSet.as_view({"get": "list", "post": "create"}), name="mla-request-messages"),
    path(nested + "messages/<str:pk>/", views.MessageViewSet.as_view({"get": "retrieve"}), name="mla-request-message"),
    path(nested + "events/", views.EventViewSet.as_view({"get": "list"}), name="mla-request-events"),
]
