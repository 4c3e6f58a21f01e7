"""The one place that reads the environment.

Every variable is declared once with its default and a line of help, so that
``manage.py env_table`` can print the README's configuration table.
"""

import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


DECLARED: dict[str, Variable] = {}


def env(name: str, default: str, help: str) -> str:
    DECLARED[name] = Variable(name, default, help)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, help: str) -> bool:
    value = env(name, "true" if default else "false", help)
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, help: str) -> int:
    return int(env(name, str(default), help))


def env_list(name: str, default: str, help: str) -> list[str]:
    return [item.strip() for item in env(name, default, help).split(",") if item.strip()]
