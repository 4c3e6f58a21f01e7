"""Writes to the reference world. Reference rows change through the loader (files) or the admin (model perms)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from coopcases.audit.services import audit_record
from coopcases.core.exceptions import FieldProblem, ValidationFailed
from networks.reference.schema import FILES, DataInvalid, Dataset, Problem, load_dataset
from networks.reference.writer import KindResult, Writer

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


class ReferenceDataInvalid(ValidationFailed):
    """The files do not validate: nothing was written. `reference_problems` keeps file, entry and field apart."""

    def __init__(self, problems: list[Problem]):
        self.reference_problems = problems
        super().__init__(
            detail=f"{len(problems)} problem(s) in the reference data; nothing was loaded.",
            problems=[
                FieldProblem(name=f"{p.file}[{p.entry}].{p.field}" if p.entry else f"{p.file}.{p.field}", reason=str(p))
                for p in problems
            ],
            code="reference_data_invalid",
        )


@dataclass(frozen=True)
class LoadReport:
    results: list[KindResult]
    versions: dict[str, str]


def reference_data_check(*, data_dir: Path | None = None) -> Dataset:
    """Validate every file without touching the database."""
    try:
        return load_dataset(Path(data_dir or DEFAULT_DATA_DIR))
    except DataInvalid as exc:
        raise ReferenceDataInvalid(exc.problems) from exc


def reference_data_load(
    *, actor, data_dir: Path | None = None, progress: Callable[[KindResult], None] | None = None
) -> LoadReport:
    """Validate every file, then upsert all of it in one transaction (idempotent; see networks/reference/writer.py)."""
    dataset = reference_data_check(data_dir=data_dir)
    with transaction.atomic(durable=True):
        results = Writer(dataset, progress).run()
        audit_record(
            actor=actor,
            action="reference_data.loaded",
            object_type="networks.referencedataset",
            object_id=",".join(sorted({dataset.versions[s] for _, s in FILES})),
            after={res.kind: res.as_dict() for res in results},
            reason="load_reference_data",
        )
    return LoadReport(results=results, versions=dataset.versions)
