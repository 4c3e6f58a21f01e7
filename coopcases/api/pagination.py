"""Keyset (cursor) pagination: stable while rows are added, no COUNT(*), no deep OFFSET.

`page_size` defaults to 50; a value above 200 (or not a positive integer) is refused with a 400 problem naming
`page_size` rather than silently capped, so a sync client never believes it got everything it asked for.
An unreadable `cursor` is a 400 naming `cursor`.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination as DRFCursorPagination

MAX_PAGE_SIZE = 200


class CursorPagination(DRFCursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [_("a whole number from 1 to %(max)s") % {"max": self.max_page_size}]})
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [_("not a cursor this API issued")]}) from None

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size}
        return params
