"""The caller's inbox, webhook subscriptions (secrets generated here, shown once) and the delivery log."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from coopcases.api.viewsets import ResourceViewSet
from coopcases.notifications import services
from coopcases.notifications.models import Notification, WebhookDelivery, WebhookSubscription
from coopcases.notifications.selectors import (
    notifications_visible_to,
    webhook_deliveries_visible_to,
    webhook_subscriptions_visible_to,
)

from . import filters, serializers


@extend_schema_view(
    list=extend_schema(summary="The caller's notification inbox, newest first", tags=["notifications"]),
    retrieve=extend_schema(summary="A notification of the caller", tags=["notifications"]),
)
class NotificationViewSet(mixins.ListModelMixin, ResourceViewSet):
    """What the caller was told: one entry per event and user."""

    scope_family = "notifications"
    model = Notification
    serializer_class = serializers.NotificationSerializer
    filterset_class = filters.NotificationFilter
    ordering_fields = ("id", "created_at")
    ordering = ("-created_at", "-id")

    def visible_queryset(self, actor):
        return notifications_visible_to(actor)

    @extend_schema(summary="Mark one notification read", tags=["notifications"], request=None, operation_id="notifications_read",
                   responses={200: serializers.NotificationSerializer})
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, *args, **kwargs):
        notification = self.get_object()
        services.notifications_mark_read(actor=request.user, notification_ids=[notification.pk])
        return self.represent(notification)

    @extend_schema(summary="Mark several (or all unread) notifications read", tags=["notifications"], operation_id="notifications_read_many",
                   request=serializers.MarkReadSerializer, responses={200: serializers.MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read", serializer_class=serializers.MarkReadSerializer)
    def read_many(self, request, *args, **kwargs):
        body = serializers.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(actor=request.user, notification_ids=body.validated_data.get("ids"))
        return Response({"marked": marked})


@extend_schema_view(
    list=extend_schema(summary="Webhook subscriptions of the caller's authority", tags=["webhooks"]),
    retrieve=extend_schema(summary="A webhook subscription (secret hints only)", tags=["webhooks"]),
    create=extend_schema(
        summary="Register a partner endpoint (administrators); the signing secret is in this response only", tags=["webhooks"],
        request=serializers.WebhookSubscriptionCreateSerializer, responses={201: serializers.WebhookSubscriptionCreatedSerializer},
    ),
    partial_update=extend_schema(
        summary="Change the endpoint, the event types or enable/disable it (administrators)", tags=["webhooks"],
        request=serializers.WebhookSubscriptionUpdateSerializer, responses={200: serializers.WebhookSubscriptionSerializer},
    ),
)
class WebhookSubscriptionViewSet(mixins.ListModelMixin, ResourceViewSet):
    """Signed webhooks (Standard Webhooks 1.0) to a partner's endpoint for the event types it chose."""

    scope_family = "webhooks"
    model = WebhookSubscription
    serializer_class = serializers.WebhookSubscriptionSerializer
    filterset_class = filters.WebhookSubscriptionFilter
    ordering_fields = ("id", "created_at")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def visible_queryset(self, actor):
        return webhook_subscriptions_visible_to(actor).select_related("authority").prefetch_related("secrets")

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.WebhookSubscriptionCreateSerializer
        if self.action == "partial_update":
            return serializers.WebhookSubscriptionUpdateSerializer
        return serializers.WebhookSubscriptionSerializer

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subscription, secret = services.webhook_subscription_create(
            actor=request.user, owner=data["owner"], authority=data["owner"].authority, name=data["name"],
            target_url=data["target_url"], event_types=data["event_types"],
        )
        response = self.represent(subscription, status.HTTP_201_CREATED)
        response.data = {**response.data, "secret": secret}
        return response

    def partial_update(self, request, *args, **kwargs):
        subscription = self.get_object()
        version = self.expected_version(subscription, required=True)
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {
            "name": subscription.name, "target_url": subscription.target_url,
            "event_types": subscription.event_types, "active": subscription.active,
        } | body.validated_data
        subscription = services.webhook_subscription_update(
            actor=request.user, subscription=subscription, expected_version=version, **fields
        )
        return self.represent(subscription)

    @extend_schema(summary="Issue a new signing secret (administrators); the old ones keep signing for the overlap",
                   tags=["webhooks"], request=serializers.RotateSerializer, responses={200: serializers.RotatedSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", serializer_class=serializers.RotateSerializer)
    def rotate_secret(self, request, *args, **kwargs):
        subscription = self.get_object()
        self.expected_version(subscription, required=False)
        body = serializers.RotateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        secret = services.webhook_secret_rotate(
            actor=request.user, subscription=subscription, overlap=timedelta(hours=body.validated_data["overlap_hours"])
        )
        fresh = self.get_queryset().get(pk=subscription.pk)
        data = {"secret": secret, "subscription": serializers.WebhookSubscriptionSerializer(fresh).data}
        return Response(data, headers={"ETag": f'"v{fresh.version}"'})


@extend_schema_view(
    list=extend_schema(summary="Deliveries to the caller's webhook subscriptions", tags=["webhooks"]),
    retrieve=extend_schema(summary="A delivery with its last outcome", tags=["webhooks"]),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, ResourceViewSet):
    """Every event sent to a subscription: its status, attempts and the exact body signed."""

    scope_family = "webhooks"
    model = WebhookDelivery
    serializer_class = serializers.WebhookDeliverySerializer
    filterset_class = filters.WebhookDeliveryFilter
    ordering_fields = ("id", "created_at")

    def visible_queryset(self, actor):
        return webhook_deliveries_visible_to(actor).select_related("event")

    @extend_schema(summary="Send a dead (or succeeded) delivery again from the start of the schedule (administrators)",
                   tags=["webhooks"], request=None, responses={200: serializers.WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, *args, **kwargs):
        delivery = services.webhook_delivery_redeliver(actor=request.user, delivery=self.get_object())
        return self.represent(delivery)
