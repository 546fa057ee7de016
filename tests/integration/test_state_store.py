"""The alert step's atomicity on a real Redis: racing writers, replays, stale snapshots."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import redis

from sentinel.adapters.redis_store import StateStore
from sentinel.core.judgement import Judgement
from sentinel.core.model import HostSnapshot, Observation

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)


def snapshot(at: datetime, state: str, exit_code: int | None = None,
             started_at: datetime = T0) -> HostSnapshot:
    obs = Observation(host="h", key="web", name="web", container_id="c1", image="img",
                      docker_state=state, exit_code=exit_code, started_at=started_at,
                      finished_at=at if state == "exited" else None, observed_at=at)
    return HostSnapshot(host="h", observed_at=at, containers=[obs],
                        digest=f"{state}/{exit_code}")  # stands in for the listing's digest


def test_the_same_snapshot_recorded_twice_alerts_once(redis_url):
    store = StateStore(redis.Redis.from_url(redis_url))
    store.record_snapshot(snapshot(T0, "running"))
    died = snapshot(T0 + timedelta(seconds=1), "exited", 137)
    first = store.record_snapshot(died)
    second = store.record_snapshot(died)
    assert [a.kind.value for a in first.alerts] == ["dead"]
    assert second.alerts == []


def test_a_stale_snapshot_never_overwrites_a_fresh_one(redis_url):
    store = StateStore(redis.Redis.from_url(redis_url))
    store.record_snapshot(snapshot(T0, "running"))
    store.record_snapshot(snapshot(T0 + timedelta(seconds=5), "exited", 1))
    late_but_old = store.record_snapshot(snapshot(T0 + timedelta(seconds=3), "running"))
    assert late_but_old.alerts == []
    assert store.containers("h")["web"].status.value == "dead"
    assert store.host_meta("h")["last_inspected_at"] == (T0 + timedelta(seconds=5)).isoformat()


def test_sixteen_threads_racing_over_one_host_commit_each_transition_once(redis_url):
    """Sixteen writers each apply the same timeline of 40 snapshots (20 deaths, 20 returns)
    in their own shuffled order, all at once: every transition is alerted exactly once
    overall, because each commit re-reads the state that the others wrote."""
    # About concurrency, not judgement: 20 deaths in 40 s would be one [FLAPPING] otherwise.
    no_loops = Judgement(loop_deaths=10_000)
    store = StateStore(redis.Redis.from_url(redis_url), judgement=no_loops)
    store.record_snapshot(snapshot(T0, "running"))  # the baseline
    # Odd seconds: dead (exit 137); even seconds: running again, started that second.
    timeline = [
        snapshot(T0 + timedelta(seconds=i + 1), "exited", 137, started_at=T0 + timedelta(seconds=i))
        if i % 2 == 0 else
        snapshot(T0 + timedelta(seconds=i + 1), "running", started_at=T0 + timedelta(seconds=i + 1))
        for i in range(40)
    ]
    alerts: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def writer(offset: int) -> None:
        own = StateStore(redis.Redis.from_url(redis_url), judgement=no_loops)
        barrier.wait()
        # In time order, starting at a different point: most of each writer's snapshots
        # arrive after another writer has already recorded something newer.
        for snap in timeline[offset:] + timeline[:offset]:
            result = own.record_snapshot(snap)
            with lock:
                alerts.extend(a.id for a in result.alerts)

    threads = [threading.Thread(target=writer, args=(i * 2,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(alerts) == len(set(alerts)), "an alert id was committed twice"
    outbox = store.redis.hlen("sentinel:outbox")
    assert outbox == len(alerts)
    # Whatever the interleaving: in time order the alerts alternate death, return, death...
    # (never two deaths without the return between), and the final state is the newest.
    committed = sorted((store.load_alert(i) for i in alerts), key=lambda a: a.occurred_at)
    kinds = [a.kind.value for a in committed]
    assert kinds, "the racing writers alerted nothing"
    assert kinds == ["dead", "recovered"] * (len(kinds) // 2) + ["dead"] * (len(kinds) % 2)
    assert store.containers("h")["web"].observed_at == timeline[-1].observed_at


def test_an_api_that_announces_no_limits_is_never_waited_for(redis_url):
    """Found by the events test: without X-RateLimit headers the probe's reservation was never
    released, and every alert after the first waited about 2 s."""
    from sentinel.adapters.ratelimit import RateLimiter

    limiter = RateLimiter(redis.Redis.from_url(redis_url))
    for _ in range(5):
        assert limiter.acquire("botapi POST /send", "c1") == 0.0
        limiter.learn("botapi POST /send", "c1", {})  # an answer without rate-limit headers


def test_an_early_answer_cannot_hand_out_a_slot_already_taken(redis_url):
    """Found in review: two requests in flight in a bucket of 2; the first answer (remaining
    1) arrived before the second and let a third request go, into a 429."""
    from sentinel.adapters.ratelimit import RateLimiter

    limiter = RateLimiter(redis.Redis.from_url(redis_url))
    route, full = "POST /channels/{id}/messages", {"x-ratelimit-limit": "2",
                                                    "x-ratelimit-remaining": "2",
                                                    "x-ratelimit-reset-after": "5"}
    limiter.learn(route, "c1", full)  # the bucket is known: 2 per 5 s, full
    assert limiter.acquire(route, "c1") == 0.0  # A
    assert limiter.acquire(route, "c1") == 0.0  # B
    limiter.learn(route, "c1", {**full, "x-ratelimit-remaining": "1"})  # A's answer, first
    assert limiter.acquire(route, "c1") > 0  # C must wait: B's slot is taken


def touch(store: StateStore, snap: HostSnapshot) -> bool:
    return store.touch_host(snap.host, snap.observed_at, snap.digest)


def test_a_steady_listing_only_touches_the_host_and_anything_else_is_decided_in_full(redis_url):
    store = StateStore(redis.Redis.from_url(redis_url))
    assert not touch(store, snapshot(T0, "running"))  # never met: the full record
    store.record_snapshot(snapshot(T0, "running"))
    later = T0 + timedelta(seconds=30)
    assert store.claim_inspection("h", 30)
    assert touch(store, snapshot(later, "running"))  # the same listing: touched
    assert store.host_meta("h")["last_inspected_at"] == later.isoformat()
    assert store.claim_inspection("h", 30), "a touch releases the inspection lease"
    assert not touch(store, snapshot(later + timedelta(seconds=1), "exited", 137))
    assert not store.claim_inspection("h", 30), "no touch: the lease is kept for the full record"
    store.end_inspection("h")
    assert not store.touch_host("h", later + timedelta(seconds=1), None), \
        "a listing with a malformed entry has no digest: decided in full"

    # An event changed a container since the last full listing: no touch until decided.
    event = snapshot(later + timedelta(seconds=2), "exited", 137)
    store.record_snapshot(event.model_copy(update={"complete": False, "digest": None}))
    assert not touch(store, snapshot(later + timedelta(seconds=3), "running"))

    store.record_snapshot(snapshot(later + timedelta(seconds=4), "running"))
    store.record_host_failure("h", "", "ReadTimeout", later + timedelta(seconds=5))
    assert not touch(store, snapshot(later + timedelta(seconds=6), "running")), \
        "failures pending: the full record decides the host's health"


def test_an_unreadable_outbox_entry_is_set_aside_counted_and_listed(redis_url):
    """It must neither block its channel nor vanish: a dead letter with the reason."""
    store = StateStore(redis.Redis.from_url(redis_url), default_channel="alerts")
    store.redis.hset("sentinel:outbox", "d-broken", '{"id": "d-broken", "kind": "nonsense"}')
    store.redis.zadd("sentinel:pending:alerts", {"d-broken": 1.0})
    assert store.pending_alerts("alerts", 10) == []
    assert not store.has_pending("alerts")
    assert store.dead_letter_count() == 1
    (letter,) = store.dead_letters()
    assert (letter.alert_id, letter.alert) == ("d-broken", None)
    assert letter.reason.startswith("unreadable alert")


def test_a_container_met_long_dead_gets_one_reminder_per_interval_not_a_storm(redis_url):
    """Found in review: reminders were due from the death itself, so a container dead for a
    month got one reminder per sweep until the schedule caught up."""
    store = StateStore(redis.Redis.from_url(redis_url), judgement=Judgement(
        repeat_interval_s=3600))
    month_ago = T0 - timedelta(days=30)
    store.record_snapshot(snapshot(T0, "running"))
    died = snapshot(T0 + timedelta(seconds=5), "exited", 1).model_copy(update={
        "containers": [snapshot(T0 + timedelta(seconds=5), "exited", 1).containers[0]
                       .model_copy(update={"finished_at": month_ago})]})
    store.record_snapshot(died)
    assert store.due_reminders(T0 + timedelta(minutes=30)) == []
    first = store.due_reminders(T0 + timedelta(hours=1, seconds=10))
    assert [a.kind.value for a in first] == ["reminder"]
    assert store.due_reminders(T0 + timedelta(hours=1, seconds=20)) == [], "one per interval"
    assert len(store.due_reminders(T0 + timedelta(hours=2, seconds=30))) == 1
