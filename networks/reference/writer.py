"""Writing a validated Dataset: upserts keyed by natural keys, inside the caller's transaction.

Rules (docs/reference-data.md):
- A row is matched by its natural key (code; network|country for memberships; instrument|country for parties).
- Only the fields an entry states (after the file's defaults) are written; fields the file leaves out keep the
  value staff entered in the admin (contact details, for instance). To clear a value, state it empty.
- A row the loader wrote earlier (recorded in ReferenceDataset.keys) and now gone from its file is deleted only if
  nothing refers to it (users, cases, contact points, other reference rows); otherwise it is kept and reported.
  Rows staff created in the admin are never deleted.
- The designated central authority of a country is the one the file names; another designation is cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models as dj
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from coopcases.accounts.models import Role
from networks import models as m
from networks.reference.schema import FILES, Dataset, Record

FILE_OF = {section: name for name, section in FILES}


@dataclass
class KindResult:
    kind: str
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "kept": len(self.kept),
        }


@dataclass
class _Synced:
    objects: dict[str, dj.Model]
    created: set[str]
    updated: set[str]


class Writer:
    def __init__(self, dataset: Dataset, progress: Callable[[KindResult], None] | None = None):
        self.ds = dataset
        self.progress = progress or (lambda result: None)
        self.results: list[KindResult] = []
        self.current_keys: dict[str, set[str]] = {}
        self.synced: dict[str, _Synced] = {}
        self.previous = {d.kind: d for d in m.ReferenceDataset.objects.all()}

    # -- generic upsert ---------------------------------------------------------------------------------------

    def _sync(self, kind: str, model, rows: dict[str, dict], key_of: Callable[[dj.Model], str], queryset=None) -> tuple[KindResult, _Synced]:
        result = KindResult(kind=kind, file=FILE_OF.get(kind) or FILE_OF[_PARENT_KIND[kind]])
        existing = {key_of(obj): obj for obj in (queryset if queryset is not None else model.objects.all())}
        to_create, to_update, changed_fields = [], [], set()
        created, updated = set(), set()
        for key, values in rows.items():
            obj = existing.get(key)
            if obj is None:
                obj = model(**values)
                to_create.append(obj)
                existing[key] = obj
                created.add(key)
                continue
            diff = [name for name, value in values.items() if getattr(obj, name) != value]
            if diff:
                for name in diff:
                    setattr(obj, name, values[name])
                to_update.append(obj)
                changed_fields.update(diff)
                updated.add(key)
        model.objects.bulk_create(to_create)
        if to_update:
            model.objects.bulk_update(to_update, sorted(changed_fields))
        result.created, result.updated = len(created), len(updated)
        result.unchanged = len(rows) - len(created) - len(updated)
        synced = _Synced(objects=existing, created=created, updated=updated)
        self.current_keys[kind] = set(rows)
        self.synced[kind] = synced
        self.results.append(result)
        return result, synced

    def _second_pass(self, result: KindResult, synced: _Synced, model, attname: str, desired: dict[str, object]) -> None:
        """Set a self-referencing key (parent) once every row of the kind exists."""
        changed = []
        for key, value in desired.items():
            obj = synced.objects[key]
            if getattr(obj, attname) != value:
                setattr(obj, attname, value)
                changed.append(obj)
                if key not in synced.created and key not in synced.updated:
                    synced.updated.add(key)
                    result.updated += 1
                    result.unchanged -= 1
        if changed:
            model.objects.bulk_update(changed, [attname])

    def _links(self, kind: str, through, left: str, right: str, pairs: set[tuple[int, int]], key_of_pair) -> None:
        """Many-to-many rows the file lists; links staff added by hand stay unless the loader wrote them before."""
        result = KindResult(kind=kind, file=FILE_OF[_PARENT_KIND[kind]])
        existing = {(getattr(t, left), getattr(t, right)): t for t in through.objects.all()}
        new = [through(**{left: a, right: b}) for a, b in pairs - set(existing)]
        through.objects.bulk_create(new)
        result.created, result.unchanged = len(new), len(pairs) - len(new)
        self.current_keys[kind] = {key_of_pair(a, b) for a, b in pairs}
        stale = self._stale(kind)
        doomed = [t.pk for (a, b), t in existing.items() if key_of_pair(a, b) in stale]
        through.objects.filter(pk__in=doomed).delete()
        result.removed = len(doomed)
        self.results.append(result)

    # -- the kinds, in dependency order ---------------------------------------------------------------------

    def run(self) -> list[KindResult]:
        r = self.ds.records
        self.progress(self._sync("countries", m.Country, {rec.key: _plain(rec) for rec in r["countries"]}, lambda o: o.code)[0])

        authority_rows = {rec.key: _plain(rec, exclude={"parent"}, fk={"country": "country_id"}) for rec in r["authorities"]}
        cleared = self._clear_other_designations(r["authorities"])
        res, authorities = self._sync("authorities", m.Authority, authority_rows, lambda o: o.code)
        for code in cleared & set(authority_rows) - authorities.created - authorities.updated:
            authorities.updated.add(code)
            res.updated += 1
            res.unchanged -= 1
        authority_id = {code: obj.pk for code, obj in authorities.objects.items()}
        self._second_pass(
            res, authorities, m.Authority, "parent_id",
            {rec.key: authority_id[rec.values["parent"]] for rec in r["authorities"] if "parent" in rec.values and rec.values["parent"]},
        )
        self.progress(res)

        res, networks = self._sync("networks", m.Network, {rec.key: _plain(rec) for rec in r["networks"]}, lambda o: o.code)
        self.progress(res)
        network_id = {code: obj.pk for code, obj in networks.objects.items()}
        network_code = {pk: code for code, pk in network_id.items()}
        membership_rows = {}
        for rec in r["networks"]:
            for child in rec.children:
                values = _plain(child, fk={"country": "country_id"}, ids={"authority": ("authority_id", authority_id)})
                values["network_id"] = network_id[rec.key]
                membership_rows[f"{rec.key}|{child.key}"] = values
        res, _ = self._sync(
            "memberships", m.Membership, membership_rows, lambda o: f"{network_code.get(o.network_id, o.network_id)}|{o.country_id}"
        )
        self.progress(res)

        instrument_rows = {rec.key: _plain(rec, exclude={"parent"}) for rec in r["instruments"]}
        res, instruments = self._sync("instruments", m.Instrument, instrument_rows, lambda o: o.code)
        instrument_id = {code: obj.pk for code, obj in instruments.objects.items()}
        instrument_code = {pk: code for code, pk in instrument_id.items()}
        self._second_pass(
            res, instruments, m.Instrument, "parent_id",
            {rec.key: instrument_id[rec.values["parent"]] for rec in r["instruments"] if rec.values.get("parent")},
        )
        self.progress(res)
        party_rows = {}
        for rec in r["instruments"]:
            for child in rec.children:
                values = _plain(child, fk={"country": "country_id"}, ids={"central_authority": ("central_authority_id", authority_id)})
                values["instrument_id"] = instrument_id[rec.key]
                party_rows[f"{rec.key}|{child.key}"] = values
        res, _ = self._sync(
            "instrument_parties", m.InstrumentParty, party_rows,
            lambda o: f"{instrument_code.get(o.instrument_id, o.instrument_id)}|{o.country_id}",
        )
        self.progress(res)

        rule_rows = {
            rec.key: _plain(rec, ids={"instrument": ("instrument_id", instrument_id), "network": ("network_id", network_id)})
            for rec in r["deadline_rules"]
        }
        self.progress(self._sync("deadline_rules", m.DeadlineRule, rule_rows, lambda o: o.code)[0])
        self.progress(self._sync("offences", m.Offence, {rec.key: _plain(rec) for rec in r["offences"]}, lambda o: o.code)[0])

        res, measures = self._sync("measures", m.Measure, {rec.key: _plain(rec, exclude={"instruments"}) for rec in r["measures"]}, lambda o: o.code)
        self.progress(res)
        measure_code = {obj.pk: code for code, obj in measures.objects.items()}
        self._links(
            "measure_instruments", m.Measure.instruments.through, "measure_id", "instrument_id",
            {(measures.objects[rec.key].pk, instrument_id[i]) for rec in r["measures"] for i in rec.values.get("instruments", [])},
            lambda a, b: f"{measure_code.get(a, a)}|{instrument_code.get(b, b)}",
        )
        self.progress(self.results[-1])

        res, grounds = self._sync(
            "refusal_grounds", m.RefusalGround, {rec.key: _plain(rec, exclude={"instruments"}) for rec in r["refusal_grounds"]}, lambda o: o.code
        )
        self.progress(res)
        ground_code = {obj.pk: code for code, obj in grounds.objects.items()}
        self._links(
            "refusal_ground_instruments", m.RefusalGround.instruments.through, "refusalground_id", "instrument_id",
            {(grounds.objects[rec.key].pk, instrument_id[i]) for rec in r["refusal_grounds"] for i in rec.values.get("instruments", [])},
            lambda a, b: f"{ground_code.get(a, a)}|{instrument_code.get(b, b)}",
        )
        self.progress(self.results[-1])
        restriction_rows = {}
        for rec in r["refusal_grounds"]:
            for child in rec.children:
                values = _plain(child, ids={"instrument": ("instrument_id", instrument_id)})
                values["ground_id"] = grounds.objects[rec.key].pk
                restriction_rows[f"{rec.key}|{child.key}"] = values
        res, _ = self._sync(
            "refusal_restrictions", m.RefusalRestriction, restriction_rows,
            lambda o: f"{ground_code.get(o.ground_id, o.ground_id)}|{o.kind}|{instrument_code.get(o.instrument_id, '-') if o.instrument_id else '-'}",
        )
        self.progress(res)

        self.progress(self._sync("roles", Role, {rec.key: _plain(rec) for rec in r["roles"]}, lambda o: o.code)[0])

        self._remove_stale()
        self._record_datasets()
        return self.results

    # -- designation, stale rows, bookkeeping ---------------------------------------------------------------

    def _clear_other_designations(self, records: list[Record]) -> set[str]:
        """The partial unique index allows one designated authority per country at every moment: clear first."""
        designated = {rec.values["country"]: rec.key for rec in records if rec.values.get("designated_central_authority")}
        stale = m.Authority.objects.filter(designated_central_authority=True, country_id__in=designated).exclude(
            code__in=designated.values()
        )
        cleared = set(stale.values_list("code", flat=True))
        stale.update(designated_central_authority=False)
        return cleared

    def _stale(self, kind: str) -> set[str]:
        previous = self.previous.get(kind)
        return set(previous.keys) - self.current_keys[kind] if previous else set()

    def _remove_stale(self) -> None:
        by_kind = {res.kind: res for res in self.results}
        for kind in reversed([res.kind for res in self.results]):
            synced = self.synced.get(kind)
            if synced is None:
                continue  # link kinds were handled when written
            result = by_kind[kind]
            for key in sorted(self._stale(kind)):
                obj = synced.objects.get(key)
                if obj is None:
                    continue  # already gone
                if _referenced(obj):
                    result.kept.append(key)
                    self.current_keys[kind].add(key)  # still ours: retried on the next load
                else:
                    obj.delete()
                    result.removed += 1

    def _record_datasets(self) -> None:
        now = timezone.now()
        for res in self.results:
            section = res.kind if res.kind in self.ds.versions else _PARENT_KIND[res.kind]
            m.ReferenceDataset.objects.update_or_create(
                kind=res.kind,
                defaults={
                    "file": res.file,
                    "version": self.ds.versions[section],
                    "checksum": self.ds.checksums[section],
                    "keys": sorted(self.current_keys[res.kind]),
                    "loaded_at": now,
                },
            )


_PARENT_KIND = {
    "memberships": "networks",
    "instrument_parties": "instruments",
    "refusal_restrictions": "refusal_grounds",
    "measure_instruments": "measures",
    "refusal_ground_instruments": "refusal_grounds",
}


def _plain(rec: Record, exclude: frozenset | set = frozenset(), fk: dict | None = None, ids: dict | None = None) -> dict:
    """Model field values of a record: `fk` renames natural-key FKs whose key is the pk; `ids` maps codes to ids."""
    fk, ids = fk or {}, ids or {}
    values = {}
    for name, value in rec.values.items():
        if name.startswith("_") or name in exclude:
            continue
        if name in fk:
            values[fk[name]] = value or None
        elif name in ids:
            attname, mapping = ids[name]
            values[attname] = mapping[value] if value else None
        else:
            values[name] = value
    return values


def _referenced(obj: dj.Model) -> bool:
    """True if deleting `obj` would delete, or is blocked by, any other row."""
    collector = Collector(using=obj._state.db or "default")
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError):
        return True
    for model, instances in collector.data.items():
        if any(other is not obj and (model is not type(obj) or other.pk != obj.pk) for other in instances):
            return True
    return any(qs.exists() for qs in collector.fast_deletes)
