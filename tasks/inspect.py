"""inspect_host: list one Docker host and hand the snapshot to the alert step."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from celery import shared_task

from sentinel.adapters.docker_inspector import HostUnreachable
from tasks.alerts import record_observations
from tasks.notify import deliver_alert
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(name="inspect_host", ignore_result=True)
def inspect_host(host: str) -> None:
    rt = runtime()
    config = rt.settings.hosts.get(host)
    if config is None:
        log.warning("inspect_host: host %s is not configured (any more): skipped", host)
        return
    # One inspection per host at a time: a hung host holds one worker process for its
    # timeout, never all of them, so it cannot delay the inspection of the others.
    if not rt.store.claim_inspection(host, config.timeout_s * 3 + 5):
        log.info("inspect_host(%s): the previous inspection is still running: skipped", host)
        return
    attempted_at, started = datetime.now(UTC), time.perf_counter()
    inspector, released = rt.inspector(host), False
    try:
        listing = inspector.listing()
        # The same listing as last recorded: nothing to decide, no inspect, no parsing.
        released = rt.store.touch_host(host, listing.observed_at, listing.digest,
                                       time.perf_counter() - started)
        if released:
            return
        snapshot = inspector.snapshot(listing).model_copy(
            update={"inspect_s": time.perf_counter() - started})
    except HostUnreachable as exc:
        log.warning("host %s (%s) did not answer: %s", host, config.url, exc)
        for alert in rt.store.record_host_failure(host, config.url, str(exc), attempted_at,
                                                  rt.settings.unreachable_after):
            deliver_alert.delay(alert.id)
        return
    finally:
        if not released:
            rt.store.end_inspection(host)
    record_observations.apply_async((host, snapshot.model_dump(mode="json")),
                                    argsrepr=snapshot.short_repr())
