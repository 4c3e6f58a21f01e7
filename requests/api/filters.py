import django_filters
from django.db.models import Q

from coopcases.api.filters import UpdatedSinceFilterSet, UtcDateTimeFilter
from requests.models import MlaRequestKind, MlaRequestState


class MlaRequestFilter(UpdatedSinceFilterSet):
    state = django_filters.ChoiceFilter(choices=MlaRequestState.choices)
    states = django_filters.MultipleChoiceFilter(
        field_name="state", choices=MlaRequestState.choices, help_text="Any of these states (repeat the parameter)."
    )
    kind = django_filters.ChoiceFilter(choices=MlaRequestKind.choices)
    network = django_filters.CharFilter(field_name="channel_network__code", max_length=30, help_text="Network code")
    requested_state = django_filters.CharFilter(field_name="requested_state_id", max_length=2)
    requesting_state = django_filters.CharFilter(field_name="requesting_state_id", max_length=2)
    overdue = django_filters.BooleanFilter(help_text="A deadline is past due (or, before transmission, the requested date has passed).")
    due_before = UtcDateTimeFilter(param="due_before", field_name="next_due_at", lookup_expr="lt", help_text="The earliest open deadline falls before this moment.")
    q = django_filters.CharFilter(method="search", max_length=200, help_text="Text in the reference or the title.")

    def search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))


class EventFilter(django_filters.FilterSet):
    after = django_filters.NumberFilter(field_name="sequence", lookup_expr="gt", min_value=0, max_value=2**31 - 1,
                                        help_text="Only events after this sequence number (follow a request by polling with the last one seen).")
