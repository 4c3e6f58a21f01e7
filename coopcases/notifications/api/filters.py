import django_filters

from coopcases.api.booleans import StrictBooleanFilter
from coopcases.notifications.models import DeliveryStatus, Notification, WebhookDelivery, WebhookSubscription


def _event_type(queryset, field, value):
    """An exact event type, or a prefix ending in `.*` (deadline.*)."""
    if value.endswith(".*"):
        return queryset.filter(**{f"{field}__startswith": value[:-1]})
    return queryset.filter(**{field: value})


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="true: only unread; false: only read")
    event_type = django_filters.CharFilter(method="filter_event_type", max_length=100, help_text="Exact, or a prefix such as deadline.*")
    case = django_filters.NumberFilter(field_name="case_id", min_value=1)
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="ISO 8601 date-time")

    class Meta:
        model = Notification
        fields = ["case"]

    def filter_event_type(self, queryset, name, value):
        return _event_type(queryset, "event_type", value)


class WebhookSubscriptionFilter(django_filters.FilterSet):
    active = StrictBooleanFilter()

    class Meta:
        model = WebhookSubscription
        fields = ["active"]


class WebhookDeliveryFilter(django_filters.FilterSet):
    subscription = django_filters.NumberFilter(field_name="subscription_id", min_value=1)
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.CharFilter(method="filter_event_type", max_length=100, help_text="Exact, or a prefix such as deadline.*")
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="ISO 8601 date-time")

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status"]

    def filter_event_type(self, queryset, name, value):
        return _event_type(queryset, "event__event_type", value)
