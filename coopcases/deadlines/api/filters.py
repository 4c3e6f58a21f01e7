import django_filters
from django.utils import timezone

from coopcases.api.booleans import StrictBooleanFilter
from coopcases.api.filters import UpdatedSinceFilterSet
from coopcases.deadlines.models import Deadline, DeadlineKind, DeadlineState
from coopcases.deadlines.selectors import SUBJECT_SELECTORS, overdue_q


class DeadlineFilter(UpdatedSinceFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=DeadlineState.choices, help_text="One or more states (repeat the parameter)")
    kind = django_filters.MultipleChoiceFilter(choices=DeadlineKind.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="true: open or missed and past due; false: the others")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt", help_text="ISO 8601 date-time")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte", help_text="ISO 8601 date-time")
    is_legal_limit = StrictBooleanFilter()
    case = django_filters.NumberFilter(field_name="case_id", min_value=1)
    subject_type = django_filters.ChoiceFilter(
        choices=[(label, label) for label in SUBJECT_SELECTORS], method="filter_subject_type",
    )
    subject_id = django_filters.CharFilter(field_name="object_id", max_length=64)

    class Meta:
        model = Deadline
        fields = ["state", "kind", "is_legal_limit", "case"]

    def filter_overdue(self, queryset, name, value):
        q = overdue_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_subject_type(self, queryset, name, value):
        app_label, model = value.split(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
