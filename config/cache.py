"""Django's Redis cache, made to survive Redis going away.

The cache holds counters only (failed sign-ins in ``config/ratelimit.py``, finished responses per
address in ``responses.services``, DRF's throttles): nothing that must not be lost. While Redis
cannot be reached every operation answers like a cache that has forgotten everything (a read is a
miss, ``add`` succeeds, a write is dropped) instead of raising, so respondents can still submit
and researchers still sign in. The limits that rely on the counters are not enforced during the
outage; the warning in the log says so. After a failure the cache does not try Redis again for
``PAUSE_SECONDS``, so an outage costs each request nothing, not a connection attempt per operation.

``OPTIONS`` should set short ``socket_connect_timeout`` and ``socket_timeout`` (the settings do):
an unreachable host then fails fast instead of holding a request for the operating system's
TCP timeout.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    """A RedisCache that degrades to an empty cache while Redis is unreachable."""

    PAUSE_SECONDS = 5.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0

    def _safely(self, operation: str, fallback: Callable[[], Any], call: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            return fallback()
        try:
            return call()
        except UNREACHABLE as error:
            self._down_until = time.monotonic() + self.PAUSE_SECONDS
            logger.warning(
                "Redis cache unreachable (%s during %s): serving without it for %.0f s; "
                "rate limits are not enforced meanwhile",
                type(error).__name__,
                operation,
                self.PAUSE_SECONDS,
            )
            return fallback()

    def add(self, key, value, timeout=None, version=None):
        return self._safely(
            "add", lambda: True, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version)
        )

    def get(self, key, default=None, version=None):
        return self._safely("get", lambda: default, lambda: super(ResilientRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=None, version=None):
        return self._safely(
            "set", lambda: None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version)
        )

    def touch(self, key, timeout=None, version=None):
        return self._safely(
            "touch", lambda: False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version)
        )

    def delete(self, key, version=None):
        return self._safely("delete", lambda: False, lambda: super(ResilientRedisCache, self).delete(key, version))

    def get_many(self, keys, version=None):
        return self._safely("get_many", dict, lambda: super(ResilientRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._safely("has_key", lambda: False, lambda: super(ResilientRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found")  # what a cache without the key answers

        return self._safely("incr", missing, lambda: super(ResilientRedisCache, self).incr(key, delta, version))

    def set_many(self, data, timeout=None, version=None):
        return self._safely(
            "set_many", lambda: list(data), lambda: super(ResilientRedisCache, self).set_many(data, timeout, version)
        )

    def delete_many(self, keys, version=None):
        return self._safely(
            "delete_many", lambda: None, lambda: super(ResilientRedisCache, self).delete_many(keys, version)
        )

    def clear(self):
        return self._safely("clear", lambda: False, lambda: super(ResilientRedisCache, self).clear())
