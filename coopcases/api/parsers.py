"""JSON bodies whose text PostgreSQL can store: no NUL characters and no lone UTF-16 surrogates, anywhere (keys too).

Both are legal JSON but no text column or jsonb value accepts them; refusing them here, as a malformed body
naming `body`, keeps them from reaching a query and failing there with a 500.
"""

import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            text = json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(_("The body contains an unpaired UTF-16 surrogate.")) from None
        if b"\\u0000" in text:
            raise ParseError(_("The body contains a NUL character."))
        return data
