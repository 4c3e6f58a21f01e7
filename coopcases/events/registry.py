"""The event types the product emits, so that subscriptions and rules can be checked against them.

Two sources: every transition of every `Workflow` declared in an app's `workflow.py` (`<event_prefix>.<action>`,
as `Workflow.perform` emits it), and types registered explicitly with `register_event_type` for events emitted
outside a workflow (deadline reminders, creations…), usually from an app's `ready()`.

A pattern is an exact type or `<prefix>.*`; it is valid when it names at least one known type.
"""

from __future__ import annotations

import fnmatch
import importlib
from importlib.util import find_spec

from django.apps import apps

from coopcases.core.exceptions import FieldProblem, ValidationFailed

_registered: dict[str, str] = {}


def register_event_type(event_type: str, label: str = "") -> None:
    _registered[event_type] = str(label)


def _workflow_event_types() -> dict[str, str]:
    from coopcases.core.workflow import Workflow

    found: dict[str, str] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.workflow"
        if find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, Workflow):
                for action, transition in value.transitions.items():
                    found[f"{value.event_prefix}.{action}"] = str(transition.label)
    return found


def known_event_types() -> dict[str, str]:
    """Every known event type with a human label, sorted by type."""
    return dict(sorted({**_workflow_event_types(), **_registered}.items()))


def matches(pattern: str, event_type: str) -> bool:
    return pattern == event_type or (pattern.endswith(".*") and fnmatch.fnmatchcase(event_type, pattern))


def check_event_type_patterns(patterns, field: str = "event_types") -> list[str]:
    """The patterns, deduplicated; ValidationFailed naming each unknown one."""
    if not isinstance(patterns, list | tuple) or not patterns:
        raise ValidationFailed("Choose at least one event type.", [FieldProblem(field, "at least one event type", "required")])
    known = known_event_types()
    unknown = [p for p in patterns if not isinstance(p, str) or not any(matches(p, t) for t in known)]
    if unknown:
        raise ValidationFailed(
            f"Unknown event type(s): {', '.join(map(str, unknown))}. Known types: {', '.join(known) or 'none'}.",
            [FieldProblem(field, f"unknown event type {p!r}", "unknown_event_type") for p in unknown],
        )
    return list(dict.fromkeys(patterns))
