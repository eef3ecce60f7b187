"""The demo commands' shared guard: fictional people with known passwords never reach a real database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class DemoCommand(BaseCommand):
    """Base of every seed_demo* command: refuses to run unless DEBUG is on (development only)."""

    def execute(self, *args, **options):
        if not settings.DEBUG or getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "Demo data is for development only: this database is not a development one (DEBUG is off). "
                "Nothing was written."
            )
        return super().execute(*args, **options)
