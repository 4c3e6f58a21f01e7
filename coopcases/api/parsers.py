"""JSON bodies whose text PostgreSQL can store: no NUL characters and no lone UTF-16 surrogates, anywhere (keys too),
and no nesting deeper than any resource needs.

NUL and lone surrogates are legal JSON but no text column or jsonb value accepts them; a body nested thousands deep
exhausts Python's recursion limit. Refusing them here, as a malformed body naming `body`, keeps them from failing
later with a 500.
"""

import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # our deepest resource nests four levels; partners get room, attackers don't


def _depth(data) -> int:
    """How deeply `data` nests lists and objects, walked without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The body is nested too deeply.")) from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(_("The body is nested too deeply."))
        try:
            text = json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(_("The body contains an unpaired UTF-16 surrogate.")) from None
        if b"\\u0000" in text:
            raise ParseError(_("The body contains a NUL character."))
        return data
