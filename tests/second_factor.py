"""The second factor in tests: an authenticator app with a known key, and logins that give its code.

Staff must sign in with a second factor. The test logins satisfy it rather than switch it off:
`client.force_login` (patched in tests/conftest.py) marks the session as verified by the user's
authenticator, and the browser's `log_in` types the current code on the second step.
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittist.accounts.rules import second_factor_required
from mittist.accounts.services import has_second_factor

TEST_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's own test key ("12345678901234567890")


def enrol(user) -> TOTPDevice:
    """The user's confirmed authenticator, made with the test key if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Testapp", key=TEST_KEY, confirmed=True)


def code_for(key_hex: str, at: float | None = None, step: int = 30) -> str:
    totp = TOTP(bytes.fromhex(key_hex), step=step)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def current_code(device: TOTPDevice) -> str:
    """What the app shows now; if this step's code was just used, the next step's (accepted within tolerance)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t >= totp.t():
        totp.time += device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():06d}"


def needs_second_factor(user) -> bool:
    return bool(second_factor_required(user)) or has_second_factor(user)


def verify_session(client, user) -> None:
    """What a correct code on the second step does to the session (django_otp.login)."""
    device = enrol(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
