"""Sentinel's state in Redis: containers per host, the outbox, delivery markers, dead letters.

The decision logic lives once, in Python (`core.state_machine`); Redis gives atomicity: one
WATCH/MULTI transaction per host reads the state, runs the pure step for every container, and
writes the new state together with the alerts it produced (the outbox). Two workers racing on
one host cannot both commit, so each transition is alerted exactly once.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from pydantic import ValidationError

from sentinel.adapters import redis_keys as keys
from sentinel.core.alerts import Alert, AlertKind, about_container
from sentinel.core.alerts import alert_id as make_alert_id
from sentinel.core.autorestart import recent_attempts
from sentinel.core.batching import summary_line
from sentinel.core.host_health import (
    DEFAULT_AFTER_FAILURES,
    HostHealth,
    host_answered,
    host_failed,
)
from sentinel.core.judgement import DEFAULT as DEFAULT_JUDGEMENT
from sentinel.core.judgement import Judgement
from sentinel.core.model import ContainerState, ContainerStatus, HostSnapshot, HostStatus
from sentinel.core.silences import Silence, changes_while_silenced, ended_notice, silencing
from sentinel.core.state_machine import HostStep, step_host

log = logging.getLogger(__name__)

DELIVERED_MARKER_TTL_S = 30 * 24 * 3600  # far longer than any retry or sweep could run


def _health(meta: Mapping[Any, Any]) -> HostHealth:
    """A host's health from its meta hash (absent fields: never failed)."""
    get = {_text(k): _text(v) for k, v in meta.items()}.get
    since = get("failing_since") or ""
    return HostHealth(status=HostStatus(get("status") or HostStatus.UNKNOWN.value),
                      failures=int(get("failures") or 0),
                      failing_since=datetime.fromisoformat(since) if since else None,
                      alerted=get("alerted") == "1", error=get("error") or "")


def _health_fields(health: HostHealth) -> dict[str, str]:
    return {"status": health.status.value, "failures": str(health.failures),
            "failing_since": health.failing_since.isoformat() if health.failing_since else "",
            "alerted": "1" if health.alerted else "0", "error": health.error}


def _text_or_none(value: Any) -> str | None:
    return None if value is None else _text(value)


def _text(value: Any) -> str:
    """redis-py answers bytes (or str with decode_responses): Sentinel's keys are UTF-8."""
    return value.decode() if isinstance(value, bytes) else value


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DeadLetter:
    alert_id: str
    alert: Alert | None  # None: set aside unreadable (listed, not re-sendable)
    reason: str
    failed_at: datetime


