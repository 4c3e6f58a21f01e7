import django_filters
from django.db.models import Q

from assets.models import (
    AgreementKind,
    AgreementState,
    Asset,
    AssetKind,
    AssetOrder,
    AssetState,
    OrderKind,
    SharingAgreement,
)
from coopcases.api.filters import UpdatedSinceFilterSet


class AssetFilter(UpdatedSinceFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=AssetState.choices, help_text="One or more states (repeat the parameter)")
    kind = django_filters.MultipleChoiceFilter(choices=AssetKind.choices)
    case = django_filters.NumberFilter(field_name="case_id", min_value=1)
    location_state = django_filters.CharFilter(field_name="location_state_id", max_length=2, help_text="ISO 3166-1 alpha-2 code")
    search = django_filters.CharFilter(method="filter_search", max_length=200, help_text="Part of the main identifier or description")

    class Meta:
        model = Asset
        fields = ["state", "kind", "case", "location_state"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(description__icontains=value))


class AssetOrderFilter(UpdatedSinceFilterSet):
    asset = django_filters.NumberFilter(field_name="asset_id", min_value=1)
    case = django_filters.NumberFilter(field_name="case_id", min_value=1)
    kind = django_filters.MultipleChoiceFilter(choices=OrderKind.choices)
    executing_state = django_filters.CharFilter(field_name="executing_state_id", max_length=2)
    renewal_due_before = django_filters.DateFilter(field_name="renewal_due_on", lookup_expr="lt")

    class Meta:
        model = AssetOrder
        fields = ["asset", "case", "kind", "executing_state"]


class SharingAgreementFilter(UpdatedSinceFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=AgreementState.choices)
    kind = django_filters.ChoiceFilter(choices=AgreementKind.choices)
    case = django_filters.NumberFilter(field_name="case_id", min_value=1)

    class Meta:
        model = SharingAgreement
        fields = ["state", "kind", "case"]
