"""inspect_host: list one Docker host and hand the snapshot to the alert step."""

from __future__ import annotations

import logging

from celery import shared_task

from sentinel.adapters.docker_inspector import HostUnreachable
from tasks.alerts import record_observations
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(name="inspect_host", ignore_result=True)
def inspect_host(host: str) -> None:
    rt = runtime()
    config = rt.settings.hosts.get(host)
    if config is None:
        log.warning("inspect_host: host %s is not configured (any more): skipped", host)
        return
    try:
        snapshot = rt.inspector(host).snapshot()
    except HostUnreachable as exc:
        log.warning("host %s (%s) is unreachable: %s", host, config.url, exc)
        rt.store.record_unreachable(host, config.url, str(exc))
        return
    record_observations.delay(host, snapshot.model_dump(mode="json"))
