"""A Redis cache that degrades instead of failing when Redis is unreachable.

Everything dealcoach keeps in the cache can be recomputed or skipped (the review
body, its version tokens, rate-limit counters), so during a Redis outage a read
is a miss, a write is dropped and a counter starts again: pages keep working,
rate limits fail open, and nothing is served stale (a missing version token
means "recompute")."""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("dealcoach.cache")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, skip Redis for a few seconds (per process) rather than wait out
# the connect timeout on every cache call of every request.
BACKOFF_SECONDS = 5.0


def _degrade(method, fallback):
    def wrapper(self, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                self._down_until = time.monotonic() + BACKOFF_SECONDS
                logger.warning("cache unavailable (%s): %s degraded", exc.__class__.__name__, method.__name__)
        return fallback(*args, **kwargs) if callable(fallback) else fallback
    wrapper.__name__ = method.__name__
    return wrapper


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    get = _degrade(RedisCache.get, lambda key, default=None, **kwargs: default)
    get_many = _degrade(RedisCache.get_many, {})
    add = _degrade(RedisCache.add, False)
    set = _degrade(RedisCache.set, None)
    set_many = _degrade(RedisCache.set_many, [])
    touch = _degrade(RedisCache.touch, False)
    delete = _degrade(RedisCache.delete, False)
    delete_many = _degrade(RedisCache.delete_many, None)
    has_key = _degrade(RedisCache.has_key, False)
    incr = _degrade(RedisCache.incr, lambda key, delta=1, **kwargs: delta)
    clear = _degrade(RedisCache.clear, None)
