"""Counting attempts per client in a time window, in the shared cache (Redis, else the database).

    limiter = Limiter("verify", limit=settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR, window=3600)
    if limiter.blocked(client_key(request)): ... refuse, say when to try again ...
    if wrong: limiter.hit(client_key(request))

Only failures are counted, so someone checking their own valid certificate is never slowed down.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


def client_key(request) -> str:
    # REMOTE_ADDR as the proxy set it; hashed so the cache holds no addresses.
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
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
        cache.add(name, 0, timeout=self.window)
        try:
            return cache.incr(name)
        except ValueError:  # expired between add and incr: a new window
            cache.set(name, 1, timeout=self.window)
            return 1

    def reset(self, key: str) -> None:
        cache.delete(self._key(key))