class StateStore:
    def __init__(self, client: redis.Redis, *, outbox_grace_s: float = 30.0,
                 default_channel: str = "sentinel-alerts",
                 judgement: Judgement = DEFAULT_JUDGEMENT) -> None:
        self.redis = client
        self.judgement = judgement
        self.outbox_grace_s = outbox_grace_s
        self.default_channel = default_channel
        # A lease is only ever extended or released by the worker that holds it (its token).
        self._extend = client.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end")
        self._unlock = client.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('DEL', KEYS[1]) else return 0 end")
        # A steady host's freshness: only if plainly up, and never backwards in time. On
        # success the inspection lease (KEYS[2]) goes too: a steady cycle is two round trips.
        self._touch = client.register_script(
            "local st = redis.call('HMGET', KEYS[1], 'status', 'failures', "
            "'last_inspected_ts', 'baselined_at', 'digest', 'review') "
            "if st[1] ~= 'up' or (st[2] and st[2] ~= '0') or not st[4] or not st[3] "
            "or st[5] ~= ARGV[3] or st[6] == '1' then return 0 end "
            "redis.call('DEL', KEYS[2]) "
            "if tonumber(st[3]) >= tonumber(ARGV[2]) then return 1 end "
            "redis.call('HSET', KEYS[1], 'last_inspected_at', ARGV[1], "
            "'last_inspected_ts', ARGV[2], 'inspect_s', ARGV[4]) return 1")
        # Only the batch's own sender clears it: a worker that lost its lease must not delete
        # the batch its successor is sending.
        self._drop_batch = client.register_script(
            "local v = redis.call('GET', KEYS[1]) "
            "if v and cjson.decode(v)['nonce'] == ARGV[1] then "
            "return redis.call('DEL', KEYS[1]) else return 0 end")

    # -- recording -------------------------------------------------------------------------

    def record_snapshot(self, snapshot: HostSnapshot, *, host_url: str = "",
                        now: datetime | None = None) -> HostStep:
        """Apply one snapshot atomically; return what changed and the alerts now in the outbox."""
        containers_key = keys.host_containers(snapshot.host)
        meta_key = keys.host_meta(snapshot.host)
        blind_noticed = self._blind_noticed() if snapshot.complete else None
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(containers_key, meta_key)
                    states = self._read_states(pipe.hgetall(containers_key), snapshot.host)
                    meta = pipe.hgetall(meta_key)
                    first_meeting = b"baselined_at" not in meta
                    if first_meeting and not snapshot.complete:
                        # An event before the first full listing: the baseline needs the
                        # whole host, so this waits for the poll.
                        pipe.reset()
                        return HostStep(reasons={o.key: "before the host's first listing: "
                                                 "left to the baseline" for o in
                                                 snapshot.containers})
                    result = step_host(states, snapshot, host_url=host_url,
                                       first_meeting=first_meeting, judgement=self.judgement)
                    if result.alerts:
                        # The same transition computed again (state lost or a container met
                        # anew): its id is the same, and it was delivered once already.
                        seen = [pipe.exists(keys.delivered(a.id)) for a in result.alerts]
                        result.alerts = [a for a, done in zip(result.alerts, seen, strict=True)
                                         if not done]
                    pipe.multi()
                    if result.changed:
                        pipe.hset(containers_key, mapping={
                            k: s.model_dump_json() for k, s in result.changed.items()})
                    if result.removed:
                        pipe.hdel(containers_key, *result.removed)
                    self._schedule_reminders(pipe, snapshot.host, result.changed,
                                             result.removed)
                    after = {**{k: v for k, v in states.items() if k not in result.removed},
                             **result.changed}
                    # Time alone can change what is said of some containers (a loop ending,
                    # a restart proving itself): no touch fast path for this host till then.
                    pipe.hset(meta_key, mapping={
                        "review": "1" if any(s.needs_review for s in after.values()) else "0",
                        # for metrics: counts by status without reading every container
                        "statuses": json.dumps(Counter(s.status.value for s in after.values())),
                    })
                    if not snapshot.complete and (result.changed or result.removed):
                        # An event changed what the last full listing said: the next listing
                        # must be decided in full even if it equals that one (touch_host).
                        pipe.hset(meta_key, "digest", "")
                    if snapshot.complete:  # host-level facts come from full listings only
                        answered = host_answered(_health(meta), host=snapshot.host,
                                                 host_url=host_url, now=snapshot.observed_at)
                        if self._write_meta(pipe, meta, snapshot, host_url, first_meeting,
                                            answered.health) and answered.alert:
                            result.alerts.append(answered.alert)
                            result.reasons[""] = answered.reason
                    result.alerts = self._add_to_outbox(pipe, result.alerts, now or utcnow())
                    last_ts = float(_text(meta.get(b"last_inspected_ts") or b"0"))
                    if blind_noticed is not None and last_ts < blind_noticed and result.alerts:
                        # The first look at this host since Sentinel's own outage: what it
                        # found goes into the one "Sentinel was blind" notice too.
                        pipe.rpush(keys.BLIND_LINES, *(summary_line(a) for a in result.alerts))
                    pipe.execute()
                    return result
                except redis.WatchError:
                    log.debug("host %s changed during the transaction: retrying", snapshot.host)
                    continue

    def _read_states(self, raw: Mapping[Any, Any], host: str) -> dict[str, ContainerState]:
        states: dict[str, ContainerState] = {}
        for key, value in raw.items():
            try:
                states[_text(key)] = ContainerState.model_validate_json(value)
            except ValidationError as exc:
                # A corrupt entry is forgotten (the container is met again as new) and said.
                log.error("unreadable state of %s/%s in Redis, discarded: %s",
                          host, _text(key), exc.errors()[0]["msg"])
        return states

    def _write_meta(self, pipe: Any, meta: Mapping[Any, Any], snapshot: HostSnapshot,
                    host_url: str, first_meeting: bool, health: HostHealth) -> bool:
        """False for an older snapshot: its host-level facts are outdated too."""
        last = meta.get(b"last_inspected_at")
        if last is not None and datetime.fromisoformat(last.decode()) >= snapshot.observed_at:
            return False
        mapping = {
            "url": host_url,
            "last_inspected_at": snapshot.observed_at.isoformat(),
            "last_inspected_ts": repr(snapshot.observed_at.timestamp()),
            "digest": snapshot.digest or "",
            "containers": str(len(snapshot.containers)),
            "inspect_s": repr(snapshot.inspect_s or 0.0),
            **_health_fields(health),
        }
        if first_meeting:
            mapping["baselined_at"] = snapshot.observed_at.isoformat()
        pipe.hset(keys.host_meta(snapshot.host), mapping=mapping)
        pipe.sadd(keys.HOSTS, snapshot.host)
        return True

    def channel_of(self, alert: Alert) -> str:
        return alert.channel or self.default_channel

    def _add_to_outbox(self, pipe: Any, alerts: list[Alert], now: datetime, *,
                       silenced_too: bool = False) -> list[Alert]:
        """In the caller's transaction: the outbox entry, its due time for the sweep, and its
        place in the channel's queue, so the first sender already sees a whole burst.
        Alerts a silence covers are left out (the state still changed; the silence's end
        reports what differs). Returns the alerts that went in."""
        if alerts and not silenced_too:
            quiet = self.silences()
            kept = []
            for alert in alerts:
                silence = silencing(alert, quiet, now)
                if silence is None:
                    kept.append(alert)
                else:
                    log.info("alert %s %s on %s/%s: silenced by %s (%s)", alert.id,
                             alert.kind.value, alert.host, alert.key or "-", silence.id,
                             silence.label)
            alerts = kept
        due = now.timestamp() + self.outbox_grace_s
        for alert in alerts:
            pipe.hincrby(keys.METRICS, f"alerts:{alert.kind.value}", 1)
            pipe.hsetnx(keys.OUTBOX, alert.id, alert.model_dump_json())
            pipe.zadd(keys.OUTBOX_DUE, {alert.id: due}, nx=True)
            pipe.zadd(keys.pending(self.channel_of(alert)),
                      {alert.id: alert.occurred_at.timestamp()}, nx=True)
        return alerts

    def record_restart_attempt(self, host: str, key: str, container_id: str, attempt: int,
                               at: datetime) -> ContainerState | None:
        """Count Sentinel's restart attempt `attempt` in the container's state, in one
        transaction, if it is still the dead container the order was for and the attempt was
        not made already (a duplicate task). None: nothing to do."""
        containers_key = keys.host_containers(host)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(containers_key)
                    raw = pipe.hget(containers_key, key)
                    state = ContainerState.model_validate_json(raw) if raw else None
                    if state is None or state.container_id != container_id or \
                            state.status is not ContainerStatus.DEAD or state.gave_up:
                        pipe.reset()
                        return None
                    recent = recent_attempts(state, at, self.judgement)
                    if len(recent) != attempt - 1:
                        pipe.reset()
                        return None
                    state = state.model_copy(update={"restart_attempts": [*recent, at]})
                    pipe.multi()
                    pipe.hset(containers_key, key, state.model_dump_json())
                    pipe.hset(keys.host_meta(host), "review", "1")
                    pipe.execute()
                    return state
                except redis.WatchError:
                    continue

    def record_host_failure(self, host: str, host_url: str, error: str, attempted_at: datetime,
                            after_failures: int = DEFAULT_AFTER_FAILURES) -> list[Alert]:
        """An inspection that got no answer. After `after_failures` in a row, one alert; its
        containers are unknown meanwhile, and none of them is alerted."""
        meta_key = keys.host_meta(host)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(meta_key)
                    meta = pipe.hgetall(meta_key)
                    last = meta.get(b"last_inspected_at")
                    if last is not None and datetime.fromisoformat(_text(last)) >= attempted_at:
                        pipe.reset()  # a newer inspection answered: this failure is old news
                        return []
                    decision = host_failed(_health(meta), host=host, host_url=host_url,
                                           now=attempted_at, error=error[:500],
                                           after_failures=after_failures)
                    pipe.multi()
                    fields = {"url": host_url, **_health_fields(decision.health)}
                    pipe.hset(meta_key, mapping=fields)  # type: ignore[arg-type]
                    pipe.sadd(keys.HOSTS, host)
                    alerts = self._add_to_outbox(
                        pipe, [decision.alert] if decision.alert else [], utcnow())
                    pipe.execute()
                    log.info("host %s: %s", host, decision.reason)
                    return alerts
                except redis.WatchError:
                    continue

    def touch_host(self, host: str, observed_at: datetime, digest: str | None,
                   inspect_s: float = 0.0) -> bool:
        """A listing identical to the last one recorded (by any worker): only the host's
        freshness moves on and the inspection lease is released, in one call. False when
        anything else could need deciding (a different listing, failures pending,
        unreachable, never met): then the full record runs, the lease still held. Most of a
        steady fleet's cycles end here."""
        if digest is None:
            return False
        return bool(self._touch(keys=[keys.host_meta(host), keys.inspecting(host)],
                                args=[observed_at.isoformat(), repr(observed_at.timestamp()),
                                      digest, repr(round(inspect_s, 4))]))

    def claim_inspection(self, host: str, lease_s: float) -> bool:
        return bool(self.redis.set(keys.inspecting(host), "1", nx=True,
                                   px=max(1, int(lease_s * 1000))))

    def end_inspection(self, host: str) -> None:
        self.redis.delete(keys.inspecting(host))

    def add_alert(self, alert: Alert, now: datetime | None = None) -> bool:
        """Put one alert in the outbox outside a snapshot (restart notices, test alerts).
        False when a silence covers it."""
        with self.redis.pipeline() as pipe:
            kept = self._add_to_outbox(pipe, [alert], now or utcnow())
            pipe.execute()
        return bool(kept)

    # -- Sentinel's own liveness --------------------------------------------------------------

    def sign_of_life(self, role: str, ident: str, at: float | None = None) -> None:
        self.redis.hset(keys.ALIVE, f"{role}:{ident}", repr(at or time.time()))

    def signs_of_life(self, forget_after_s: float = 86_400.0) -> dict[str, float]:
        """Every role's last sign of life; ones silent for a day are forgotten."""
        now, signs, gone = time.time(), {}, []
        for key, raw in self.redis.hgetall(keys.ALIVE).items():
            seen = float(_text(raw))
            if now - seen > forget_after_s:
                gone.append(key)
            else:
                signs[_text(key)] = seen
        if gone:
            self.redis.hdel(keys.ALIVE, *gone)
        return signs

    def count(self, counter: str, by: int = 1) -> None:
        """A fleet-wide counter (Prometheus, `sentinel status`): every process, every node."""
        self.redis.hincrby(keys.METRICS, counter, by)

    def counters(self) -> dict[str, int]:
        return {_text(k): int(v) for k, v in self.redis.hgetall(keys.METRICS).items()}

    def notice_blindness(self, now: float, blind_after_s: float) -> float | None:
        """Sentinel is starting: if its heartbeat has been silent longer than
        `blind_after_s`, it was not watching; remembered (once) until the first full cycle
        has looked at every host (`blind_report`). Returns how long it was blind, or None
        (watching, or the very first start, which is the baseline's business)."""
        # The heartbeat, not the last complete cycle: a host unreachable for days is not
        # Sentinel being blind.
        raw = self.redis.get(keys.LAST_HEARTBEAT) or self.redis.get(keys.LAST_CYCLE)
        if raw is None:
            return None
        last = float(_text(raw))
        if now - last <= blind_after_s or not self.redis.set(
                keys.BLIND, json.dumps({"since": last, "noticed": now}), nx=True):
            return None
        return now - last

    def _blind_noticed(self) -> float | None:
        raw = self.redis.get(keys.BLIND)
        return float(json.loads(raw)["noticed"]) if raw else None

    def blind_report(self, hosts: list[str], inspected: dict[str, float | None],
                     failures: dict[str, int], now: float,
                     give_up_after_s: float = 600.0) -> Alert | None:
        """Once every host has been looked at since Sentinel came back (or after
        `give_up_after_s`), the one notice: how long it was blind, and what it found."""
        raw = self.redis.get(keys.BLIND)
        if raw is None:
            return None
        blind = json.loads(raw)
        noticed = float(blind["noticed"])
        # Looked at since the return: inspected, or tried and failing (unreachable hosts
        # must not hold the notice back).
        seen_all = all((inspected.get(h) or 0.0) >= noticed or failures.get(h, 0) > 0
                       for h in hosts)
        if not seen_all and now - noticed < give_up_after_s:
            return None
        with self.redis.pipeline() as pipe:
            pipe.lrange(keys.BLIND_LINES, 0, -1)
            pipe.delete(keys.BLIND_LINES)
            pipe.delete(keys.BLIND)
            lines, _, claimed = pipe.execute()
        if not claimed:  # another heartbeat posted it
            return None
        since = datetime.fromtimestamp(float(blind["since"]), UTC)
        alert = Alert(id=make_alert_id(AlertKind.BLIND, "sentinel", "", since),
                      kind=AlertKind.BLIND, host=f"all {len(hosts)} host(s)",
                      occurred_at=since, downtime_s=max(0.0, noticed - since.timestamp()),
                      summary_lines=[_text(line) for line in lines])
        self.add_alert(alert)
        return alert

    def mark_cycle_complete(self, at: float) -> None:
        self.redis.set(keys.LAST_CYCLE, repr(at))

    def mark_heartbeat(self, at: float) -> None:
        """Sentinel was running (beat and a worker), complete cycle or not: what tells its
        own outage apart from a host that has been unreachable for days."""
        self.redis.set(keys.LAST_HEARTBEAT, repr(at))

    def last_cycle_complete(self) -> float | None:
        raw = self.redis.get(keys.LAST_CYCLE)
        return float(_text(raw)) if raw else None

    def inspection_facts(self, hosts: list[str]) -> tuple[dict[str, float | None],
                                                         dict[str, int]]:
        """Each host's last inspection (epoch seconds) and failures in a row, in one trip."""
        with self.redis.pipeline(transaction=False) as pipe:
            for host in hosts:
                pipe.hmget(keys.host_meta(host), "last_inspected_ts", "failures")
            answers = pipe.execute()
        inspected = {h: float(a[0]) if a[0] else None for h, a in zip(hosts, answers,
                                                                        strict=True)}
        failures = {h: int(a[1] or 0) for h, a in zip(hosts, answers, strict=True)}
        return inspected, failures

    # -- reminders ---------------------------------------------------------------------------

    def _schedule_reminders(self, pipe: Any, host: str, changed: Mapping[str, ContainerState],
                            removed: list[str]) -> None:
        """In the caller's transaction: a container seen down gets a reminder due one repeat
        interval after Sentinel's last word about it (now: not its death, which may be long
        past when it is first met); one that is back (or gone) loses it."""
        repeat = self.judgement.repeat_interval_s
        for key, state in changed.items():
            member = f"{host}\t{key}"
            if state.status.is_down and repeat > 0:
                pipe.zadd(keys.REMINDERS, {member: state.observed_at.timestamp() + repeat},
                          nx=True)
            elif not state.status.is_down:
                pipe.zrem(keys.REMINDERS, member)
        for key in removed:
            pipe.zrem(keys.REMINDERS, f"{host}\t{key}")

    def due_reminders(self, now: datetime) -> list[Alert]:
        """One [STILL DEAD] per container still down a whole repeat interval after the last
        word about it; the next is due one interval later."""
        repeat = self.judgement.repeat_interval_s
        alerts: list[Alert] = []
        due_now: list[tuple[Any, float]] = self.redis.zrangebyscore(  # type: ignore[assignment]
            keys.REMINDERS, "-inf", now.timestamp(), withscores=True)
        for raw, due in due_now:
            member = _text(raw)
            host, _, key = member.partition("\t")
            state = self.container(host, key)
            if state is None or not state.status.is_down or repeat <= 0:
                self.redis.zrem(keys.REMINDERS, member)
                continue
            moment = datetime.fromtimestamp(due, UTC)
            down_for = (moment - (state.down_since or state.since)).total_seconds()
            alert = about_container(AlertKind.REMINDER, host, state, moment,
                                    downtime_s=max(0.0, down_for))
            with self.redis.pipeline() as pipe:
                # Next one interval from now, never in the past: no catch-up storm. Two
                # sweeps racing here make the same id (start, due): shown once.
                pipe.zadd(keys.REMINDERS, {member: max(due, now.timestamp()) + repeat}, xx=True)
                alerts += self._add_to_outbox(pipe, [alert], now)
                pipe.execute()
        return alerts

    # -- silences ----------------------------------------------------------------------------

    def silences(self) -> list[Silence]:
        found = []
        for key, raw in self.redis.hgetall(keys.SILENCES).items():
            try:
                found.append(Silence.model_validate_json(raw))
            except ValidationError as exc:
                log.error("unreadable silence %s in Redis, ignored: %s", _text(key),
                          exc.errors()[0]["msg"])
        return sorted(found, key=lambda s: s.until)

    def add_silence(self, silence: Silence) -> Silence:
        """Stored with the status of everything it covers now, to report what differs at
        its end."""
        states = self.containers(silence.host)
        at_start = {k: s.status.value for k, s in states.items()
                    if silence.covers_state(silence.host, s)}
        silence = silence.model_copy(update={"at_start": at_start})
        self.redis.hset(keys.SILENCES, silence.id, silence.model_dump_json())
        return silence

    def end_silence(self, silence_id: str, now: datetime) -> Silence | None:
        """Ends it now; the next sweep reports what changed while it lasted."""
        raw = self.redis.hget(keys.SILENCES, silence_id)
        if raw is None:
            return None
        silence = Silence.model_validate_json(raw)
        if silence.until > now:
            silence = silence.model_copy(update={"until": now})
            self.redis.hset(keys.SILENCES, silence_id, silence.model_dump_json())
        return silence

    def close_ended_silences(self, now: datetime) -> list[Alert]:
        """Silences past their end leave; each one whose containers changed while it lasted
        leaves one summary alert. Removed first (HDEL wins once), so two sweeps never both
        report the same end."""
        alerts = []
        for silence in self.silences():
            if silence.until > now or not self.redis.hdel(keys.SILENCES, silence.id):
                continue
            lines = changes_while_silenced(silence, self.containers(silence.host))
            log.info("silence %s on %s ended: %d change(s)", silence.id, silence.label,
                     len(lines))
            if lines:
                notice = ended_notice(silence, lines)
                with self.redis.pipeline() as pipe:  # another silence must not swallow it
                    alerts += self._add_to_outbox(pipe, [notice], now, silenced_too=True)
                    pipe.execute()
        return alerts

    # -- delivery bookkeeping --------------------------------------------------------------

    def load_alert(self, alert_id: str) -> Alert | None:
        raw = self.redis.hget(keys.OUTBOX, alert_id)
        return Alert.model_validate_json(raw) if raw else None

    def is_delivered(self, alert_id: str) -> bool:
        return bool(self.redis.exists(keys.delivered(alert_id)))

    def mark_delivered(self, alert_ids: list[str], message_id: str, channel: str,
                       nonce: str) -> None:
        """Sent: markers set, the alerts leave the outbox and the queue, the batch is done.
        True whoever holds the channel's lease now: the message did go out."""
        with self.redis.pipeline() as pipe:
            for alert_id in alert_ids:
                pipe.set(keys.delivered(alert_id), message_id or "-", ex=DELIVERED_MARKER_TTL_S)
            pipe.hdel(keys.OUTBOX, *alert_ids)
            pipe.zrem(keys.OUTBOX_DUE, *alert_ids)
            pipe.zrem(keys.pending(channel), *alert_ids)
            pipe.hincrby(keys.METRICS, "messages_sent", 1)
            pipe.hincrby(keys.METRICS, "alerts_delivered", len(alert_ids))
            pipe.execute()
        self._drop_batch(keys=[keys.inflight(channel)], args=[nonce])

    def _while_holding(self, channel: str, token: str, write: Callable[[Any], None]) -> bool:
        """Run `write` in a transaction only if this worker still holds the channel's lease."""
        lease = keys.sending(channel)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(lease)
                if _text_or_none(pipe.get(lease)) != token:
                    pipe.reset()
                    return False
                pipe.multi()
                write(pipe)
                pipe.execute()
                return True
            except redis.WatchError:
                return False

    # -- per-channel sending -----------------------------------------------------------------

    def enqueue_pending(self, alert: Alert) -> None:
        """Again in its channel's queue (a swept or re-sent alert)."""
        self.redis.zadd(keys.pending(self.channel_of(alert)),
                        {alert.id: alert.occurred_at.timestamp()}, nx=True)

    def pending_count(self, channel: str) -> int:
        return int(self.redis.zcard(keys.pending(channel)))

    def has_pending(self, channel: str) -> bool:
        return self.pending_count(channel) > 0

    def pending_alerts(self, channel: str, limit: int) -> list[Alert]:
        """Waiting alerts, oldest first; ids no longer in the outbox are dropped from the set."""
        ids = [_text(i) for i in self.redis.zrange(keys.pending(channel), 0, limit - 1)]
        if not ids:
            return []
        raws = self.redis.hmget(keys.OUTBOX, ids)
        gone = [i for i, raw in zip(ids, raws, strict=True) if raw is None]
        if gone:
            self.redis.zrem(keys.pending(channel), *gone)
        alerts = []
        for alert_id, raw in zip(ids, raws, strict=True):
            if raw is None:
                continue
            try:
                alerts.append(Alert.model_validate_json(raw))
            except ValidationError as exc:
                # Unreadable (a newer or corrupt entry): kept aside with the reason, so that
                # it cannot block the channel and is still not lost.
                self._set_aside(alert_id, raw, channel, f"unreadable alert: {exc.errors()[0]}")
        return alerts

    def _set_aside(self, alert_id: str, raw: Any, channel: str, reason: str) -> None:
        log.error("alert %s set aside as a dead letter: %s", alert_id, reason)
        entry = {"raw": _text(raw), "reason": reason, "failed_at": utcnow().isoformat()}
        with self.redis.pipeline() as pipe:
            pipe.hset(keys.DEAD_LETTERS, alert_id, json.dumps(entry))
            pipe.hdel(keys.OUTBOX, alert_id)
            pipe.zrem(keys.OUTBOX_DUE, alert_id)
            pipe.zrem(keys.pending(channel), alert_id)
            pipe.execute()

    def lock_channel(self, channel: str, token: str, lease_s: float) -> bool:
        return bool(self.redis.set(keys.sending(channel), token, nx=True,
                                   px=max(1, int(lease_s * 1000))))

    def extend_channel_lock(self, channel: str, token: str, lease_s: float) -> bool:
        return bool(self._extend(keys=[keys.sending(channel)],
                                 args=[token, max(1, int(lease_s * 1000))]))

    def unlock_channel(self, channel: str, token: str) -> None:
        self._unlock(keys=[keys.sending(channel)], args=[token])

    def save_inflight(self, channel: str, batch: dict[str, Any], token: str) -> bool:
        return self._while_holding(channel, token, lambda pipe: pipe.set(
            keys.inflight(channel), json.dumps(batch)))

    def load_inflight(self, channel: str) -> dict[str, Any] | None:
        raw = self.redis.get(keys.inflight(channel))
        return json.loads(raw) if raw else None

    def postpone(self, alert_ids: list[str], delay_s: float,
                 now: datetime | None = None) -> None:
        """A retry is scheduled: the sweep leaves these alerts alone until well after it."""
        due = (now or utcnow()).timestamp() + delay_s + self.outbox_grace_s
        self.redis.zadd(keys.OUTBOX_DUE, dict.fromkeys(alert_ids, due), xx=True)

    def dead_letter(self, alert_ids: list[str], reason: str, channel: str, token: str,
                    nonce: str, now: datetime | None = None) -> int:
        """Undeliverable: each alert kept with the reason (for `sentinel deadletters --retry`),
        out of the outbox and the queue, the batch done; only while holding the lease.
        Returns how many alerts were dead-lettered (ids no longer in the outbox are just
        cleared)."""
        failed_at = (now or utcnow()).isoformat()
        raws = self.redis.hmget(keys.OUTBOX, alert_ids) if alert_ids else []
        found = [(i, raw) for i, raw in zip(alert_ids, raws, strict=True) if raw is not None]

        def write(pipe: Any) -> None:
            for alert_id, raw in found:
                entry = {"alert": json.loads(raw), "reason": reason, "failed_at": failed_at}
                pipe.hset(keys.DEAD_LETTERS, alert_id, json.dumps(entry))
            if alert_ids:
                pipe.hdel(keys.OUTBOX, *alert_ids)
                pipe.zrem(keys.OUTBOX_DUE, *alert_ids)
                pipe.zrem(keys.pending(channel), *alert_ids)
            pipe.hincrby(keys.METRICS, "alerts_dead_lettered", len(found))

        if not self._while_holding(channel, token, write):
            return 0
        self._drop_batch(keys=[keys.inflight(channel)], args=[nonce])
        return len(found)

    def take_due(self, now: datetime | None = None, limit: int = 500) -> list[str]:
        """Alerts whose delivery was never confirmed in time; each is pushed back by a grace
        so that two sweeps do not re-enqueue it twice."""
        now_ts = (now or utcnow()).timestamp()
        due = [_text(d) for d in self.redis.zrangebyscore(keys.OUTBOX_DUE, "-inf", now_ts,
                                                           start=0, num=limit)]
        if due:
            self.redis.zadd(keys.OUTBOX_DUE, dict.fromkeys(due, now_ts + self.outbox_grace_s),
                            xx=True)
        return due

    # -- reading (status) ------------------------------------------------------------------

    def hosts(self) -> list[str]:
        return sorted(_text(h) for h in self.redis.smembers(keys.HOSTS))

    def host_meta(self, host: str) -> dict[str, str]:
        return {_text(k): _text(v) for k, v in self.redis.hgetall(keys.host_meta(host)).items()}

    def containers(self, host: str) -> dict[str, ContainerState]:
        return self._read_states(self.redis.hgetall(keys.host_containers(host)), host)

    def container(self, host: str, key: str) -> ContainerState | None:
        raw = self.redis.hget(keys.host_containers(host), key)
        return self._read_states({key: raw}, host).get(key) if raw else None

    def dead_letters(self) -> list[DeadLetter]:
        letters = []
        for alert_id, raw in self.redis.hgetall(keys.DEAD_LETTERS).items():
            entry = json.loads(raw)
            alert = Alert.model_validate(entry["alert"]) if "alert" in entry else None
            letters.append(DeadLetter(alert_id=_text(alert_id), alert=alert,
                                      reason=entry["reason"],
                                      failed_at=datetime.fromisoformat(entry["failed_at"])))
        return sorted(letters, key=lambda d: d.failed_at)

    def dead_letter_count(self) -> int:
        return int(self.redis.hlen(keys.DEAD_LETTERS))

    def requeue_dead_letter(self, alert_id: str) -> Alert | None:
        """Move a dead letter back into the outbox for another delivery attempt."""
        raw = self.redis.hget(keys.DEAD_LETTERS, alert_id)
        if raw is None:
            return None
        alert = Alert.model_validate(json.loads(raw)["alert"])
        with self.redis.pipeline() as pipe:
            pipe.hdel(keys.DEAD_LETTERS, alert_id)
            pipe.delete(keys.delivered(alert_id))
            self._add_to_outbox(pipe, [alert], utcnow(), silenced_too=True)
            pipe.execute()
        return alert
