from django.core.management.base import BaseCommand

from coopcases.events.schedules import sync_schedules


class Command(BaseCommand):
    help = "Store the beat schedules declared in coopcases/celery.py in django-celery-beat's tables."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Also restore the declared timing and enable each entry")

    def handle(self, *args, reset: bool = False, **options):
        changed = sync_schedules(reset=reset)
        self.stdout.write(f"schedules created or reset: {', '.join(changed) or 'none'}")
