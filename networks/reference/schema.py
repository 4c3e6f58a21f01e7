"""Validation of the reference data files: shape, vocabularies, cross-references and the rules of the domain.

Every file is checked before anything is written; every problem names its file, entry (1-based, as a reader
counts them), natural key, line and field. The result is a `Dataset` of plain records keyed by natural keys.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import holidays
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from coopcases.accounts.roles import RoleCode
from networks import models as m
from networks.reference.yamlfile import DataFile, LineDict, UnreadableFile, read
from networks.vocabulary import ContentElement, InstrumentScope, RequestKind

# File, its list section, and the kind names the loader reports (in load order).
FILES: list[tuple[str, str]] = [
    ("countries.yaml", "countries"),
    ("authorities.yaml", "authorities"),
    ("networks.yaml", "networks"),
    ("instruments.yaml", "instruments"),
    ("deadline_rules.yaml", "deadline_rules"),
    ("offences.yaml", "offences"),
    ("measures.yaml", "measures"),
    ("refusal_grounds.yaml", "refusal_grounds"),
    ("roles.yaml", "roles"),
]

SLUG = re.compile(r"^[-A-Za-z0-9_]+$")
NAME_LANGS = ("en", "es", "pt", "fr")


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str
    entry: int | None = None  # 1-based position in the file's list
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.entry is not None:
            detail = ", ".join(part for part in (self.key, f"line {self.line}" if self.line else "") if part)
            where += f": entry {self.entry}" + (f" ({detail})" if detail else "")
        return f"{where}, field '{self.field}': {self.message}"


class Invalid(Exception):
    """A value is wrong; the caller knows which file, entry and field it came from."""


# --- field types --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    convert: Callable[[object], object]
    required: bool = False
    ref: str | None = None  # kind of natural key this field refers to (checked once all files are read)


def _str(max_length: int | None = None, pattern: re.Pattern | None = None, choices=None, blank=True):
    def convert(value):
        if value is None:
            value = ""
        if not isinstance(value, str):
            # YAML reads 06012 as the octal number 3082: codes and numbers-as-text must be quoted.
            raise Invalid(f"expected text, got {type(value).__name__} {value!r} (quote it)")
        value = value.strip()
        if not value and not blank:
            raise Invalid("must not be empty")
        if max_length and len(value) > max_length:
            raise Invalid(f"longer than {max_length} characters")
        if value and pattern and not pattern.match(value):
            raise Invalid(f"{value!r} does not match {pattern.pattern}")
        if value and choices is not None and value not in choices:
            raise Invalid(f"{value!r} is not one of {', '.join(sorted(choices))}")
        return value

    return convert


def _bool(value):
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {value!r}")
    return value


def _int(minimum: int = 1):
    def convert(value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {value!r}")
        if value < minimum:
            raise Invalid(f"must be at least {minimum}")
        return value

    return convert


def _date(value):
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise Invalid(f"expected a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{value!r} is not a valid date YYYY-MM-DD") from exc


def _list(item: Callable[[object], object], non_empty: bool = False):
    def convert(value):
        if value is None:
            value = []
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {type(value).__name__}")
        if non_empty and not value:
            raise Invalid("must not be empty")
        items = [item(v) for v in value]
        duplicates = [v for v, n in Counter(items).items() if n > 1]
        if duplicates:
            raise Invalid(f"repeated value {duplicates[0]!r}")
        return items

    return convert


def _names(value):
    if not isinstance(value, dict):
        raise Invalid("expected a mapping of language → name (en, es, pt, fr)")
    unknown = set(value) - set(NAME_LANGS)
    if unknown:
        raise Invalid(f"unknown language key {sorted(unknown)[0]!r} (use en, es, pt, fr)")
    names = {lang: _str(200)(value.get(lang)) for lang in NAME_LANGS}
    if not names["en"]:
        raise Invalid("the English name (en) is required")
    return names


def _text_map(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("expected a mapping")
    return {_str(60, blank=False)(k): _str(200, blank=False)(v) for k, v in value.items()}


def _exemptions(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("expected a mapping of content element → measure codes")
    element = _str(choices=set(ContentElement.values), blank=False)
    return {element(k): _list(_str(40, SLUG, blank=False))(v) for k, v in value.items()}


@cache
def _holiday_codes() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def _language(value):
    code = _str(3, re.compile(r"^[a-z]{2,3}$"), blank=False)(value)
    if pycountry.languages.get(alpha_2=code) is None and pycountry.languages.get(alpha_3=code) is None:
        raise Invalid(f"{code!r} is not an ISO 639 language code")
    return code


def _time_zone(value):
    zone = _str(64, blank=False)(value)
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"{zone!r} is not an IANA time zone") from exc
    return zone


def _holiday_calendar(value):
    code = _str(10)(value)
    if code and code not in _holiday_codes():
        raise Invalid(f"{code!r} is not a country supported by the holidays library (leave empty for weekends only)")
    return code


def _url(value):
    url = _str(200)(value)
    if url:
        try:
            URLValidator()(url)
        except ValidationError as exc:
            raise Invalid(f"{url!r} is not a valid URL") from exc
    return url


def _email(value):
    email = _str(254)(value)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise Invalid(f"{email!r} is not a valid e-mail address") from exc
    return email


def _choices(choices_class):
    return _str(choices=set(choices_class.values), blank=False)


def _ref(kind: str, required: bool = False) -> Field:
    return Field(_str(80, SLUG, blank=not required), required=required, ref=kind)


def _code(max_length: int) -> Field:
    return Field(_str(max_length, SLUG, blank=False), required=True)


SOURCED = {
    "source": Field(_str(500, blank=False), required=True),
    "verified": Field(_bool, required=True),
}

SPECS: dict[str, dict[str, Field]] = {
    "countries": {
        "code": Field(_str(2, re.compile(r"^[A-Z]{2}$"), blank=False), required=True),
        "code3": Field(_str(3, re.compile(r"^[A-Z]{3}$"), blank=False), required=True),
        "region": Field(_choices(m.Region), required=True),
        "name": Field(_names, required=True),
        "official_languages": Field(_list(_language, non_empty=True), required=True),
        "accepted_languages": Field(_list(_language, non_empty=True), required=True),
        "accepted_languages_source": Field(_str(500, blank=False), required=True),
        "accepted_languages_verified": Field(_bool, required=True),
        "time_zone": Field(_time_zone, required=True),
        "holiday_calendar": Field(_holiday_calendar),
        **SOURCED,
    },
    "authorities": {
        "code": _code(80),
        "country": _ref("countries", required=True),
        "kind": Field(_choices(m.AuthorityKind), required=True),
        "designated_central_authority": Field(_bool),
        "parent": _ref("authorities"),
        "name": Field(_str(300, blank=False), required=True),
        "name_en": Field(_str(300)),
        "email": Field(_email),
        "phone": Field(_str(50)),
        "address": Field(_str()),
        "website": Field(_url),
        "languages": Field(_list(_language)),
        **SOURCED,
    },
    "networks": {
        "code": _code(30),
        "acronym": Field(_str(30, blank=False), required=True),
        "name": Field(_names, required=True),
        "kind": Field(_choices(m.NetworkKind), required=True),
        "organisation": Field(_str(100)),
        "members_published": Field(_bool),
        "carries_formal_requests": Field(_bool, required=True),
        "request_kinds": Field(_list(_choices(RequestKind)), required=True),
        "secretariat": Field(_str(200)),
        "description": Field(_str()),
        "website": Field(_url),
        **SOURCED,
    },
    "memberships": {
        "country": _ref("countries", required=True),
        "authority": _ref("authorities"),
        "status": Field(_choices(m.MembershipStatus)),
        "valid_from": Field(_date),
        "valid_to": Field(_date),
        **SOURCED,
    },
    "instruments": {
        "code": _code(40),
        "short_name": Field(_str(80, blank=False), required=True),
        "name": Field(_names, required=True),
        "kind": Field(_choices(m.InstrumentKind), required=True),
        "parent": _ref("instruments"),
        "adopted_on": Field(_date),
        "in_force_on": Field(_date),
        "url": Field(_url),
        "description": Field(_str()),
        "covers": Field(_list(_choices(InstrumentScope)), required=True),
        "articles": Field(_text_map),
        "required_contents": Field(_list(_choices(ContentElement))),
        "content_exemptions": Field(_exemptions),
        "sets_legal_deadlines": Field(_bool, required=True),
        **SOURCED,
    },
    "instrument_parties": {
        "country": _ref("countries", required=True),
        "signed_on": Field(_date),
        "ratified_on": Field(_date),
        "in_force_on": Field(_date),
        "withdrawn_on": Field(_date),
        "accepted_languages": Field(_list(_language)),
        "central_authority": _ref("authorities"),
        "declarations": Field(_str()),
        "dates_verified": Field(_bool, required=True),
        **SOURCED,
    },
    "deadline_rules": {
        "code": _code(60),
        "instrument": _ref("instruments"),
        "network": _ref("networks"),
        "description": Field(_str(300, blank=False), required=True),
        "trigger": Field(_str(60, blank=False), required=True),
        "period": Field(_int()),
        "unit": Field(_choices(m.DeadlineUnit), required=True),
        "extension_period": Field(_int()),
        "roll_forward": Field(_bool, required=True),
        "is_legal_limit": Field(_bool, required=True),
        "applies_to": Field(_str(40)),
        "applies_from": Field(_date),
        **SOURCED,
    },
    "offences": {
        "code": _code(40),
        "name": Field(_names, required=True),
        "iccs_code": Field(_str(10, re.compile(r"^[0-9]+$"))),
        "eu_list_offence": Field(_bool, required=True),
        "fiscal": Field(_bool, required=True),
        **SOURCED,
    },
    "measures": {
        "code": _code(40),
        "name": Field(_names, required=True),
        "coercive": Field(_bool, required=True),
        "instruments": Field(_list(_str(40, SLUG, blank=False)), ref="instruments"),
        "extra_fields": Field(_list(_str(60, SLUG, blank=False))),
        **SOURCED,
    },
    "refusal_grounds": {
        "code": _code(40),
        "name": Field(_names, required=True),
        "discretionary": Field(_bool, required=True),
        "postponement": Field(_bool, required=True),
        "instruments": Field(_list(_str(40, SLUG, blank=False)), ref="instruments"),
        **SOURCED,
    },
    "refusal_restrictions": {
        "kind": Field(_choices(m.RestrictionKind), required=True),
        "instrument": _ref("instruments"),
        "explanation": Field(_str(400, blank=False), required=True),
        **SOURCED,
    },
    "roles": {
        "code": Field(_choices(RoleCode), required=True),
        "description": Field(_str(300, blank=False), required=True),
    },
}

# Nested lists: parent section → (key in the entry, its defaults key, nested kind).
NESTED = {
    "networks": ("memberships", "membership_defaults", "memberships"),
    "instruments": ("parties", "party_defaults", "instrument_parties"),
    "refusal_grounds": ("restrictions", "restriction_defaults", "refusal_restrictions"),
}


@dataclass
class Record:
    """One validated row: its natural key, values by field name, and where it came from."""

    key: str
    values: dict
    file: str
    entry: int
    line: int | None
    children: list[Record] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"code={self.key}"


@dataclass
class Dataset:
    records: dict[str, list[Record]]
    versions: dict[str, str]
    checksums: dict[str, str]

    def count(self, kind: str) -> int:
        if kind in self.records:
            return len(self.records[kind])
        parent = next(p for p, (_, _, k) in NESTED.items() if k == kind)
        return sum(len(r.children) for r in self.records[parent])


class DataInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Checker:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, file: str, fld: str, message: str, rec: Record | None = None, entry: int | None = None, key=None, line=None):
        if rec is not None:
            entry, key, line = rec.entry, rec.label, rec.line
        self.problems.append(Problem(file=file, field=fld, message=message, entry=entry, key=key, line=line))

    # -- one entry --------------------------------------------------------------------------------------------

    def entry(self, file: str, kind: str, raw, index: int, defaults: dict, key_of, prefix: str = "") -> Record | None:
        spec = SPECS[kind]
        line = raw.line if isinstance(raw, LineDict) else None
        if not isinstance(raw, dict):
            self.add(file, prefix or kind, "expected a mapping", entry=index, line=line)
            return None
        nested = NESTED.get(kind)
        allowed = set(spec) | ({nested[0], nested[1]} if nested else set())
        data = {**defaults, **raw}
        key = None
        try:
            key = key_of(data)
        except (Invalid, KeyError, TypeError):
            key = None
        rec = Record(key=key or f"#{index}", values={}, file=file, entry=index, line=line)
        shown_key = f"{'code' if 'code' in spec else 'country'}={key}" if key else None
        ok = True
        for name in sorted(set(raw) - allowed):
            self.add(file, prefix + name, "unknown field", entry=index, key=shown_key, line=line)
            ok = False
        for name, fld in spec.items():
            if name not in data or data[name] is None:
                if fld.required:
                    self.add(file, prefix + name, "is required", entry=index, key=shown_key, line=line)
                    ok = False
                continue
            try:
                rec.values[name] = fld.convert(data[name])
            except Invalid as exc:
                self.add(file, prefix + name, str(exc), entry=index, key=shown_key, line=line)
                ok = False
        if "name" in rec.values and kind in ("countries", "networks", "instruments", "offences", "measures", "refusal_grounds"):
            for lang, value in rec.values.pop("name").items():
                rec.values[f"name_{lang}"] = value
        return rec if ok else None


def _key(*fields):
    def key_of(data):
        parts = []
        for f in fields:
            value = data[f]
            if not isinstance(value, str) or not value:
                raise Invalid(f)
            parts.append(value)
        return "|".join(parts)

    return key_of


KEYS = {
    "countries": _key("code"),
    "authorities": _key("code"),
    "networks": _key("code"),
    "instruments": _key("code"),
    "deadline_rules": _key("code"),
    "offences": _key("code"),
    "measures": _key("code"),
    "refusal_grounds": _key("code"),
    "roles": _key("code"),
    "memberships": _key("country"),
    "instrument_parties": _key("country"),
}


def _restriction_key(data):
    kind = data["kind"]
    if not isinstance(kind, str):
        raise Invalid("kind")
    return f"{kind}|{data.get('instrument') or '-'}"


KEYS["refusal_restrictions"] = _restriction_key


def load_dataset(data_dir: Path) -> Dataset:
    """Read and validate every file; raise DataInvalid listing every problem found."""
    check = _Checker()
    files: dict[str, DataFile] = {}
    for name, _section in FILES:
        try:
            files[name] = read(data_dir / name)
        except UnreadableFile as exc:
            check.add(exc.name, "(file)", exc.reason)
    if check.problems:
        raise DataInvalid(check.problems)

    records: dict[str, list[Record]] = {}
    versions: dict[str, str] = {}
    for name, section in FILES:
        content = files[name].content
        if not isinstance(content, dict):
            check.add(name, "(file)", "expected a mapping with 'version' and '" + section + "'")
            records[section] = []
            continue
        for extra in sorted(set(content) - {"version", "defaults", section}):
            check.add(name, extra, "unknown top-level key")
        version = content.get("version")
        if isinstance(version, bool) or not isinstance(version, str | int | float) or not str(version).strip():
            check.add(name, "version", "is required (a version string such as \"2026.1\")")
        else:
            versions[section] = str(version)
        defaults = content.get("defaults") or {}
        if not isinstance(defaults, dict):
            check.add(name, "defaults", "expected a mapping")
            defaults = {}
        for unknown in sorted(set(defaults) - set(SPECS[section])):
            check.add(name, f"defaults.{unknown}", "unknown field")
        entries = content.get(section)
        if not isinstance(entries, list):
            check.add(name, section, "expected a list of entries")
            records[section] = []
            continue
        records[section] = []
        for index, raw in enumerate(entries, start=1):
            rec = check.entry(name, section, raw, index, defaults, KEYS[section])
            if rec is None:
                continue
            records[section].append(rec)
            if section in NESTED:
                _nested(check, name, section, raw, rec)
    dataset = Dataset(records=records, versions=versions, checksums={s: files[n].checksum for n, s in FILES})
    if not check.problems:
        _cross_checks(check, dataset)
    if check.problems:
        raise DataInvalid(check.problems)
    return dataset


def _nested(check: _Checker, file: str, section: str, raw: dict, rec: Record) -> None:
    list_key, defaults_key, kind = NESTED[section]
    defaults = raw.get(defaults_key) or {}
    if not isinstance(defaults, dict):
        check.add(file, defaults_key, "expected a mapping", rec)
        return
    for unknown in sorted(set(defaults) - set(SPECS[kind])):
        check.add(file, f"{defaults_key}.{unknown}", "unknown field", rec)
    items = raw.get(list_key) or []
    if not isinstance(items, list):
        check.add(file, list_key, "expected a list", rec)
        return
    for position, item in enumerate(items, start=1):
        # Problems in a nested row are reported on the entry that holds it, naming the row in the field path.
        before = len(check.problems)
        child = check.entry(file, kind, item, rec.entry, defaults, KEYS[kind], prefix=f"{list_key}[{position}].")
        for i in range(before, len(check.problems)):
            p = check.problems[i]
            check.problems[i] = Problem(p.file, p.field, p.message, rec.entry, rec.label, rec.line)
        if child is not None:
            child.line = item.line if isinstance(item, LineDict) else rec.line
            child.values["_position"] = position
            rec.children.append(child)


def _cross_checks(check: _Checker, ds: Dataset) -> None:
    r = ds.records
    codes = {kind: {rec.key for rec in r[kind]} for kind in ("countries", "authorities", "networks", "instruments", "measures")}

    def duplicates(kind: str, what: Callable[[Record], object], field_name: str):
        seen: dict = {}
        for rec in r[kind]:
            value = what(rec)
            if value in seen:
                first = seen[value]
                check.add(rec.file, field_name, f"duplicate {field_name} {value!r} (also entry {first.entry})", rec)
            else:
                seen[value] = rec

    for kind in ("countries", "authorities", "networks", "instruments", "deadline_rules", "offences", "measures", "refusal_grounds", "roles"):
        duplicates(kind, lambda rec: rec.key, "code")
    duplicates("countries", lambda rec: rec.values["code3"], "code3")
    duplicates("authorities", lambda rec: (rec.values["country"], rec.values["name"]), "name")

    def ref(rec: Record, fld: str, kind: str, value, shown: str | None = None):
        if value and value not in codes[kind]:
            noun = {"countries": "country code", "authorities": "authority", "networks": "network", "instruments": "instrument", "measures": "measure"}[kind]
            check.add(rec.file, shown or fld, f"unknown {noun} {value!r}", rec)
            return False
        return True

    country_of_authority = {a.key: a.values["country"] for a in r["authorities"]}

    # countries: real ISO 3166 codes whose alpha-2 and alpha-3 agree
    for rec in r["countries"]:
        iso = pycountry.countries.get(alpha_2=rec.key)
        if iso is None:
            check.add(rec.file, "code", f"{rec.key!r} is not an ISO 3166-1 alpha-2 code", rec)
        elif iso.alpha_3 != rec.values["code3"]:
            check.add(rec.file, "code3", f"{rec.values['code3']!r} does not match {rec.key} (ISO alpha-3 is {iso.alpha_3})", rec)

    # authorities: country, parent listed earlier, one designated central authority per country
    seen_authorities: set[str] = set()
    designated: dict[str, list[Record]] = defaultdict(list)
    for rec in r["authorities"]:
        ref(rec, "country", "countries", rec.values["country"])
        parent = rec.values.get("parent")
        if parent and parent not in seen_authorities:
            message = "must name an authority listed earlier in the file" if parent in codes["authorities"] else f"unknown authority {parent!r}"
            check.add(rec.file, "parent", message, rec)
        seen_authorities.add(rec.key)
        if rec.values.get("designated_central_authority"):
            designated[rec.values["country"]].append(rec)
            if rec.values["kind"] != m.AuthorityKind.CENTRAL_AUTHORITY:
                check.add(rec.file, "designated_central_authority", "only a central_authority can be the designated one", rec)
    for country, recs in designated.items():
        for rec in recs[1:]:
            check.add(rec.file, "designated_central_authority", f"{country} already has a designated central authority (entry {recs[0].entry})", rec)
    for country in r["countries"]:
        if country.key not in designated:
            check.add("authorities.yaml", "designated_central_authority", f"no designated central authority for {country.key}")

    # networks and their memberships
    for rec in r["networks"]:
        seen_countries: dict[str, int] = {}
        if rec.values.get("members_published") is False and rec.children:
            check.add(rec.file, "memberships", "members are marked unpublished (members_published: false) but memberships are listed", rec)
        for child in rec.children:
            pos = child.values["_position"]
            country = child.values["country"]
            ref(rec, "", "countries", country, shown=f"memberships[{pos}].country")
            if country in seen_countries:
                check.add(rec.file, f"memberships[{pos}].country", f"duplicate membership for {country} (also memberships[{seen_countries[country]}])", rec)
            seen_countries[country] = pos
            authority = child.values.get("authority")
            if authority and ref(rec, "", "authorities", authority, shown=f"memberships[{pos}].authority") and country_of_authority[authority] != country:
                check.add(rec.file, f"memberships[{pos}].authority", f"{authority!r} belongs to {country_of_authority[authority]}, not {country}", rec)
            _period(check, rec, f"memberships[{pos}]", child.values.get("valid_from"), child.values.get("valid_to"))

    # instruments and their parties
    seen_instruments: dict[str, Record] = {}
    for rec in r["instruments"]:
        parent = rec.values.get("parent")
        if parent and parent not in seen_instruments:
            message = "must name an instrument listed earlier in the file" if parent in codes["instruments"] else f"unknown instrument {parent!r}"
            check.add(rec.file, "parent", message, rec)
        for element, measure_codes in rec.values.get("content_exemptions", {}).items():
            if element not in rec.values.get("required_contents", []):
                check.add(rec.file, "content_exemptions", f"{element!r} is not in required_contents", rec)
            for code in measure_codes:
                ref(rec, "", "measures", code, shown=f"content_exemptions.{element}")
        seen_countries = {}
        instrument_in_force = rec.values.get("in_force_on")
        parent_parties = {c.values["country"] for c in seen_instruments[parent].children} if parent in seen_instruments else None
        for child in rec.children:
            pos = child.values["_position"]
            country = child.values["country"]
            shown = f"parties[{pos}]"
            ref(rec, "", "countries", country, shown=f"{shown}.country")
            if country in seen_countries:
                check.add(rec.file, f"{shown}.country", f"duplicate party {country} (also parties[{seen_countries[country]}])", rec)
            seen_countries[country] = pos
            if parent_parties is not None and country not in parent_parties:
                check.add(rec.file, f"{shown}.country", f"{country} is not a party to the parent instrument {parent}", rec)
            authority = child.values.get("central_authority")
            if authority and ref(rec, "", "authorities", authority, shown=f"{shown}.central_authority") and country_of_authority[authority] != country:
                check.add(rec.file, f"{shown}.central_authority", f"{authority!r} belongs to {country_of_authority[authority]}, not {country}", rec)
            v = child.values
            if v.get("signed_on") and v.get("ratified_on") and v["ratified_on"] < v["signed_on"]:
                check.add(rec.file, f"{shown}.ratified_on", "is before signed_on", rec)
            if instrument_in_force and v.get("in_force_on") and v["in_force_on"] < instrument_in_force:
                check.add(rec.file, f"{shown}.in_force_on", f"is before the instrument's own entry into force ({instrument_in_force})", rec)
            _period(check, rec, shown, v.get("in_force_on"), v.get("withdrawn_on"), "in_force_on", "withdrawn_on")
        seen_instruments[rec.key] = rec

    # deadline rules
    for rec in r["deadline_rules"]:
        v = rec.values
        ref(rec, "instrument", "instruments", v.get("instrument"))
        ref(rec, "network", "networks", v.get("network"))
        no_number = v["unit"] in (m.DeadlineUnit.REQUESTED_DATE, m.DeadlineUnit.SERVICE_LEVEL)
        if not no_number and not v.get("period"):
            check.add(rec.file, "period", f"is required for unit {v['unit']}", rec)
        if v["unit"] == m.DeadlineUnit.REQUESTED_DATE and v.get("period"):
            check.add(rec.file, "period", "a requested date has no period", rec)
        if no_number and v["is_legal_limit"]:
            check.add(rec.file, "is_legal_limit", "requested dates and service levels are never legal limits", rec)
        if v.get("extension_period") and not v.get("period"):
            check.add(rec.file, "extension_period", "needs a period to extend", rec)
        if v.get("roll_forward") and v["unit"] != m.DeadlineUnit.CALENDAR_DAYS:
            check.add(rec.file, "roll_forward", "only applies to periods in calendar days", rec)

    for kind in ("measures", "refusal_grounds"):
        for rec in r[kind]:
            for code in rec.values.get("instruments", []):
                ref(rec, "instruments", "instruments", code)

    for rec in r["refusal_grounds"]:
        seen_keys: dict[str, int] = {}
        for child in rec.children:
            pos = child.values["_position"]
            kind, instrument = child.values["kind"], child.values.get("instrument")
            shown = f"restrictions[{pos}]"
            if kind != m.RestrictionKind.NEVER and not instrument:
                check.add(rec.file, f"{shown}.instrument", f"is required for a '{kind}' restriction", rec)
            ref(rec, "", "instruments", instrument, shown=f"{shown}.instrument")
            if child.key in seen_keys:
                check.add(rec.file, shown, f"duplicate restriction (also restrictions[{seen_keys[child.key]}])", rec)
            seen_keys[child.key] = pos

    missing_roles = set(RoleCode.values) - {rec.key for rec in r["roles"]}
    for code in sorted(missing_roles):
        check.add("roles.yaml", "code", f"role {code!r} of coopcases.accounts.roles is missing")


def _period(check: _Checker, rec: Record, prefix: str, start, end, start_name="valid_from", end_name="valid_to"):
    if start and end and end < start:
        check.add(rec.file, f"{prefix}.{end_name}", f"is before {start_name}", rec)
