import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken

from mittist import crypto

PLAIN = "19800101-0000"  # Not a valid personnummer; the module does not care.


@pytest.fixture
def derived_keys(settings):
    settings.SECRET_KEY = "test-secret-key-for-derivation-only-0123456789"
    settings.SECRET_KEY_FALLBACKS = []
    settings.FIELD_ENCRYPTION_KEY = None
    settings.FIELD_HASH_KEY = None
    return settings


def test_round_trip_with_derived_key(derived_keys):
    token = crypto.encrypt(PLAIN)
    assert token != PLAIN
    assert PLAIN not in token
    assert crypto.decrypt(token) == PLAIN


def test_round_trip_unicode(derived_keys):
    assert crypto.decrypt(crypto.encrypt("Åsa Öberg")) == "Åsa Öberg"


def test_ciphertext_differs_each_time(derived_keys):
    first, second = crypto.encrypt(PLAIN), crypto.encrypt(PLAIN)
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == PLAIN


def test_derived_key_depends_on_secret_key(derived_keys):
    token = crypto.encrypt(PLAIN)
    derived_keys.SECRET_KEY = "another-secret-key-for-derivation-0123456789"
    with pytest.raises(InvalidToken):
        crypto.decrypt(token)


def test_secret_key_fallbacks_can_still_decrypt(derived_keys):
    old_secret = derived_keys.SECRET_KEY
    token = crypto.encrypt(PLAIN)
    derived_keys.SECRET_KEY = "rotated-secret-key-for-derivation-0123456789"
    derived_keys.SECRET_KEY_FALLBACKS = [old_secret]
    assert crypto.decrypt(token) == PLAIN


def test_explicit_key_is_used(settings):
    key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = key
    token = crypto.encrypt(PLAIN)
    assert Fernet(key.encode()).decrypt(token.encode()).decode() == PLAIN


def test_rotated_key_list(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = old_key
    old_token = crypto.encrypt(PLAIN)

    settings.FIELD_ENCRYPTION_KEY = f"{new_key}, {old_key}"
    assert crypto.decrypt(old_token) == PLAIN
    new_token = crypto.encrypt(PLAIN)
    assert Fernet(new_key.encode()).decrypt(new_token.encode()).decode() == PLAIN

    settings.FIELD_ENCRYPTION_KEY = new_key
    assert crypto.decrypt(new_token) == PLAIN
    with pytest.raises(InvalidToken):
        crypto.decrypt(old_token)


def test_decrypt_refuses_tampered_or_garbage_tokens(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    token = crypto.encrypt(PLAIN)
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (tampered, "not a token", "", "ö"):
        with pytest.raises(InvalidToken):
            crypto.decrypt(bad)


def test_lookup_hash_is_deterministic_and_not_plain_sha256(derived_keys):
    digest = crypto.lookup_hash(PLAIN)
    assert digest == crypto.lookup_hash(PLAIN)
    assert len(digest) == 64
    assert digest != hashlib.sha256(PLAIN.encode()).hexdigest()
    assert digest != crypto.lookup_hash("19800101-0001")


def test_lookup_hash_depends_on_key(derived_keys):
    derived = crypto.lookup_hash(PLAIN)
    derived_keys.SECRET_KEY = "another-secret-key-for-derivation-0123456789"
    assert crypto.lookup_hash(PLAIN) != derived

    derived_keys.FIELD_HASH_KEY = "hash-key-one"
    first = crypto.lookup_hash(PLAIN)
    derived_keys.FIELD_HASH_KEY = "hash-key-two"
    assert crypto.lookup_hash(PLAIN) != first
    derived_keys.FIELD_HASH_KEY = "hash-key-one"
    assert crypto.lookup_hash(PLAIN) == first


def test_lookup_hash_ignores_encryption_key(derived_keys):
    before = crypto.lookup_hash(PLAIN)
    derived_keys.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert crypto.lookup_hash(PLAIN) == before
