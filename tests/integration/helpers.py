"""Small waits and lookups shared by the integration tests."""

from __future__ import annotations

import redis

from sentinel.adapters.redis_store import StateStore
from tests.support.services import wait_until


def store_for(url: str) -> StateStore:
    return StateStore(redis.Redis.from_url(url))


def wait_for_baseline(redis_url: str, host: str, timeout_s: float = 30) -> None:
    """Sentinel has met the host once (worker, beat, Docker and Redis all work)."""
    store = store_for(redis_url)
    wait_until(lambda: store.host_meta(host).get("baselined_at"), timeout_s,
               what=f"the first inspection of {host}")


def wait_for_status(redis_url: str, host: str, name: str, status: str,
                    timeout_s: float = 20) -> None:
    store = store_for(redis_url)

    def seen() -> bool:
        return any(s.name == name and s.status.value == status
                   for s in store.containers(host).values())

    wait_until(seen, timeout_s, what=f"{name} recorded as {status}")


def field(embed: dict, name: str) -> str:
    for f in embed.get("fields", []):
        if f["name"] == name:
            return f["value"]
    raise AssertionError(f"embed {embed.get('title')!r} has no field {name!r}")


def start_node(sentinel, redis_url: str, host: str, **worker_options) -> None:  # type: ignore[no-untyped-def]
    """A worker and beat, running until Sentinel has met the host once."""
    sentinel.worker(**worker_options)
    sentinel.beat(via_celery=worker_options.get("via_celery", False))
    wait_for_baseline(redis_url, host)
