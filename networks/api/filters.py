import django_filters
from django.db.models import Q

from coopcases.api.booleans import StrictBooleanFilter
from networks.models import Authority, AuthorityKind, Country, Instrument, InstrumentKind, Network, NetworkKind, Region


def _search(fields):
    def method(queryset, name, value):
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    return method


class CountryFilter(django_filters.FilterSet):
    region = django_filters.MultipleChoiceFilter(choices=Region.choices)
    accepted_language = django_filters.CharFilter(
        method="filter_language", max_length=2, help_text="ISO 639-1 code the state accepts requests in"
    )
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of a name or code")

    class Meta:
        model = Country
        fields = ["region"]

    def filter_language(self, queryset, name, value):
        return queryset.filter(accepted_languages__contains=[value])

    def filter_search(self, queryset, name, value):
        return _search(["code", "code3", "name_en", "name_es", "name_pt", "name_fr"])(queryset, name, value)


class AuthorityFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(field_name="country_id", max_length=2, help_text="ISO 3166-1 alpha-2 code")
    kind = django_filters.MultipleChoiceFilter(choices=AuthorityKind.choices)
    designated_central_authority = StrictBooleanFilter()
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the name or code")

    class Meta:
        model = Authority
        fields = ["country", "kind", "designated_central_authority"]

    def filter_search(self, queryset, name, value):
        return _search(["code", "name", "name_en"])(queryset, name, value)


class NetworkFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=NetworkKind.choices)
    carries_formal_requests = StrictBooleanFilter()
    member = django_filters.CharFilter(
        method="filter_member", max_length=2, help_text="Networks in which this state (alpha-2) holds a membership"
    )
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the acronym or name")

    class Meta:
        model = Network
        fields = ["kind", "carries_formal_requests"]

    def filter_member(self, queryset, name, value):
        return queryset.filter(pk__in=Network.objects.filter(memberships__country_id=value.upper()).values("pk"))

    def filter_search(self, queryset, name, value):
        return _search(["code", "acronym", "name_en", "name_es"])(queryset, name, value)


class InstrumentFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=InstrumentKind.choices)
    covers = django_filters.CharFilter(method="filter_covers", max_length=40, help_text="e.g. mla, jit, confiscation")
    party = django_filters.CharFilter(
        method="filter_party", max_length=2, help_text="Instruments this state (alpha-2) signed or is party to"
    )
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the short name or code")

    class Meta:
        model = Instrument
        fields = ["kind"]

    def filter_covers(self, queryset, name, value):
        return queryset.filter(covers__contains=[value])

    def filter_party(self, queryset, name, value):
        return queryset.filter(pk__in=Instrument.objects.filter(parties__country_id=value.upper()).values("pk"))

    def filter_search(self, queryset, name, value):
        return _search(["code", "short_name", "name_en"])(queryset, name, value)
