"""Counting the steps the stateful machines really execute (not what the profile allows).

Hypothesis checks a machine's invariants once before its first step and once after every step, the @initialize
ones included; `CountedSteps` counts those checks, so the figure is what ran. Each test records its count on its
report (`stateful_steps`); conftest.py prints the total at the end of the run, also under pytest-xdist.
"""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from tests.faults.conftest import PROFILE


class CountedSteps:
    """Mix in before the RuleBasedStateMachine subclass."""

    steps = 0  # executed steps of every machine of this class in this process

    def check_invariants(self, *args, **kwargs):
        if getattr(self, "_checked_once", False):
            type(self).steps += 1
        self._checked_once = True
        return super().check_invariants(*args, **kwargs)


def run_counted(request, machine_class, factory=None, *, step_count: int) -> int:
    """Run the machine with the profile's settings and `step_count` steps per example; record and return the
    number of steps executed."""
    before = machine_class.steps
    run_state_machine_as_test(factory or machine_class, settings=settings(PROFILE, stateful_step_count=step_count))
    steps = machine_class.steps - before
    request.node.user_properties.append(("stateful_steps", steps))
    return steps
