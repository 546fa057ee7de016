"""Whether a host answers: one alert when it stops answering, one when it answers again.

A host that does not answer (refused, timed out, hung) is `unreachable` only after
`after_failures` inspections in a row have failed, a short grace that keeps a single slow
answer from paging anyone. Its containers are then `unknown`: nothing is concluded about them
while the host is silent, so no container is reported dead because its host was.
"""

from __future__ import annotations

from datetime import datetime

from sentinel.core.alerts import Alert, AlertKind, alert_id
from sentinel.core.model import Frozen, HostStatus

DEFAULT_AFTER_FAILURES = 2


class HostHealth(Frozen):
    status: HostStatus = HostStatus.UNKNOWN
    failures: int = 0  # failed inspections in a row
    failing_since: datetime | None = None
    alerted: bool = False  # the unreachable alert went out for this outage
    error: str = ""


class HostDecision(Frozen):
    health: HostHealth
    alert: Alert | None = None
    reason: str


def host_answered(prev: HostHealth, *, host: str, host_url: str, now: datetime) -> HostDecision:
    health = HostHealth(status=HostStatus.UP)
    if prev.alerted and prev.failing_since is not None:
        down_s = max(0.0, (now - prev.failing_since).total_seconds())
        return HostDecision(health=health, reason="answers again after being unreachable",
                            alert=Alert(id=alert_id(AlertKind.HOST_RECOVERED, host, "",
                                                    prev.failing_since, now),
                                        kind=AlertKind.HOST_RECOVERED, host=host,
                                        host_url=host_url, occurred_at=now, downtime_s=down_s,
                                        previous_status=HostStatus.UNREACHABLE.value))
    if prev.failures:
        return HostDecision(health=health, reason=f"answers again after {prev.failures} "
                                                  "failure(s), within the grace")
    return HostDecision(health=health, reason="answers")


def host_failed(prev: HostHealth, *, host: str, host_url: str, now: datetime, error: str,
                after_failures: int = DEFAULT_AFTER_FAILURES) -> HostDecision:
    failures = prev.failures + 1
    since = prev.failing_since or now
    if prev.alerted:
        return HostDecision(health=prev.model_copy(update={"failures": failures,
                                                           "error": error}),
                            reason="still unreachable (alerted already)")
    if failures < after_failures:
        return HostDecision(health=prev.model_copy(update={"failures": failures,
                                                           "failing_since": since,
                                                           "error": error}),
                            reason=f"failure {failures} of {after_failures} before it counts")
    health = HostHealth(status=HostStatus.UNREACHABLE, failures=failures, failing_since=since,
                        alerted=True, error=error)
    return HostDecision(health=health, reason=f"{failures} failed inspections in a row",
                        alert=Alert(id=alert_id(AlertKind.UNREACHABLE, host, "", since),
                                    kind=AlertKind.UNREACHABLE, host=host, host_url=host_url,
                                    occurred_at=since, detail=error))
