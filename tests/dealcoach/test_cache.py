"""The production cache keeps pages working while Redis is down."""

import socket

from dealcoach.cache import ResilientRedisCache


def dead_cache() -> ResilientRedisCache:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return ResilientRedisCache(f"redis://127.0.0.1:{port}/0",
                               {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}})


def test_it_degrades_every_operation_when_redis_is_down():
    cache = dead_cache()
    assert cache.get("k") is None and cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.incr("k") == 1
    assert cache.get_or_set("k", lambda: "computed") == "computed"


def test_it_stops_asking_a_dead_redis_for_a_few_seconds():
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError("Redis was asked during the back-off")

    cache = dead_cache()
    cache.get("k")  # the failure that trips the back-off
    cache.__dict__["_cache"] = Untouchable()
    assert [cache.get("k", "fallback") for _ in range(3)] == ["fallback"] * 3
    assert cache.add("k", 1) is False


def test_it_works_normally_against_the_real_redis():
    import os

    cache = ResilientRedisCache(os.environ["REDIS_URL"], {})
    cache.set("dealcoach-test-key", 41)
    assert cache.incr("dealcoach-test-key") == 42
    cache.delete("dealcoach-test-key")
