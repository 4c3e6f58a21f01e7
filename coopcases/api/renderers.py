"""JSON rendering with orjson: the same bytes' meaning as DRF's JSONRenderer at a fraction of its cost (the stdlib
encoder was about a third of a list request, shared/design/performance.md §A0.1).

Dates and times go through DRF's encoder (`…Z` for UTC, as before); anything orjson cannot encode (lazy strings,
Decimal, integers beyond 64 bits) or an `indent` asked for in the Accept header falls back to DRF's renderer.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_default = JSONEncoder().default


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                body = orjson.dumps(data, default=_default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:  # as DRF: a strict JavaScript subset
                return body.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)
