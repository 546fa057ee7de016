"""Prometheus metrics (`SENTINEL_METRICS_PORT`, `/metrics`), read from Redis at each scrape.

Why a collector over Redis rather than prometheus-client's own counters: Celery's prefork
children, the beat and the watcher are separate processes, often on separate machines, and
prometheus-client's multiprocess mode only joins processes of one machine sharing a
directory. Sentinel's facts already live in Redis (host states, counters kept in the same
transactions as the alerts), so any one process can serve the whole fleet's figures, and
they survive a restart.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import redis
from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from sentinel.adapters import redis_keys as keys
from sentinel.adapters.redis_store import StateStore
from sentinel.config import Settings
from sentinel.core.model import ContainerStatus, HostStatus
from sentinel.queues import QUEUES

log = logging.getLogger(__name__)



class SentinelCollector(Collector):
    def __init__(self, store: StateStore, hosts: list[str], broker: redis.Redis | None) -> None:
        self.store, self.hosts, self.broker = store, hosts, broker

    def collect(self) -> Iterator[Any]:
        try:
            yield from self._collect()
        except redis.RedisError as exc:  # a scrape says so instead of failing obscurely
            log.warning("metrics: Redis did not answer: %s", exc)
            up = GaugeMetricFamily("sentinel_redis_up", "1 when Redis answered this scrape")
            up.add_metric([], 0)
            yield up

    def _collect(self) -> Iterator[Any]:
        r = self.store.redis
        up = GaugeMetricFamily("sentinel_redis_up", "1 when Redis answered this scrape")
        up.add_metric([], 1)
        yield up
        hosts = list(dict.fromkeys(self.hosts + self.store.hosts()))
        with r.pipeline(transaction=False) as pipe:
            for host in hosts:
                pipe.hmget(keys.host_meta(host), "status", "statuses", "inspect_s",
                           "last_inspected_ts")
            metas = pipe.execute()
        by_host_status = {s.value: 0 for s in HostStatus}
        by_status = {s.value: 0 for s in ContainerStatus}
        seconds = GaugeMetricFamily("sentinel_inspection_duration_seconds",
                                    "How long the host's last inspection took", labels=["host"])
        last = GaugeMetricFamily("sentinel_host_last_inspected_timestamp_seconds",
                                 "When the host was last inspected", labels=["host"])
        for host, (status, statuses, took, when) in zip(hosts, metas, strict=True):
            status_text = status.decode() if status else HostStatus.UNKNOWN.value
            by_host_status[status_text] = by_host_status.get(status_text, 0) + 1
            for name, count in json.loads(statuses or "{}").items():
                shown = name if status_text == HostStatus.UP.value else "unknown"
                by_status[shown] = by_status.get(shown, 0) + int(count)
            if took:
                seconds.add_metric([host], float(took))
            if when:
                last.add_metric([host], float(when))
        hosts_family = GaugeMetricFamily("sentinel_hosts", "Hosts by status", labels=["status"])
        for name, count in sorted(by_host_status.items()):
            hosts_family.add_metric([name], count)
        containers = GaugeMetricFamily("sentinel_containers", "Containers by status",
                                       labels=["status"])
        for name, count in sorted(by_status.items()):
            containers.add_metric([name], count)
        yield from (hosts_family, containers, seconds, last)
        yield from self._counters()
        yield from self._queues()
        yield from self._liveness()

    def _counters(self) -> Iterator[Any]:
        counts = self.store.counters()
        alerts = CounterMetricFamily("sentinel_alerts", "Alerts committed, by kind",
                                     labels=["kind"])
        for name, count in sorted(counts.items()):
            if name.startswith("alerts:"):
                alerts.add_metric([name.removeprefix("alerts:")], count)
        yield alerts
        for name, help_text in (
                ("delivery_attempts", "Sends to the notifier"),
                ("delivery_failures", "Sends that failed (retried or dead-lettered)"),
                ("messages_sent", "Messages the notifier confirmed"),
                ("alerts_delivered", "Alerts carried by confirmed messages"),
                ("alerts_dead_lettered", "Alerts that became dead letters")):
            family = CounterMetricFamily(f"sentinel_{name}", help_text)
            family.add_metric([], counts.get(name, 0))
            yield family
        dead = GaugeMetricFamily("sentinel_dead_letters", "Dead letters waiting (deadletters)")
        dead.add_metric([], self.store.dead_letter_count())
        yield dead
        outbox = GaugeMetricFamily("sentinel_outbox", "Alerts committed, not yet delivered")
        outbox.add_metric([], int(self.store.redis.hlen(keys.OUTBOX)))
        yield outbox

    def _queues(self) -> Iterator[Any]:
        if self.broker is None:
            return
        depth = GaugeMetricFamily("sentinel_queue_depth", "Celery messages waiting",
                                  labels=["queue"])
        for queue in QUEUES:
            depth.add_metric([queue], int(self.broker.llen(queue)))
        yield depth

    def _liveness(self) -> Iterator[Any]:
        seen = GaugeMetricFamily("sentinel_role_last_seen_seconds",
                                 "Seconds since each role's last sign of life",
                                 labels=["role", "ident"])
        now = time.time()
        for key, when in self.store.signs_of_life().items():
            role, _, ident = key.partition(":")
            seen.add_metric([role, ident], max(0.0, now - when))
        yield seen
        cycle = GaugeMetricFamily("sentinel_last_cycle_timestamp_seconds",
                                  "When the last complete inspection cycle was confirmed")
        cycle.add_metric([], self.store.last_cycle_complete() or 0.0)
        yield cycle


def registry_for(settings: Settings) -> CollectorRegistry:
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=3)
    broker_url = settings.effective_broker_url
    broker = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=3) \
        if broker_url.startswith(("redis://", "rediss://", "unix://")) else None
    registry = CollectorRegistry()
    registry.register(SentinelCollector(StateStore(client), list(settings.hosts), broker))
    return registry


def serve_metrics(settings: Settings) -> bool:
    """Serve /metrics on SENTINEL_METRICS_PORT in this process (a thread). False when the
    port is taken (another Sentinel process on this machine serves them already)."""
    if settings.metrics_port is None:
        return False
    try:
        start_http_server(settings.metrics_port, registry=registry_for(settings))
    except OSError as exc:
        log.warning("metrics: port %d not available (%s): another process serves them?",
                    settings.metrics_port, exc.strerror)
        return False
    log.warning("metrics: serving http://0.0.0.0:%d/metrics", settings.metrics_port)
    return True
