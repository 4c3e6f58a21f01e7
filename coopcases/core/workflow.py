"""A small declared-transition engine shared by every workflow (MLA requests, JITs, assets).

Each app declares its table in `<app>/workflow.py`. The table is the only writer of the state field:
`perform` locks the row, checks the source state, the actor's right and the guards, runs the effect,
writes the new state and bumps `version`, then appends one event (also the status history) and one
audit row — all in one transaction. `available` answers "what may this actor do now, and why not the rest",
which the UI buttons, the admin actions and the API `transitions` resource all use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from coopcases.core.exceptions import (
    ActionForbidden,
    ConcurrentChange,
    FieldProblem,
    TransitionNotAllowed,
    ValidationFailed,
)

# A guard returns why the transition may not happen (one sentence, or one FieldProblem per failing element,
# e.g. every missing content element), or None when it may.
Guard = Callable[[Any, Any, dict], "str | Sequence[FieldProblem] | None"]


def _guard_problems(guards: Sequence[Guard], obj, actor, params: dict) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for guard in guards:
        why = guard(obj, actor, params)
        if not why:
            continue
        problems += [FieldProblem("action", why, "guard")] if isinstance(why, str) else list(why)
    return problems


@dataclass(frozen=True)
class Transition:
    action: str
    sources: Sequence[str]
    target: str | Callable[[Any, dict], str]
    label: str
    may: Callable[[Any, Any], bool]
    who: str
    guards: Sequence[Guard] = ()
    reason_required: bool = False
    effect: Callable[[Any, Any, dict], None] | None = None  # before the state is written
    after: Callable[[Any, Any, dict], None] | None = None  # after the state and version are saved

    def target_for(self, obj, params: dict) -> str:
        return self.target(obj, params) if callable(self.target) else self.target


@dataclass
class Availability:
    action: str
    label: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    reason_required: bool = False


class Workflow:
    def __init__(
        self,
        *,
        model: type[models.Model],
        state_field: str,
        event_prefix: str,
        transitions: Sequence[Transition],
        terminal_states: Sequence[str] = (),
    ):
        self.model = model
        self.state_field = state_field
        self.event_prefix = event_prefix
        self.transitions = {t.action: t for t in transitions}
        self.terminal_states = frozenset(terminal_states)

    def state_label(self, state: str) -> str:
        return str(dict(self.model._meta.get_field(self.state_field).choices).get(state, state))

    def is_terminal(self, obj) -> bool:
        return getattr(obj, self.state_field) in self.terminal_states

    def available(self, obj, actor, params: dict | None = None) -> list[Availability]:
        """Transitions leaving the current state, each allowed or not with the reasons."""
        params = params or {}
        state = getattr(obj, self.state_field)
        result = []
        for t in self.transitions.values():
            if state not in t.sources:
                continue
            reasons = []
            if not t.may(obj, actor):
                reasons.append(f"only {t.who} may do this")
            reasons += [p.reason for p in _guard_problems(t.guards, obj, actor, params)]
            result.append(Availability(t.action, t.label, not reasons, reasons, t.reason_required))
        return result

    def perform(
        self,
        *,
        pk,
        action: str,
        actor,
        reason: str = "",
        params: dict | None = None,
        expected_version: int | None = None,
        locked=None,
    ):
        """`locked`: the row already locked by the caller inside its own transaction (the caller's service read it
        under the lock to prepare the parameters); perform then neither locks it again nor opens a savepoint, and any
        error rolls the caller's whole transaction back."""
        from coopcases.audit.services import audit_record
        from coopcases.events.services import event_emit

        params = params or {}
        transition = self.transitions.get(action)
        if transition is None:
            known = ", ".join(sorted(self.transitions))
            raise TransitionNotAllowed(f"Unknown action '{action}'. Known actions: {known}.", code="unknown_action")
        if locked is not None and not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("perform(locked=…) needs the caller's transaction holding the lock")
        with transaction.atomic(savepoint=locked is None):
            obj = locked if locked is not None else self.model._default_manager.select_for_update().get(pk=pk)
            if expected_version is not None and obj.version != expected_version:
                raise ConcurrentChange(
                    f"This record was changed by someone else (version {obj.version}, you had {expected_version}). "
                    "Reload it and try again."
                )
            source = getattr(obj, self.state_field)
            if source not in transition.sources:
                raise TransitionNotAllowed(
                    f"'{transition.label}' is not allowed while the record is '{self.state_label(source)}'.",
                    problems=[FieldProblem("action", f"not allowed from state {source}", "invalid_state")],
                )
            if not transition.may(obj, actor):
                raise ActionForbidden(f"'{transition.label}' may only be done by {transition.who}.")
            problems = [FieldProblem("reason", "a reason is required", "required")] if (
                transition.reason_required and not reason.strip()
            ) else []
            problems += _guard_problems(transition.guards, obj, actor, params)
            if problems:
                raise ValidationFailed(f"'{transition.label}' cannot be done yet.", problems)
            target = transition.target_for(obj, params)
            if transition.effect:
                transition.effect(obj, actor, params)
            setattr(obj, self.state_field, target)
            obj.version += 1
            obj.save()
            if transition.after:
                transition.after(obj, actor, params)
            event_emit(
                obj=obj,
                event_type=f"{self.event_prefix}.{action}",
                actor=actor,
                from_state=source,
                to_state=target,
                reason=reason,
                data={k: v for k, v in params.items() if isinstance(v, str | int | float | bool | list | dict | type(None))},
            )
            # Last write of the transaction: the audit chain's lock is held from here to the commit only.
            audit_record(
                actor=actor,
                action="transition",
                obj=obj,
                before={self.state_field: source},
                after={self.state_field: target, "action": action},
                reason=reason,
            )
        return obj
