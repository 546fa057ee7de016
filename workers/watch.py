"""`sentinel watch`: follow every configured host's Docker events and feed what they show into
the same alert step as the polls (`record_observations`), for sub-second detection."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

import redis

from sentinel.adapters.docker_events import EventFollower
from sentinel.adapters.redis_store import StateStore
from sentinel.config import ConfigError, HostConfig, Settings, config_version, load_settings
from sentinel.core.model import HostSnapshot

log = logging.getLogger(__name__)

CONFIG_CHECK_S = 2.0


def run_watch(settings: Settings) -> int:
    from workers.app import app

    def publish(snapshot: HostSnapshot) -> None:
        # Through the app itself: Celery's "current app" is per thread, and in a follower
        # thread `task.delay()` would fall back to Celery's default app and its default broker.
        app.send_task("record_observations",
                      args=(snapshot.host, snapshot.model_dump(mode="json")),
                      argsrepr=snapshot.short_repr())

    followers: dict[str, tuple[EventFollower, threading.Thread]] = {}

    def follow(hosts: dict[str, HostConfig]) -> None:
        """Start following new or changed hosts, stop following removed ones."""
        for name in [n for n, (f, _) in followers.items() if hosts.get(n) != f.host]:
            follower, thread = followers.pop(name)
            follower.stop()
            thread.join(5)
        for name, host in hosts.items():
            if name not in followers:
                follower = EventFollower(host, publish)
                thread = threading.Thread(target=follower.run, name=f"events-{name}",
                                          daemon=True)
                thread.start()
                followers[name] = (follower, thread)
        if hosts:
            log.warning("following the Docker events of %s", ", ".join(hosts))

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    follow(settings.hosts)
    version = config_version()
    alive = StateStore(redis.Redis.from_url(settings.redis_url, socket_timeout=5,
                                            socket_connect_timeout=3))
    ident = f"{socket.gethostname()}:{os.getpid()}"
    while not done.wait(CONFIG_CHECK_S):
        try:
            alive.sign_of_life("watcher", ident)
        except redis.RedisError as exc:
            log.warning("cannot record the watcher's sign of life: %s", exc)
        if config_version() == version:
            continue
        version = config_version()
        try:
            follow(load_settings().hosts)
        except ConfigError as exc:
            log.error("configuration changed but is invalid, still following the previous "
                      "hosts: %s", exc)
    follow({})
    return 0
