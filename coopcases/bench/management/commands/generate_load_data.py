"""Fill PostgreSQL with load data (see coopcases/bench/generator.py); `make bench` runs it on its own database.

    manage.py generate_load_data --requests 1000000 --seed 1
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from coopcases.bench.generator import CHUNK, Generator, LoadDataError


class Command(BaseCommand):
    help = "Generate MLA requests, events, audit rows, deadlines, cases, JITs and assets with COPY (deterministic per seed)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=100_000, help="How many MLA requests (default 100000)")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed and --now give the same rows")
        parser.add_argument("--now", help="The moment the data ends (ISO 8601, UTC); default: now, to the minute")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Requests per COPY transaction")

    def handle(self, *args, requests, seed, now=None, chunk=CHUNK, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_load_data writes with PostgreSQL COPY; DATABASE_URL is not PostgreSQL.")
        if requests < 1:
            raise CommandError("--requests must be at least 1.")
        moment = datetime.fromisoformat(now).replace(tzinfo=UTC) if now else timezone.now().replace(second=0, microsecond=0)
        generator = Generator(requests=requests, seed=seed, now=moment, chunk=chunk,
                              progress=lambda message: self.stdout.write(message, ending="\n") or self.stdout.flush())
        try:
            result = generator.run()
        except LoadDataError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(result.rows.values())
        self.stdout.write(f"{result.requests:,} requests, {total:,} rows in {result.seconds:.1f} s "
                          f"({total / result.seconds:,.0f} rows/s):")
        for table, count in result.rows.items():
            self.stdout.write(f"  {table:<32} {count:>12,}")
