"""Every UI string and admin label exists in Spanish, Portuguese and French: no entry untranslated or fuzzy, and
the committed .mo files are compiled from the committed .po files."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (dict by form index) and flags."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, value = line.split(" ", 1)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                field = ("msgstr", index)
                entry["msgstr"][index] = _unquote(value)
            else:
                field = keyword
                entry[keyword] = _unquote(value)
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    entries = [e for e in parse_po(LOCALE / language / "LC_MESSAGES" / "django.po") if e["msgid"]]
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or (e["msgid_plural"] and len(e["msgstr"]) < 2)]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_po(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for e in parse_po(folder / "django.po"):
        if not e["msgid"]:
            continue
        if e["msgid_plural"]:
            got = compiled.npgettext(e["msgctxt"], e["msgid"], e["msgid_plural"], 1) if e["msgctxt"] else compiled.ngettext(e["msgid"], e["msgid_plural"], 1)
        else:
            got = compiled.pgettext(e["msgctxt"], e["msgid"]) if e["msgctxt"] else compiled.gettext(e["msgid"])
        assert got == e["msgstr"][0], f"{language}: run `make messages` ({e['msgid']!r})"


def test_legal_terms_are_rendered_in_each_language():
    expected = {
        "es": ("Equipo conjunto de investigación", "Autoridad central"),
        "pt": ("Equipa de investigação conjunta", "Autoridade central"),
        "fr": ("Équipe commune d'enquête", "Autorité centrale"),
    }
    for language, (jit, central) in expected.items():
        with translation.override(language):
            assert (translation.gettext("Joint investigation team"), translation.gettext("Central authority")) == (jit, central)


@override_settings(LANGUAGE_CODE="en")
def test_pages_render_in_the_users_language(world, magistrate, as_user):
    magistrate.preferred_language = "fr"
    magistrate.save()
    body = as_user(magistrate).get(reverse("web:dashboard")).content.decode()
    assert '<html lang="fr">' in body and "Tableau de bord" in body and "Mes demandes ouvertes" in body
