"""Reference numbers: `<state>-<authority abbreviation>-<year>-<sequence>`, e.g. PE-FN-2026-00042.

The sequence is unique per issuing authority and year and comes from one atomic upsert on a counter row,
so two drafts filed at the same moment never get the same number.
"""

from __future__ import annotations

import re

from django.db import connection

from requests.models import ReferenceCounter

# Words left out of an abbreviation ("Fiscalía de la Nación" → FN).
_STOPWORDS = frozenset({"de", "del", "la", "las", "el", "los", "y", "e", "da", "do", "das", "dos", "of", "the", "and", "for", "du", "des", "et"})
_MAX_PLAIN = 6


def authority_abbreviation(authority) -> str:
    """A short upper-case tag for an authority, from its stable `code` (its country prefix dropped)."""
    words = [w for w in re.split(r"[^a-z0-9]+", authority.code.lower()) if w]
    if words and words[0] == authority.country_id.lower():
        words = words[1:]
    if not words:
        return "X"
    plain = "".join(words)
    if len(plain) <= _MAX_PLAIN:
        return plain.upper()
    significant = [w for w in words if w not in _STOPWORDS] or words
    if len(significant) == 1:
        return significant[0][:_MAX_PLAIN].upper()
    return "".join(w[0] for w in significant).upper()[:8]


def next_sequence(authority, year: int) -> int:
    """Atomically take the next number of `authority` for `year` (in the caller's transaction)."""
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (authority_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608 (table name is ours)
            f"ON CONFLICT (authority_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [authority.pk, year],
        )
        return cursor.fetchone()[0]


def format_reference(authority, year: int, sequence: int) -> str:
    return f"{authority.country_id}-{authority_abbreviation(authority)}-{year}-{sequence:05d}"
