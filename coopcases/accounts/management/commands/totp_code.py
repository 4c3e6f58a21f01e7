"""`manage.py totp_code <username>`: the current code of a demo user's TOTP device (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from coopcases.accounts.otp import DEMO_DEVICE_NAME, current_token


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user's device (refused when DEBUG is off)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("Demo codes are only available with DEBUG on (make run).")
        device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no demo TOTP device (seed_demo creates them).")
        self.stdout.write(current_token(device))
