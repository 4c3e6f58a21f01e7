"""Demo MLA requests in several states, filed and moved through the services (so every event, audit row and
deadline is real). Called by the project's `seed_demo` command: `seed(stdout)`. Idempotent: it does nothing
when demo requests exist, and skips with a message when the reference data it needs is missing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from coopcases.accounts.models import Role, User
from coopcases.accounts.roles import RoleCode
from coopcases.core.context import Door, acting
from coopcases.core.exceptions import DomainError
from networks.models import Authority, AuthorityKind, Country, Measure, Offence
from requests import legal, services
from requests.models import MeasureStatus, MlaRequest

DEMO_PREFIX = "[demo] "
PAIRS = [("PE", "ES"), ("CO", "US"), ("AR", "UY"), ("BR", "PT")]


def _user(role: str, authority: Authority) -> User:
    """An active user with `role` at `authority`: an existing one, or a demo account that cannot log in."""
    existing = User.objects.filter(authority=authority, roles__code=role, is_active=True).order_by("pk").first()
    if existing:
        return existing
    user, created = User.objects.get_or_create(username=f"demo.{role}.{authority.code}"[:150], defaults={"authority": authority})
    if created:
        user.set_unusable_password()
        user.save()
        user.roles.add(Role.objects.get_or_create(code=role)[0])
    return user


def _pick(model, preferred: tuple[str, ...], **filters):
    rows = list(model.objects.filter(**filters))
    by_code = {legal.norm_code(r.code): r for r in rows}
    return next((by_code[c] for c in preferred if c in by_code), rows[0] if rows else None)


class _Pair:
    """What a demo request between two states needs, read from the reference data (None when something lacks)."""

    def __init__(self, a: Country, b: Country):
        today = timezone.localdate()
        self.a, self.b = a, b
        self.bases = [x.instrument for x in legal.bindings(a.code, b.code, today) if x.instrument.kind in ("multilateral", "regional", "bilateral")][:2]
        self.requesting = Authority.objects.filter(country=a).exclude(kind=AuthorityKind.CENTRAL_AUTHORITY).order_by("pk").first()
        self.executing = Authority.objects.filter(country=b).exclude(kind=AuthorityKind.CENTRAL_AUTHORITY).order_by("pk").first()
        self.ca_a = services.central_authority_of(a, self.bases)
        self.ca_b = services.central_authority_of(b, self.bases)

    def missing(self) -> str:
        lacks = [name for name, value in (("a binding instrument", self.bases), ("a requesting authority", self.requesting),
                                          ("an executing authority", self.executing), ("central authorities", self.ca_a and self.ca_b)) if not value]
        return ", ".join(lacks)


def _file(pair: _Pair, title: str, measure: Measure, offence: Offence | None, **extra) -> MlaRequest:
    magistrate = _user(RoleCode.LIAISON_MAGISTRATE, pair.requesting)
    language = (pair.b.accepted_languages or pair.b.official_languages or ["en"])[0]
    req = services.mla_request_create(
        actor=magistrate, title=DEMO_PREFIX + title, requested_state=pair.b, legal_bases=pair.bases, language=language,
        offences=[offence] if offence else [], requested_central_authority=pair.ca_b, requesting_central_authority=pair.ca_a,
        subject_and_authority=f"Criminal investigation conducted by {pair.requesting.name}",
        facts_summary="Proceeds of drug trafficking were laundered through companies and bank accounts in the requested state.",
        purpose="To identify the accounts and trace the proceeds for confiscation.", **extra,
    )
    services.measure_add(request_pk=req.pk, actor=magistrate, measure=measure, details="Account statements 2022–2025 of the companies named")
    services.person_add(request_pk=req.pk, actor=magistrate, role="company", name="Inversiones Demo S.A.", nationality=pair.a)
    return req


def _move(pair: _Pair, req: MlaRequest, steps: list[tuple[str, str, dict]]) -> MlaRequest:
    actors = {
        "drafter": _user(RoleCode.LIAISON_MAGISTRATE, pair.requesting),
        "requesting_ca": _user(RoleCode.CENTRAL_AUTHORITY_OFFICER, pair.ca_a),
        "requested_ca": _user(RoleCode.CENTRAL_AUTHORITY_OFFICER, pair.ca_b),
        "executing": _user(RoleCode.EXECUTING_AUTHORITY_OFFICER, pair.executing),
    }
    for action, who, params in steps:
        reason = params.pop("reason", "")
        if action == "outcome":
            for measure in req.measures.all():
                services.measure_record_outcome(measure_pk=measure.pk, actor=actors[who], status=MeasureStatus.EXECUTED, outcome="Statements transmitted")
            continue
        req = services.mla_request_transition(pk=req.pk, action=action, actor=actors[who], reason=reason, params=params)
    return req


def seed(stdout) -> list[MlaRequest]:
    if MlaRequest.objects.filter(title__startswith=DEMO_PREFIX).exists():
        stdout.write("MLA demo requests already exist: nothing to do.\n")
        return []
    countries = {c.code: c for c in Country.objects.filter(code__in={c for pair in PAIRS for c in pair})}
    measure = _pick(Measure, ("RECORDS", "BANK_ACCOUNT_INFO", "TAKE_STATEMENT"), coercive=False)
    offence = _pick(Offence, ("MONEY_LAUNDERING", "DRUG_TRAFFICKING"))
    if measure is None:
        stdout.write("MLA demo skipped: no non-coercive measure in the reference data (load it first).\n")
        return []
    created: list[MlaRequest] = []
    due = timezone.localdate() + timedelta(days=45)
    scripts = [
        ("Draft: accounts of Operación Lavandería", {}, []),
        ("Awaiting approval: company records", {}, [("submit", "drafter", {})]),
        ("Transmitted, answer requested in 45 days", {"requested_due_date": due, "due_reason": "The pre-trial detention ends then"},
         [("submit", "drafter", {}), ("approve", "requesting_ca", {}), ("transmit", "requesting_ca", {})]),
        ("In execution", {}, [("submit", "drafter", {}), ("approve", "requesting_ca", {}), ("transmit", "requesting_ca", {}),
                              ("acknowledge", "requested_ca", {}), ("assign_executing_authority", "requested_ca", {"executing_authority": None})]),
        ("Executed", {}, [("submit", "drafter", {}), ("approve", "requesting_ca", {}), ("transmit", "requesting_ca", {}),
                          ("acknowledge", "requested_ca", {}), ("assign_executing_authority", "requested_ca", {"executing_authority": None}),
                          ("outcome", "executing", {}), ("execute", "executing", {})]),
    ]
    with acting(Door.COMMAND):
        for code_a, code_b in PAIRS:
            if code_a not in countries or code_b not in countries:
                stdout.write(f"MLA demo: {code_a}→{code_b} skipped (country missing from the reference data).\n")
                continue
            pair = _Pair(countries[code_a], countries[code_b])
            if pair.missing():
                stdout.write(f"MLA demo: {code_a}→{code_b} skipped (no {pair.missing()}).\n")
                continue
            for title, extra, steps in scripts:
                try:
                    req = _file(pair, f"{code_a}→{code_b} {title}", measure, offence, **extra)
                    steps = [(a, w, {**p, "executing_authority": pair.executing.pk} if "executing_authority" in p else dict(p)) for a, w, p in steps]
                    created.append(_move(pair, req, steps))
                except DomainError as exc:
                    problems = "; ".join(f"{p.name}: {p.reason}" for p in exc.problems)
                    stdout.write(f"MLA demo: {code_a}→{code_b} '{title}' stopped: {exc.detail} {problems}\n")
                    break
    stdout.write(f"MLA demo: {len(created)} requests created.\n")
    return created
