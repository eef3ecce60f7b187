"""`make otp`: the second-factor code of the demo's staff (coordinator, quality group, admin)."""

from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittist.accounts.demo import DEMO_KEY, demo_code, demo_secret, refuse_in_production


class Command(BaseCommand):
    help = "Prints the current two-factor code of the demo staff accounts (development only)."

    def handle(self, *args, **options):
        refuse_in_production()
        emails = list(
            TOTPDevice.objects.filter(key=DEMO_KEY, confirmed=True).order_by("user__email")
            .values_list("user__email", flat=True)
        )
        code, seconds = demo_code()
        self.stdout.write(self.style.SUCCESS(f"Tvåstegskod: {code}  (gäller i {seconds} s till, sedan en ny)"))
        self.stdout.write(f"  för {', '.join(emails) if emails else '(inga demokonton; kör make run först)'}")
        self.stdout.write(f"  eller lägg in nyckeln {demo_secret()} i en autentiseringsapp")
