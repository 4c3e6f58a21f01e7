"""`manage.py verify_audit`: walk the audit chain and name the first broken link (exit status 1 if any)."""

from django.core.management.base import BaseCommand, CommandError

from coopcases.audit.chain import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; name the first broken link and exit non-zero if there is one."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="Entries fetched per round trip")
        parser.add_argument(
            "--anchor", default="",
            help="ID:HASH of a head recorded earlier outside the database; fails if that entry is gone or differs",
        )

    def handle(self, *args, chunk_size, anchor, **options):
        anchor_id, anchor_hash = None, ""
        if anchor:
            try:
                raw_id, anchor_hash = anchor.split(":", 1)
                anchor_id = int(raw_id)
            except ValueError as exc:
                raise CommandError("--anchor takes ID:HASH, e.g. 1234:9f86d081…") from exc
        report = audit_chain_verify(chunk_size=chunk_size, anchor_id=anchor_id, anchor_hash=anchor_hash)
        if report.broken is not None:
            raise CommandError(
                f"Audit chain BROKEN at {report.broken} ({report.checked} entries before it verified).", returncode=1
            )
        if report.checked == 0:
            self.stdout.write(self.style.SUCCESS(f"Audit chain empty; anchor {report.anchor}."))
            return
        self.stdout.write(self.style.SUCCESS(
            f"Audit chain intact: {report.checked} entries (#{report.first_id}–#{report.last_id}) "
            f"from anchor {report.anchor[:12]}…; head #{report.last_id}:{report.head_hash}"
        ))
