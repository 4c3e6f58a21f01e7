"""Load data at national-archive scale, written with COPY (psycopg 3 `cursor.copy`), deterministic per seed.

What a deployment accumulates over `YEARS` years: MLA requests (most traffic between a few large pairs of
states, every lifecycle state present), their measures and legal bases, the event (status history and outbox)
and hash-chained audit rows their creation and each transition would have written, their deadlines, cases,
JITs with their parties, and assets. Rows are written in chunks of requests, one transaction per chunk, with
explicit ids; the sequences are moved past them at the end. Reference data (`load_reference_data`) must be
loaded first. Nothing here goes through the services: it reproduces the rows they write, fast.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import orjson
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from coopcases.accounts.models import Role, User
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from networks.models import Authority, AuthorityKind, Instrument, Measure
from requests.models import MlaRequest, MlaRequestKind
from requests.models import MlaRequestState as S

YEARS = 15
CHUNK = 20_000
OBJECT_TYPE = "mla.mlarequest"

# The path each final state is reached by (every request starts as a draft).
_SENT = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.TRANSMITTED]
_EXEC = [*_SENT, S.ACKNOWLEDGED, S.IN_EXECUTION]
PATHS: dict[str, list[str]] = {
    S.DRAFT: [S.DRAFT],
    S.SUBMITTED: [S.DRAFT, S.SUBMITTED],
    S.RETURNED: [S.DRAFT, S.SUBMITTED, S.RETURNED],
    S.REJECTED_BY_CENTRAL_AUTHORITY: [S.DRAFT, S.SUBMITTED, S.REJECTED_BY_CENTRAL_AUTHORITY],
    S.APPROVED: [S.DRAFT, S.SUBMITTED, S.APPROVED],
    S.TRANSMITTED: _SENT,
    S.ACKNOWLEDGED: [*_SENT, S.ACKNOWLEDGED],
    S.IN_EXECUTION: _EXEC,
    S.ADDITIONAL_INFORMATION_REQUESTED: [*_EXEC, S.ADDITIONAL_INFORMATION_REQUESTED],
    S.CONSULTATION: [*_EXEC, S.CONSULTATION],
    S.GRANTED_WITH_CONDITIONS: [*_EXEC, S.CONSULTATION, S.GRANTED_WITH_CONDITIONS],
    S.POSTPONED: [*_EXEC, S.CONSULTATION, S.POSTPONED],
    S.PARTIALLY_EXECUTED: [*_EXEC, S.PARTIALLY_EXECUTED],
    S.EXECUTED: [*_EXEC, S.EXECUTED],
    S.REFUSED: [*_EXEC, S.CONSULTATION, S.REFUSED],
    S.IMPOSSIBLE: [*_EXEC, S.IMPOSSIBLE],
    S.WITHDRAWN: [*_SENT, S.ACKNOWLEDGED, S.WITHDRAWN],
    S.CLOSED: [*_EXEC, S.EXECUTED, S.CLOSED],
}
ACTIONS = {
    S.SUBMITTED: "submit", S.RETURNED: "return_for_amendment", S.REJECTED_BY_CENTRAL_AUTHORITY: "reject",
    S.APPROVED: "approve", S.TRANSMITTED: "transmit", S.ACKNOWLEDGED: "acknowledge",
    S.IN_EXECUTION: "assign_executing_authority", S.ADDITIONAL_INFORMATION_REQUESTED: "request_additional_information",
    S.CONSULTATION: "open_consultation", S.GRANTED_WITH_CONDITIONS: "grant_with_conditions", S.POSTPONED: "postpone",
    S.PARTIALLY_EXECUTED: "mark_partially_executed", S.EXECUTED: "execute", S.REFUSED: "refuse",
    S.IMPOSSIBLE: "mark_impossible", S.WITHDRAWN: "withdraw", S.CLOSED: "close",
}
# Typical days each step takes (low, high).
STEP_DAYS = {
    S.SUBMITTED: (1, 20), S.RETURNED: (1, 10), S.REJECTED_BY_CENTRAL_AUTHORITY: (1, 15), S.APPROVED: (1, 10),
    S.TRANSMITTED: (0, 3), S.ACKNOWLEDGED: (1, 14), S.IN_EXECUTION: (1, 30), S.ADDITIONAL_INFORMATION_REQUESTED: (5, 60),
    S.CONSULTATION: (5, 60), S.GRANTED_WITH_CONDITIONS: (5, 30), S.POSTPONED: (5, 30), S.PARTIALLY_EXECUTED: (20, 120),
    S.EXECUTED: (30, 300), S.REFUSED: (5, 30), S.IMPOSSIBLE: (20, 200), S.WITHDRAWN: (5, 200), S.CLOSED: (5, 60),
}
# Final states of requests older than two years (nearly all closed) and of recent ones (spread over the lifecycle).
OLD_WEIGHTS = {S.CLOSED: 84, S.EXECUTED: 4, S.REFUSED: 3, S.WITHDRAWN: 3, S.IMPOSSIBLE: 2,
               S.REJECTED_BY_CENTRAL_AUTHORITY: 2, S.PARTIALLY_EXECUTED: 1, S.POSTPONED: 1}
RECENT_WEIGHTS = {S.DRAFT: 8, S.SUBMITTED: 8, S.RETURNED: 3, S.REJECTED_BY_CENTRAL_AUTHORITY: 1, S.APPROVED: 4,
                  S.TRANSMITTED: 5, S.ACKNOWLEDGED: 8, S.IN_EXECUTION: 20, S.ADDITIONAL_INFORMATION_REQUESTED: 5,
                  S.CONSULTATION: 3, S.GRANTED_WITH_CONDITIONS: 2, S.POSTPONED: 2, S.PARTIALLY_EXECUTED: 5,
                  S.EXECUTED: 8, S.REFUSED: 2, S.IMPOSSIBLE: 1, S.WITHDRAWN: 2, S.CLOSED: 13}
KIND_WEIGHTS = {MlaRequestKind.MLA: 70, MlaRequestKind.EIO: 20, MlaRequestKind.FREEZING_CERTIFICATE: 6,
                MlaRequestKind.CONFISCATION_CERTIFICATE: 4}
OPEN_DEADLINE_STATES = {S.TRANSMITTED, S.ACKNOWLEDGED, S.IN_EXECUTION, S.CONSULTATION, S.GRANTED_WITH_CONDITIONS,
                        S.PARTIALLY_EXECUTED}
PAUSED_DEADLINE_STATES = {S.ADDITIONAL_INFORMATION_REQUESTED, S.POSTPONED}
RESPONSE_OFFSETS = [336, 168, 24]
REASON = "Reasons given in the decision."
REASONED = {S.RETURNED, S.REJECTED_BY_CENTRAL_AUTHORITY, S.REFUSED, S.WITHDRAWN, S.POSTPONED, S.CONSULTATION,
            S.IMPOSSIBLE, S.ADDITIONAL_INFORMATION_REQUESTED}
SECOND = timedelta(seconds=1)
JIT_STATUSES = ["proposed", "drafting", "national_approvals", "signature_pending", "active", "active", "active",
                "amendment_pending", "expired", "terminated_early", "evaluation", "closed", "closed", "closed"]
ASSET_STATES = ["identified", "traced", "frozen", "frozen", "seized", "confiscated", "under_management", "realised",
                "disposed", "shared", "returned", "released", "not_found", "closed", "closed"]
ASSET_KINDS = ["account", "account", "account", "real_estate", "vehicle", "vessel", "company", "crypto", "cash",
               "securities", "valuables"]

COLUMNS = {
    "cases_case": ("id", "created_at", "updated_at", "version", "national_reference", "title", "status",
                   "lead_authority_id", "confidentiality", "created_by_id"),
    "mla_mlarequest": (
        "id", "created_at", "updated_at", "version", "case_id", "additional_content", "approved_at", "approved_by_id",
        "channel", "channel_network_id", "confidentiality_note", "confidentiality_required", "created_by_id",
        "due_reason", "executing_authority_id", "facts_summary", "finished_at", "kind", "language",
        "persons_unknown_reason", "purpose", "reference", "reference_sequence", "reference_year",
        "requested_central_authority_id", "requested_due_date", "requested_state_id", "requesting_authority_id",
        "requesting_central_authority_id", "requesting_state_id", "resume_state", "special_procedure", "state",
        "subject_and_authority", "submitted_at", "submitted_by_id", "title", "transmitted_at", "transmitted_by_id",
        "urgency_reason", "urgent", "use_restriction"),
    "mla_mlarequest_legal_bases": ("mlarequest_id", "instrument_id"),
    "mla_requestmeasure": ("id", "details", "extra", "status", "outcome", "created_at", "updated_at", "measure_id",
                           "request_id"),
    "events_event": ("id", "at", "event_type", "object_type", "object_id", "sequence", "actor_repr", "door",
                     "from_state", "to_state", "reason", "data", "dispatched_at", "dispatch_attempts", "actor_id",
                     "authority_id", "case_id", "dispatch_error"),
    "audit_auditentry": ("id", "at", "actor_repr", "authority_id", "on_behalf_of", "door", "ip", "request_id", "action",
                         "object_type", "object_id", "case_id", "before", "after", "reason", "purpose", "outcome",
                         "prev_hash", "hash", "actor_id"),
    "deadlines_deadline": (
        "id", "object_id", "kind", "label", "is_legal_limit", "trigger_at", "due_at", "state", "paused_at",
        "paused_total_seconds", "reminder_offsets_hours", "next_reminder_at", "escalated_at", "closed_at",
        "extension_reason", "created_at", "updated_at", "calendar_country_id", "case_id", "content_type_id",
        "responsible_authority_id", "rule_id"),
    "cases_jointinvestigationteam": (
        "id", "created_at", "updated_at", "version", "title", "legal_basis_article", "purpose", "start_date",
        "end_date", "status", "action_plan_version", "activated_at", "ended_at", "case_id", "created_by_id",
        "legal_basis_id"),
    "cases_jitparty": ("id", "coordinating", "signed_on", "signatory", "signature_recorded_at", "authority_id",
                       "country_id", "signature_recorded_by_id", "jit_id"),
    "assets_asset": (
        "id", "created_at", "updated_at", "version", "kind", "description", "identifiers", "reference", "holder_name",
        "holder_type", "estimated_amount", "estimated_currency", "valuation_date", "state", "frozen_at",
        "confiscated_at", "realised_at", "realised_amount", "realised_currency", "shared_at", "returned_at", "case_id",
        "created_by_id", "location_state_id", "responsible_authority_id"),
}
# Written in this order within a chunk (foreign keys are deferred to the chunk's commit anyway).
TABLE_ORDER = tuple(COLUMNS)


def _text(value) -> str:
    """One value in COPY text format. Our generated text never holds tabs, newlines or backslashes."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _line(*values) -> str:
    return "\t".join(map(_text, values)) + "\n"


