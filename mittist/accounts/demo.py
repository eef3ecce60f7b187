"""The demo's second factor: staff in the demo data share one fixed, public authenticator key.

Only seed_demo uses it (never a real database: the key is in the source). `make otp` prints the code.
"""

import time
from base64 import b32encode

from django.conf import settings
from django.core.management.base import CommandError
from django_otp.oath import TOTP

DEMO_KEY = b"mittist-demo-otp-key".hex()  # 20 bytes, as authenticator apps expect


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise CommandError("The demo's authenticator key is public: refused when DJANGO_ENV=production.")


def enrol_demo_staff(users) -> list:
    """Gives each user who must use a second factor a confirmed authenticator with the demo key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .rules import second_factor_required

    refuse_in_production()
    enrolled = []
    for user in users:
        if second_factor_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Demo", key=DEMO_KEY, confirmed=True)
        if second_factor_required(user):
            enrolled.append(user)
    return enrolled


def demo_secret() -> str:
    return b32encode(bytes.fromhex(DEMO_KEY)).decode()


def demo_code(at: float | None = None) -> tuple[str, int]:
    """The code an authenticator with the demo key shows now, and for how many more seconds."""
    totp = TOTP(bytes.fromhex(DEMO_KEY), step=30)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}", 30 - int(totp.time) % 30
