from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coopcases.accounts.models import User
from coopcases.accounts.roles import RoleCode
from coopcases.api.serializers import StrictSerializer
from coopcases.notifications.models import Notification, WebhookDelivery, WebhookSecret, WebhookSubscription
from networks.api.serializers import AuthorityRefSerializer


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "event", "event_type", "case", "title", "url", "created_at", "read_at", "read"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000,
        help_text="The notifications to mark read; all unread ones when absent",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications changed from unread to read")


class SecretHintSerializer(serializers.ModelSerializer):
    hint = serializers.CharField(read_only=True, help_text="The first characters only: the secret is shown once")

    class Meta:
        model = WebhookSecret
        fields = ["hint", "created_at", "valid_until"]


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    authority = AuthorityRefSerializer(read_only=True)
    secrets = SecretHintSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id", "name", "owner", "authority", "target_url", "event_types", "active", "disabled_at", "disabled_reason",
            "secrets", "version", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret (whsec_…): shown this once only")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class _EventTypes(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=100), min_length=1, max_length=50, **kwargs)


class WebhookSubscriptionCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(roles__code=RoleCode.SERVICE_ACCOUNT, is_active=True),
        help_text="The partner's service account: events are sent only about objects it may see",
    )
    target_url = serializers.URLField(max_length=500)
    event_types = _EventTypes(help_text='Exact event types or prefixes, e.g. ["mla_request.approve", "deadline.*"]')


class WebhookSubscriptionUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    target_url = serializers.URLField(max_length=500, required=False)
    event_types = _EventTypes(required=False)
    active = serializers.BooleanField(required=False)


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret: shown this once only")
    subscription = WebhookSubscriptionSerializer()


class RotateSerializer(StrictSerializer):
    overlap_hours = serializers.IntegerField(
        min_value=0, max_value=24 * 7, required=False, default=24,
        help_text="How long the previous secrets keep signing beside the new one",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.event_type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "subscription", "event", "event_type", "webhook_id", "status", "attempts", "next_attempt_at",
            "last_status_code", "last_error", "response_excerpt", "body", "created_at", "delivered_at",
        ]  # fmt: skip
        read_only_fields = fields
