"""Field-level encryption and look-up hashes for sensitive values (personnummer).

Keys come from settings:

* FIELD_ENCRYPTION_KEY: one Fernet key, or a comma-separated list for rotation.
  New values are encrypted with the first key; any listed key can decrypt.
  If unset, a key is derived from SECRET_KEY (and SECRET_KEY_FALLBACKS, for
  decryption only).
* FIELD_HASH_KEY: secret for lookup_hash(). If unset, derived from SECRET_KEY.

Set both explicitly in production: rotating SECRET_KEY otherwise changes every
look-up hash, and stored hashes stop matching.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "lookup_hash"]

_ENCRYPTION_INFO = b"mittist field encryption"
_HASH_INFO = b"mittist lookup hash"


def _derive(secret: str, info: bytes) -> bytes:
    # Distinct `info` values give independent keys from the same secret.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def _as_tuple(value) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(key.strip() for key in value if key and key.strip())


# The caches are keyed on the settings values themselves, so override_settings
# and pytest-django's `settings` fixture take effect without explicit clearing.
@lru_cache(maxsize=8)
def _multi_fernet(configured_keys: tuple[str, ...], secret_keys: tuple[str, ...]) -> MultiFernet:
    if configured_keys:
        keys = [key.encode() for key in configured_keys]
    else:
        keys = [base64.urlsafe_b64encode(_derive(secret, _ENCRYPTION_INFO)) for secret in secret_keys]
    return MultiFernet([Fernet(key) for key in keys])


@lru_cache(maxsize=8)
def _hash_key(configured_key: str, secret_key: str) -> bytes:
    if configured_key:
        return configured_key.encode()
    return _derive(secret_key, _HASH_INFO)


def _fernet() -> MultiFernet:
    secrets = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return _multi_fernet(_as_tuple(getattr(settings, "FIELD_ENCRYPTION_KEY", None)), tuple(secrets))


def encrypt(text: str) -> str:
    """Encrypt with the current key. The result differs on every call (random IV)."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token made with any configured key. Raises InvalidToken otherwise."""
    return _fernet().decrypt(token.encode()).decode()


def lookup_hash(text: str) -> str:
    """Deterministic keyed hash (HMAC-SHA256, hex) for equality look-ups on encrypted fields.

    Keyed so that the small space of valid personnummer cannot be brute-forced
    from a leaked database alone.
    """
    key = _hash_key(getattr(settings, "FIELD_HASH_KEY", None) or "", settings.SECRET_KEY)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
