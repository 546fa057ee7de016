"""heartbeat: the dead-man's switch. Once per interval (beat), it checks that the last
inspection cycle completed, records it, and pings SENTINEL_HEARTBEAT_URL (healthchecks.io
style: the URL, or `<url>/fail` when a host could not be inspected). An outside service that
stops hearing from it knows Sentinel itself is down."""

from __future__ import annotations

import logging
import time

import httpx
from celery import shared_task

from sentinel.core.liveness import cycle_verdict, heartbeat_url
from tasks.notify import deliver_alert
from tasks.runtime import runtime

log = logging.getLogger(__name__)


@shared_task(name="heartbeat", ignore_result=True)
def heartbeat() -> None:
    rt = runtime()
    hosts = list(rt.settings.hosts)
    inspected, failures = rt.store.inspection_facts(hosts)
    now = time.time()
    verdict = cycle_verdict(hosts, inspected, failures, now, rt.settings.interval_s)
    rt.store.mark_heartbeat(now)
    if verdict.ok:
        rt.store.mark_cycle_complete(now)
    blind = rt.store.blind_report(hosts, inspected, failures, now)
    if blind is not None:
        log.warning("Sentinel was blind for %.0f s: %d change(s) found on return",
                    blind.downtime_s or 0, len(blind.summary_lines))
        deliver_alert.delay(blind.id)
    if rt.settings.heartbeat_url is None:
        return
    url = heartbeat_url(rt.settings.heartbeat_url.get_secret_value(), verdict.ok)
    try:
        answer = httpx.get(url, timeout=min(10.0, rt.settings.http_timeout_s))
        answer.raise_for_status()
    except httpx.HTTPError as exc:  # the URL is a secret: never logged
        log.warning("heartbeat: the ping (%s) failed: %s", "ok" if verdict.ok else "fail",
                    type(exc).__name__)
        return
    log.info("heartbeat: pinged %s (%s)", "ok" if verdict.ok else "fail", verdict.reason)
