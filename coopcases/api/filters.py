"""Filtering and ordering for lists, strict: an unknown query parameter or ordering is a 400 naming it.

Resources declare a django-filter `filterset_class` (see `UpdatedSinceFilterSet` for the sync filter every list
offers) and `ordering_fields` (the allow-list; `ordering` is the default and must end on a unique column).
"""

from datetime import UTC

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

PAGINATION_PARAMS = frozenset({"cursor", "page_size"})


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus: every query parameter must be a declared filter, `ordering` or a pagination one."""

    def filter_queryset(self, request, queryset, view):
        if not request.query_params:  # nothing to filter by (every detail read): skip building and validating the form
            return queryset
        allowed = set(PAGINATION_PARAMS)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        if getattr(view, "ordering_fields", None):
            allowed.add("ordering")
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise ValidationError({name: [_("unknown query parameter")] for name in unknown}, code="unknown_parameter")
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(OrderingFilter):
    """`ordering=-updated_at` etc. from the view's `ordering_fields`; anything else is a 400. The primary key is
    appended as a tie-breaker so cursors stay exact."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        allowed = set(getattr(view, "ordering_fields", ()) or ())
        fields = [f.strip() for f in raw.split(",") if f.strip()]
        bad = [f for f in fields if f.lstrip("-") not in allowed]
        if bad or not fields:
            raise ValidationError({self.ordering_param: [_("one of: %(allowed)s (prefix '-' for descending)") % {"allowed": ", ".join(sorted(allowed))}]})
        if fields[-1].lstrip("-") != "id":
            fields.append("-id" if fields[-1].startswith("-") else "id")
        return fields


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python parses.
    `param` is the query parameter's name, for the problem."""

    def __init__(self, *args, param: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.param = param

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except (OverflowError, ValueError):
                raise ValidationError({self.param: [_("a moment between the years 1 and 9999")]}) from None
        return super().filter(qs, value)


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Base FilterSet with `updated_since` (ISO 8601 date-time; rows changed at or after it) for sync clients."""

    updated_since = UtcDateTimeFilter(param="updated_since", field_name="updated_at", lookup_expr="gte", help_text="Only rows changed at or after this moment (ISO 8601).")
