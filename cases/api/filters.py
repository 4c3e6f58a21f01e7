import django_filters
from django.db.models import Q
from django.utils import timezone

from cases.models import CaseStatus, Confidentiality, JITStatus
from coopcases.api.filters import UpdatedSinceFilterSet

RUNNING = (JITStatus.ACTIVE, JITStatus.AMENDMENT_PENDING)


class CaseFilter(UpdatedSinceFilterSet):
    state = django_filters.ChoiceFilter(field_name="status", choices=CaseStatus.choices)
    states = django_filters.MultipleChoiceFilter(field_name="status", choices=CaseStatus.choices, help_text="Any of these (repeat the parameter).")
    confidentiality = django_filters.ChoiceFilter(choices=Confidentiality.choices)
    q = django_filters.CharFilter(method="search", max_length=200, help_text="Text in the national reference or the title.")

    def search(self, queryset, name, value):
        return queryset.filter(Q(national_reference__icontains=value) | Q(title__icontains=value))


class JITFilter(UpdatedSinceFilterSet):
    state = django_filters.ChoiceFilter(field_name="status", choices=JITStatus.choices)
    states = django_filters.MultipleChoiceFilter(field_name="status", choices=JITStatus.choices, help_text="Any of these (repeat the parameter).")
    case = django_filters.NumberFilter(field_name="case_id", min_value=1, max_value=2**63 - 1)
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="Still running after its end date (expiry not yet recorded).")
    due_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lt", help_text="Its period ends before this date.")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200, help_text="Text in the title.")

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=RUNNING, end_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)
