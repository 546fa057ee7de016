"""Per-process clients: built after fork, on first use, never at import time.

A prefork worker's children must not share the parent's sockets (Redis, Docker, HTTP), so the
runtime remembers the pid that built it and builds afresh in a new process.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import redis

from sentinel.adapters.docker_inspector import DockerInspector
from sentinel.adapters.notifiers import Notifier, build_notifier
from sentinel.adapters.notifiers.http import MAX_INLINE_WAIT_S
from sentinel.adapters.redis_store import StateStore
from sentinel.config import ConfigError, Settings, config_version, load_settings


@dataclass
class Runtime:
    settings: Settings
    store: StateStore
    notifier: Notifier
    inspectors: dict[str, DockerInspector] = field(default_factory=dict)
    pid: int = field(default_factory=os.getpid)
    config: tuple[str, int] | None = field(default_factory=config_version)

    def inspector(self, host: str) -> DockerInspector:
        if host not in self.inspectors:
            self.inspectors[host] = DockerInspector(self.settings.hosts[host])
        return self.inspectors[host]

    @property
    def delivery_lease_s(self) -> float:
        # Long enough for list + create + send + re-create + send, each up to the HTTP timeout,
        # plus a rate-limit wait in place.
        return 5 * self.settings.http_timeout_s + MAX_INLINE_WAIT_S + 5

    def close(self) -> None:
        for inspector in self.inspectors.values():
            inspector.close()
        self.notifier.close()
        self.store.redis.close()


_current: Runtime | None = None
log = logging.getLogger(__name__)


def build_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10,
                                  socket_connect_timeout=5, health_check_interval=30)
    return Runtime(settings=settings,
                   store=StateStore(client, outbox_grace_s=settings.outbox_grace_s,
                                    judgement=settings.judgement(),
                                    default_channel=settings.alert_channel),
                   notifier=build_notifier(settings, client))


def runtime() -> Runtime:
    """This process's runtime; rebuilt after a fork, and when the configuration file changed
    (hosts added or removed take effect without restarting the workers)."""
    global _current
    if _current is None or _current.pid != os.getpid():
        _current = build_runtime()
    elif _current.config != config_version():
        try:
            fresh = build_runtime()
        except ConfigError as exc:  # keep working with the last good configuration
            log.error("configuration changed but is invalid, still using the previous: %s", exc)
            _current.config = config_version()
        else:
            log.warning("configuration changed: now watching %s", ", ".join(fresh.settings.hosts))
            _current.close()
            _current = fresh
    return _current


def reset_runtime() -> None:
    """Called in each new worker process: forget (without closing) what the parent built."""
    global _current
    _current = None
