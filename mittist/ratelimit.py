"""Counting attempts per client in a time window, in the shared cache (Redis, else the database).

    limiter = Limiter("verify", limit=settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR, window=3600)
    if limiter.blocked(client_key(request)): ... refuse, say when to try again (limiter.retry_at) ...
    if wrong: limiter.hit(client_key(request))

Only failures are counted, so someone checking their own valid certificate is never slowed down.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.utils import timezone


def client_key(request) -> str:
    # The address as the login lock-out (django-axes) reads it, so that its proxy settings serve both;
    # hashed so the cache holds no addresses.
    address = get_client_ip_address(request) or "unknown"
    return hashlib.sha256(address.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Limiter:
    scope: str
    limit: int
    window: int  # seconds

    def _key(self, key: str) -> str:
        return f"ratelimit:{self.scope}:{key}"

    def count(self, key: str) -> int:
        return int(cache.get(self._key(key), 0) or 0)

    def blocked(self, key: str) -> bool:
        return self.count(key) >= self.limit

    def hit(self, key: str) -> int:
        name = self._key(key)
        # add() starts the window only once; incr() then counts within it.
        if cache.add(name, 0, timeout=self.window):
            self._start_window(name)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr: a new window
            cache.set(name, 1, timeout=self.window)
            self._start_window(name)
            return 1
        # Some backends (the database's) write the incremented value back with their default timeout, five
        # minutes: put the end of the window back, or the count would be forgotten long before the hour is up.
        cache.touch(name, timeout=self._seconds_left(name))
        return count

    def _start_window(self, name: str) -> None:
        # The count's own expiry cannot be read back from the cache: keep its end beside it.
        cache.set(f"{name}:until", (timezone.now() + timedelta(seconds=self.window)).timestamp(), timeout=self.window)

    def _seconds_left(self, name: str) -> int:
        until = cache.get(f"{name}:until")
        if until is None:
            return self.window
        return max(1, math.ceil(until - timezone.now().timestamp()))

    def retry_at(self, key: str) -> datetime:
        """When the window ends and a blocked client may try again."""
        until = cache.get(f"{self._key(key)}:until")
        if until is None:
            return timezone.now() + timedelta(seconds=self.window)
        return datetime.fromtimestamp(until, tz=timezone.get_current_timezone())

    def reset(self, key: str) -> None:
        cache.delete_many([self._key(key), f"{self._key(key)}:until"])
