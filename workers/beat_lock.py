"""One scheduler per fleet: beat schedules only while it holds a lease in Redis.

A second `sentinel beat` stands by: it checks the lease every STANDBY_CHECK_S and takes over
when the active one stops renewing it (it died or hung), so a fleet never doubles its
inspections and never goes without them for longer than the lease (SENTINEL_BEAT_LEASE_S).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import time
from typing import Any

import redis
from celery.beat import PersistentScheduler

from beat_schedule import build_beat_schedule
from sentinel.adapters.redis_store import StateStore
from sentinel.config import ConfigError, config_version, load_settings

log = logging.getLogger(__name__)

LEASE_KEY = "sentinel:beat:leader"
STANDBY_CHECK_S = 1.0
# How often the lease is renewed and the configuration file looked at: once a second, not on
# every tick (a 1,000-host fleet sends 33 tasks a second, each one a tick).
HOUSEKEEPING_S = 1.0

# Take the lease if free, or renew it if ours: one atomic step.
_TAKE_OR_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('DEL', KEYS[1]) else return 0 end")


class LeaderScheduler(PersistentScheduler):
    """Celery's persistent scheduler, active only while it is the fleet's leader."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from workers.app import settings

        self.settings = settings
        self.identity = f"{socket.gethostname()}:{secrets.token_hex(4)}"
        self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=5,
                                          socket_connect_timeout=3)
        self.store = StateStore(self.redis)  # liveness and blindness, in the store's keys
        self._take = self.redis.register_script(_TAKE_OR_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        self.leading = False
        self.config = config_version()
        self._next_housekeeping = 0.0
        # Bumped whenever the schedule is replaced (a configuration reload); see
        # schedules_equal.
        self._generation = self._heap_generation = 0

    def _hold_lease(self) -> bool:
        try:
            return bool(self._take(keys=[LEASE_KEY], args=[
                self.identity, int(self.settings.beat_lease_s * 1000)]))
        except redis.RedisError as exc:
            log.warning("beat: cannot reach Redis for the lease: %s", exc)
            return False

    def _reload_if_changed(self) -> None:
        """A host added to or removed from the configuration file is scheduled (or no longer)
        at once, without a restart; an invalid file is said once and the old one kept."""
        version = config_version()
        if version == self.config:
            return
        self.config = version
        try:
            fresh = load_settings()
        except ConfigError as exc:
            log.error("beat: configuration changed but is invalid, still using the previous: "
                      "%s", exc)
            return
        self.settings = fresh
        self.merge_inplace(build_beat_schedule(fresh.hosts, fresh.interval_s))
        self._generation += 1
        log.warning("beat: configuration changed: inspecting %s", ", ".join(fresh.hosts))
        if self.leading:
            self._inspect_every_host_now()

    def schedules_equal(self, old_schedules: Any, new_schedules: Any) -> bool:
        """Celery compares every entry of the schedule on every tick, which made beat's CPU
        grow with hosts x hosts; here the schedule only ever changes by a reload."""
        if self._heap_generation != self._generation:
            self._heap_generation = self._generation
            return False
        return True

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        if now >= self._next_housekeeping:
            self._next_housekeeping = now + min(HOUSEKEEPING_S, self.settings.beat_lease_s / 3)
            self._reload_if_changed()
            self._follow_lease()
        if not self.leading:
            return STANDBY_CHECK_S
        # Back in time to renew the lease, however long until the next task is due.
        return min(super().tick(*args, **kwargs),
                   max(0.0, self._next_housekeeping - time.monotonic()))

    def _follow_lease(self) -> None:
        leading = self._hold_lease()
        with contextlib.suppress(redis.RedisError):  # `sentinel status` says it is stale
            self.store.sign_of_life("beat", self.identity)
        if leading and not self.leading:
            log.warning("beat %s: now the active scheduler", self.identity)
            self._notice_own_outage()
            self._inspect_every_host_now()
        elif self.leading and not leading:
            log.warning("beat %s: lost the lease: standing by", self.identity)
        self.leading = leading

    def _notice_own_outage(self) -> None:
        """No heartbeat for a few intervals: Sentinel was not watching. The first cycle
        reports what changed as normal alerts, then one notice says for how long
        (tasks/heartbeat.py). Never on the very first start: that is the baseline."""
        try:
            blind_s = self.store.notice_blindness(time.time(),
                                                  3 * self.settings.interval_s + 5.0)
        except redis.RedisError as exc:
            log.warning("beat: cannot tell whether Sentinel was blind: %s", exc)
            return
        if blind_s is not None:
            log.warning("beat: no heartbeat for %.0f s: Sentinel was blind; the next cycle "
                        "reports what changed", blind_s)

    def _inspect_every_host_now(self) -> None:
        """An interval schedule first fires one interval after start: the new leader inspects
        every host at once, so a fresh start (or a takeover) knows the fleet now."""
        for host in self.settings.hosts:
            self.app.send_task("inspect_host", args=(host,), queue="inspect",
                               expires=self.settings.interval_s)

    def close(self) -> None:
        if self.leading:
            with contextlib.suppress(redis.RedisError):  # else the lease runs out by itself
                self._release(keys=[LEASE_KEY], args=[self.identity])
        super().close()