class LoadDataError(Exception):
    pass


def check_references() -> list[str]:
    """Foreign keys of the generated tables with a dangling value (the load writes them with FK triggers off)."""
    broken = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname "
            "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
            [list(TABLE_ORDER)],
        )
        for name, table, column, target, target_column in cursor.fetchall():
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column}))"
            )
            if cursor.fetchone()[0]:
                broken.append(name)
    return broken


@dataclass
class Side:
    """A state's authorities and the bench users acting for them."""

    country: str
    central: Authority
    drafting: list[Authority]
    magistrates: dict[int, list[User]] = field(default_factory=dict)
    officers: list[User] = field(default_factory=list)
    executing_officers: dict[int, list[User]] = field(default_factory=dict)


@dataclass
class Result:
    requests: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _weighted(weights: dict) -> tuple[list, list[float]]:
    keys = list(weights)
    total = float(sum(weights.values()))
    cumulative, running = [], 0.0
    for k in keys:
        running += weights[k] / total
        cumulative.append(running)
    return keys, cumulative


class Generator:
    def __init__(self, *, requests: int, seed: int, now: datetime, chunk: int = CHUNK,
                 progress: Callable[[str], None] = lambda message: None):
        self.n = requests
        self.rng = random.Random(seed)
        self.now = now
        self.chunk = chunk
        self.progress = progress
        self.result = Result(rows=dict.fromkeys(TABLE_ORDER, 0))
        self.next_id: dict[str, int] = {}
        self.counters: dict[tuple[int, int], int] = {}
        self.prev_hash = ""

    # -- setup ------------------------------------------------------------------------------------------------

    def _check_empty(self) -> None:
        if MlaRequest.objects.exists():
            raise LoadDataError("mla_mlarequest already holds rows: generate into an empty database (make bench drops it).")
        if not Authority.objects.filter(kind=AuthorityKind.CENTRAL_AUTHORITY).exists():
            raise LoadDataError("No central authorities: run `manage.py load_reference_data` first.")

    def _sides(self) -> list[Side]:
        centrals: dict[str, Authority] = {}
        for a in Authority.objects.filter(kind=AuthorityKind.CENTRAL_AUTHORITY).order_by("country_id", "-designated_central_authority", "id"):
            centrals.setdefault(a.country_id, a)
        drafting: dict[str, list[Authority]] = {}
        for a in Authority.objects.filter(kind=AuthorityKind.PROSECUTION).order_by("id"):
            drafting.setdefault(a.country_id, []).append(a)
        return [Side(c, centrals[c], drafting.get(c) or [centrals[c]]) for c in sorted(centrals)]

    def _users(self, sides: list[Side]) -> None:
        """Bench users: two magistrates and an executing officer per drafting authority, two officers per central one."""
        roles = {r.code: r for r in Role.objects.all()}
        made: list[tuple[User, str]] = []
        for side in sides:
            for k in range(2):
                made.append((User(username=f"bench-{side.central.code}-cao{k}", authority=side.central), RoleCode.CENTRAL_AUTHORITY_OFFICER))
            for a in side.drafting:
                for k in range(2):
                    made.append((User(username=f"bench-{a.code}-lm{k}", authority=a), RoleCode.LIAISON_MAGISTRATE))
                made.append((User(username=f"bench-{a.code}-eao", authority=a), RoleCode.EXECUTING_AUTHORITY_OFFICER))
        made.append((User(username="bench-auditor"), RoleCode.AUDITOR))
        for user, _ in made:
            user.set_unusable_password()
        existing = set(User.objects.filter(username__startswith="bench-").values_list("username", flat=True))
        fresh = [(u, code) for u, code in made if u.username not in existing]
        User.objects.bulk_create([u for u, _ in fresh])
        by_name = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
        User.roles.through.objects.bulk_create(
            [User.roles.through(user_id=by_name[u.username].pk, role_id=roles[code].pk) for u, code in fresh], ignore_conflicts=True
        )
        for side in sides:
            side.officers = [by_name[f"bench-{side.central.code}-cao{k}"] for k in range(2)]
            for a in side.drafting:
                side.magistrates[a.pk] = [by_name[f"bench-{a.code}-lm{k}"] for k in range(2)]
                side.executing_officers[a.pk] = [by_name[f"bench-{a.code}-eao"]]
            side.magistrates.setdefault(side.central.pk, side.officers)

    def _pairs(self, sides: list[Side]) -> tuple[list[tuple[Side, Side]], list[float]]:
        """Pairs of states weighted like real traffic: a handful carry most requests, then a long Zipf tail."""
        by_country = {s.country: s for s in sides}
        large = [("ES", "AR"), ("ES", "CO"), ("US", "MX"), ("BR", "PT"), ("AR", "ES"), ("MX", "US"), ("PE", "ES"),
                 ("CO", "US"), ("FR", "ES"), ("IT", "AR")]
        pairs = [(by_country[a], by_country[b]) for a, b in large if a in by_country and b in by_country]
        if not pairs:  # reference data without these states (tests): the first few pairs are the large ones
            pairs = [(sides[i], sides[i + 1]) for i in range(min(4, len(sides) - 1))]
        heavy = len(pairs)
        rest = [(a, b) for a in sides for b in sides if a is not b and (a, b) not in pairs]
        self.rng.shuffle(rest)
        pairs += rest
        # The large pairs carry 60% of the traffic between them; the rest falls off as a Zipf tail.
        tail = {i: 1.0 / (i - heavy + 1) ** 1.1 for i in range(heavy, len(pairs))}
        tail_total = sum(tail.values())
        weights = dict.fromkeys(range(heavy), 60.0 / heavy) | {i: 40.0 * w / tail_total for i, w in tail.items()}
        return pairs, _weighted(weights)[1]

    def _allocate_ids(self) -> None:
        with connection.cursor() as cursor:
            for table in TABLE_ORDER:
                if "id" in COLUMNS[table]:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our table names)
                    self.next_id[table] = cursor.fetchone()[0]
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        from coopcases.audit.chain import chain_anchor

        self.prev_hash = last or chain_anchor()

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    # -- run ----------------------------------------------------------------------------------------------------

    def run(self) -> Result:
        started = time.perf_counter()
        self._check_empty()
        sides = self._sides()
        if len(sides) < 2:
            raise LoadDataError("At least two states with a central authority are needed.")
        self._users(sides)
        self.pairs, self.pair_cumulative = self._pairs(sides)
        self.instruments = list(Instrument.objects.order_by("id").values_list("id", flat=True))
        self.measures = list(Measure.objects.order_by("id").values_list("id", flat=True))
        self.content_type_id = ContentType.objects.get_for_model(MlaRequest).pk
        self.kinds, self.kind_cumulative = _weighted(KIND_WEIGHTS)
        self.old_states, self.old_cumulative = _weighted(OLD_WEIGHTS)
        self.recent_states, self.recent_cumulative = _weighted(RECENT_WEIGHTS)
        self.jit_partners = [(side.central.pk, side.country) for side in sides]
        self._allocate_ids()
        self.case_of_authority: dict[int, int] = {}
        # Creation moments, oldest first, denser in recent years (traffic grows).
        span = YEARS * 365 * 86400
        ages = sorted((span * self.rng.random() ** 1.4 for _ in range(self.n)), reverse=True)
        forced = list(PATHS)  # the newest requests cover every state, whatever the weights draw
        deferred = self._drop_secondary_indexes()
        for start in range(0, self.n, self.chunk):
            rows: dict[str, list[str]] = {t: [] for t in TABLE_ORDER}
            for i in range(start, min(start + self.chunk, self.n)):
                newest_rank = self.n - 1 - i
                final = forced[newest_rank] if newest_rank < len(forced) else None
                self._request(rows, self.now - timedelta(seconds=ages[i]), final)
            self._copy(rows)
            done = min(start + self.chunk, self.n)
            elapsed = time.perf_counter() - started
            self.progress(f"requests {done:>9,}/{self.n:,} ({100 * done // self.n:3d}%)  {elapsed:7.1f} s  "
                          f"{done / elapsed:8,.0f} requests/s  {sum(self.result.rows.values()):,} rows")
        self._finish(deferred)
        self.result.requests = self.n
        self.result.seconds = time.perf_counter() - started
        return self.result

    def _copy(self, rows: dict[str, list[str]]) -> None:
        raw = connection.connection
        with raw.transaction(), raw.cursor() as cursor:
            # Foreign keys are checked by per-row triggers: off for the load (superuser only, this transaction),
            # checked in bulk by `check_references` instead. CHECK and UNIQUE constraints still apply.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in TABLE_ORDER:
                if not rows[table]:
                    continue
                with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:  # noqa: S608
                    copy.write("".join(rows[table]))
                self.result.rows[table] += len(rows[table])

    def _drop_secondary_indexes(self) -> list[tuple[str, str]]:
        """Indexes that back no constraint are dropped for the load and built again at the end (far faster than
        maintaining them row by row). Their exact definitions come from pg_indexes, so they return unchanged."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname",
                [list(TABLE_ORDER)],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return indexes

    def _finish(self, deferred: list[tuple[str, str]]) -> None:
        self.progress(f"building {len(deferred)} secondary indexes, counters, sequences, VACUUM ANALYZE…")
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in deferred:
                cursor.execute(definition)
            cursor.execute(
                "INSERT INTO mla_referencecounter (authority_id, year, last) "
                "SELECT requesting_authority_id, reference_year, MAX(reference_sequence) FROM mla_mlarequest "
                "GROUP BY 1, 2 ON CONFLICT (authority_id, year) DO UPDATE SET last = GREATEST(mla_referencecounter.last, EXCLUDED.last)"
            )
            for table in TABLE_ORDER:
                if "id" in COLUMNS[table]:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
                    )
        broken = check_references()
        if broken:
            raise LoadDataError(f"foreign keys broken by the load: {', '.join(broken)}")
        tables = (*TABLE_ORDER, "mla_referencecounter", "accounts_user")
        if connection.in_atomic_block:  # inside a test's transaction VACUUM cannot run; statistics are enough
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")
            return
        raw = connection.connection
        raw.autocommit, was = True, raw.autocommit
        try:
            with raw.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"VACUUM ANALYZE {table}")
        finally:
            raw.autocommit = was

    # -- one request and what it carries --------------------------------------------------------------------

    def _pick(self, keys: list, cumulative: list[float]):
        x = self.rng.random()
        lo, hi = 0, len(cumulative) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return keys[lo]

    def _request(self, rows: dict[str, list[str]], created: datetime, final: str | None) -> None:
        rng = self.rng
        requesting, requested = self.pairs[self._pick(range(len(self.pairs)), self.pair_cumulative)]
        if final is None:
            old = (self.now - created).days > 730
            final = self._pick(self.old_states, self.old_cumulative) if old else self._pick(self.recent_states, self.recent_cumulative)
        kind = self._pick(self.kinds, self.kind_cumulative)
        path = PATHS[final]
        authority = rng.choice(requesting.drafting)
        executing = rng.choice(requested.drafting)
        drafter = rng.choice(requesting.magistrates[authority.pk])
        officer = next(u for u in requesting.officers if u.pk != drafter.pk)
        requested_officer = rng.choice(requested.officers)
        executing_officer = rng.choice(requested.executing_officers.get(executing.pk) or requested.officers)

        # Moments of each step; squeezed to end before now for recent requests.
        offsets, total = [], 0.0
        for state in path[1:]:
            low, high = STEP_DAYS[state]
            total += rng.uniform(low, high) * 86400
            offsets.append(total)
        room = (self.now - created).total_seconds() * 0.98
        if total > room:
            offsets = [o * room / total for o in offsets]
        moments = [created] + [created + timedelta(seconds=o) for o in offsets]
        at = dict(zip(path, moments, strict=True))

        case_id = self._case(rows, authority, drafter, created) if rng.random() < 0.6 else None
        request_id = self._id("mla_mlarequest")
        year = created.year
        seq = self.counters.get((authority.pk, year), 0) + 1
        self.counters[(authority.pk, year)] = seq
        reference = f"{authority.code.upper()}-{year}-{seq:05d}"
        urgent = rng.random() < 0.08
        due_date = (created + timedelta(days=rng.randint(60, 240))).date() if rng.random() < 0.5 else None
        submitted = at.get(S.SUBMITTED)
        approved = at.get(S.APPROVED)
        transmitted = at.get(S.TRANSMITTED)
        finished = next((at[s] for s in (S.EXECUTED, S.REFUSED, S.IMPOSSIBLE, S.WITHDRAWN) if s in at), None)
        if final == S.REJECTED_BY_CENTRAL_AUTHORITY:
            finished = at[final]
        assigned = S.IN_EXECUTION in at
        resume = S.IN_EXECUTION if final == S.ADDITIONAL_INFORMATION_REQUESTED else ""
        rows["mla_mlarequest"].append(_line(
            request_id, created, moments[-1], len(path), case_id, "{}", approved, officer.pk if approved else None,
            "central_authority", None, "", urgent and rng.random() < 0.5, drafter.pk,
            "Hearing scheduled in the main proceedings" if due_date else "", executing.pk if assigned else None,
            f"Summary of the facts of request {request_id}.", finished, kind, rng.choice(("es", "en", "pt", "fr")),
            "", "Evidence for the criminal proceedings.", reference, seq, year, requested.central.pk, due_date,
            requested.country, authority.pk, requesting.central.pk, requesting.country, resume, "", final,
            "Investigation by the public prosecutor's office.", submitted, drafter.pk if submitted else None,
            f"{kind.upper()} {reference}: assistance in a criminal investigation", transmitted,
            officer.pk if transmitted else None, "Suspects about to leave the country" if urgent else "", urgent, "",
        ))
        rows["mla_mlarequest_legal_bases"].append(_line(request_id, rng.choice(self.instruments)))
        measure_status = {S.EXECUTED: "executed", S.CLOSED: "executed", S.REFUSED: "refused", S.IMPOSSIBLE: "impossible",
                          S.PARTIALLY_EXECUTED: "in_execution", S.IN_EXECUTION: "in_execution"}.get(final, "pending")
        for measure in rng.sample(self.measures, rng.choice((1, 1, 2, 3))):
            rows["mla_requestmeasure"].append(_line(self._id("mla_requestmeasure"), "As described in the request.", "{}",
                                               measure_status, "", created, moments[-1], measure, request_id))

        actors = {S.SUBMITTED: drafter, S.RETURNED: officer, S.REJECTED_BY_CENTRAL_AUTHORITY: officer, S.APPROVED: officer,
                  S.TRANSMITTED: officer, S.WITHDRAWN: drafter, S.CLOSED: drafter, S.PARTIALLY_EXECUTED: executing_officer,
                  S.EXECUTED: executing_officer, S.IMPOSSIBLE: executing_officer}
        self._history(rows, request_id, case_id, reference, kind, path, moments, drafter,
                      lambda s: actors.get(s, requested_officer))
        self._deadlines(rows, request_id, case_id, kind, final, at, requested, due_date)

    def _history(self, rows, request_id, case_id, reference, kind, path, moments, drafter, actor_of) -> None:
        """The event (status history and outbox, delivered) and chained audit row of creation and of each step."""
        object_id = str(request_id)
        steps = [(1, "mla_request.created", drafter, "", S.DRAFT, moments[0], "create", None,
                  {"reference": reference, "kind": kind, "state": S.DRAFT}, {"reference": reference, "kind": kind})]
        for seq, (source, target, moment) in enumerate(zip(path, path[1:], moments[1:], strict=False), start=2):
            action = ACTIONS[target]
            steps.append((seq, f"mla_request.{action}", actor_of(target), source, target, moment, "transition",
                          {"state": source}, {"state": target, "action": action}, {}))
        events, audit = rows["events_event"], rows["audit_auditentry"]
        case_text = "\\N" if case_id is None else str(case_id)
        for seq, event_type, actor, source, target, moment, audit_action, before, after, data in steps:
            reason = REASON if target in REASONED else ""
            at_text = moment.isoformat()
            authority = "\\N" if actor.authority_id is None else str(actor.authority_id)
            events.append(
                f"{self._id('events_event')}\t{at_text}\t{event_type}\t{OBJECT_TYPE}\t{object_id}\t{seq}\t{actor.username}\tui\t"
                f"{source}\t{target}\t{reason}\t{orjson.dumps(data).decode()}\t{(moment + SECOND).isoformat()}\t1\t{actor.pk}\t"
                f"{authority}\t{case_text}\t\n"
            )
            # The digest of coopcases.audit.chain.entry_digest, with orjson's sorted compact form (the same text).
            chained = {
                "at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor_id": actor.pk, "actor_repr": actor.username,
                "authority_id": actor.authority_id, "on_behalf_of": "", "door": "ui", "ip": None, "request_id": "",
                "action": audit_action, "object_type": OBJECT_TYPE, "object_id": object_id, "case_id": case_id,
                "before": before, "after": after, "reason": reason, "purpose": "", "outcome": "success",
            }
            digest = hashlib.sha256(self.prev_hash.encode() + orjson.dumps(chained, option=orjson.OPT_SORT_KEYS)).hexdigest()
            before_text = "\\N" if before is None else orjson.dumps(before).decode()
            audit.append(
                f"{self._id('audit_auditentry')}\t{at_text}\t{actor.username}\t{authority}\t\tui\t\\N\t\t{audit_action}\t"
                f"{OBJECT_TYPE}\t{object_id}\t{case_text}\t{before_text}\t{orjson.dumps(after).decode()}\t{reason}\t\t"
                f"success\t{self.prev_hash}\t{digest}\t{actor.pk}\n"
            )
            self.prev_hash = digest

    def _deadlines(self, rows, request_id, case_id, kind, final, at, requested: Side, due_date: date | None) -> None:
        """The response clock from transmission, and for an EIO the legal limit from receipt (Dir. 2014/41 art. 12)."""
        clocks = []
        if S.TRANSMITTED in at:
            start = at[S.TRANSMITTED]
            due = datetime.combine(due_date, datetime.min.time(), tzinfo=start.tzinfo) if due_date else start + timedelta(days=120)
            clocks.append(("mla_response", "Response to the request", False, start, max(due, start + timedelta(days=1))))
        if kind == MlaRequestKind.EIO and S.ACKNOWLEDGED in at:
            start = at[S.ACKNOWLEDGED]
            clocks.append(("legal_limit", "Decision on recognition (30 days)", True, start, start + timedelta(days=30)))
        end = next((at[s] for s in (S.EXECUTED, S.REFUSED, S.IMPOSSIBLE, S.WITHDRAWN) if s in at), None)
        for clock_kind, label, legal, trigger, due in clocks:
            paused_at = next_reminder = escalated = closed = None
            if final in OPEN_DEADLINE_STATES:
                state = "open"
                upcoming = [due - timedelta(hours=h) for h in RESPONSE_OFFSETS if due - timedelta(hours=h) > self.now]
                next_reminder = min(upcoming) if upcoming else None
                escalated = due if due <= self.now else None
            elif final in PAUSED_DEADLINE_STATES:
                state, paused_at = "paused", at[final]
            else:
                closed = end or at[final]
                state = "cancelled" if final == S.WITHDRAWN else ("met" if closed <= due else "missed")
            rows["deadlines_deadline"].append(_line(
                self._id("deadlines_deadline"), str(request_id), clock_kind, label, legal, trigger, due, state, paused_at, 0,
                orjson.dumps(RESPONSE_OFFSETS).decode(), next_reminder, escalated, closed, "", trigger,
                closed or paused_at or escalated or trigger, requested.country,
                case_id, self.content_type_id, requested.central.pk, None,
            ))

    def _case(self, rows, authority: Authority, creator: User, created: datetime) -> int:
        """The authority's current case, or a new one (with, sometimes, a JIT and assets)."""
        rng = self.rng
        existing = self.case_of_authority.get(authority.pk)
        if existing is not None and rng.random() < 0.6:
            return existing
        case_id = self._id("cases_case")
        self.case_of_authority[authority.pk] = case_id
        old = (self.now - created).days > 1500
        status = ("closed" if old and rng.random() < 0.9 else rng.choice(("open", "open", "open", "suspended")))
        rows["cases_case"].append(_line(case_id, created, created, 1, f"{authority.code.upper()}-C-{case_id}",
                                   f"Investigation {case_id}", status, authority.pk,
                                   rng.choice(("restricted", "restricted", "confidential", "secret")), creator.pk))
        if rng.random() < 0.08:
            self._jit(rows, case_id, authority, creator, created)
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            self._asset(rows, case_id, authority, creator, created)
        return case_id

    def _jit(self, rows, case_id: int, authority: Authority, creator: User, created: datetime) -> None:
        rng = self.rng
        jit_id = self._id("cases_jointinvestigationteam")
        status = rng.choice(JIT_STATUSES)
        start = created.date() + timedelta(days=rng.randint(10, 90))
        end = start + timedelta(days=rng.choice((180, 365, 730)))
        running = status in ("active", "amendment_pending", "expired", "terminated_early", "evaluation", "closed")
        activated = datetime.combine(start, datetime.min.time(), tzinfo=created.tzinfo) if running else None
        ended = datetime.combine(end, datetime.min.time(), tzinfo=created.tzinfo) if status in ("expired", "evaluation", "closed", "terminated_early") else None
        rows["cases_jointinvestigationteam"].append(_line(
            jit_id, created, created, 1, f"JIT {jit_id}", "art. 19", "Joint investigation of the criminal network.", start,
            end, status, 1 if running else 0, activated, ended, case_id, creator.pk, rng.choice(self.instruments),
        ))
        partners = [(authority.pk, authority.country_id), *rng.sample(self.jit_partners, 2)]
        seen = set()
        for k, (party, country) in enumerate(partners):
            if party in seen:
                continue
            seen.add(party)
            signed = start if running else None
            rows["cases_jitparty"].append(_line(self._id("cases_jitparty"), k == 0, signed, "Signatory" if signed else "",
                                           None, party, country, None, jit_id))

    def _asset(self, rows, case_id: int, authority: Authority, creator: User, created: datetime) -> None:
        rng = self.rng
        asset_id = self._id("assets_asset")
        state = rng.choice(ASSET_STATES)
        estimated = rng.random() < 0.7
        frozen = created + timedelta(days=30) if state not in ("identified", "traced", "not_found") else None
        realised = state in ("realised", "disposed", "shared", "returned")
        location = rng.choice(self.pairs[:20])[1].country
        rows["assets_asset"].append(_line(
            asset_id, created, created, 1, rng.choice(ASSET_KINDS), f"Asset {asset_id}", "{}", f"REF{asset_id}",
            f"Holder {asset_id}", "unknown", f"{rng.randint(1_000, 5_000_000)}.00" if estimated else None,
            "EUR" if estimated else "", created.date() if estimated else None, state, frozen,
            created + timedelta(days=200) if realised else None, created + timedelta(days=400) if realised else None,
            f"{rng.randint(1_000, 1_000_000)}.00" if realised else None, "EUR" if realised else "",
            created + timedelta(days=500) if state == "shared" else None,
            created + timedelta(days=500) if state == "returned" else None, case_id, creator.pk, location, authority.pk,
        ))
