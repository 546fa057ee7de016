"""Delivery through the Discord emulator: real HTTP, real Redis (store and shared limiter)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from sentinel.adapters.delivery import Result, deliver
from sentinel.adapters.notifiers.base import OutgoingMessage
from sentinel.adapters.notifiers.discord import DiscordNotifier
from sentinel.adapters.notifiers.webhook import WebhookNotifier
from sentinel.adapters.ratelimit import RateLimiter
from sentinel.adapters.redis_store import StateStore
from sentinel.core import discord_limits as lim
from sentinel.core.alerts import Alert, AlertKind
from sentinel.core.embeds import embed_chars
from tests.emulators.discord_api import DiscordEmulator, Limit

T0 = datetime(2026, 11, 24, 18, 17, tzinfo=UTC)
CHANNEL = "sentinel-alerts"
LEASE_S = 60.0


@pytest.fixture
def discord() -> Iterator[DiscordEmulator]:
    emulator = DiscordEmulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def store(redis_url: str) -> StateStore:
    return StateStore(redis.Redis.from_url(redis_url), default_channel=CHANNEL)


def notifier_for(emulator: DiscordEmulator, redis_url: str, token: str | None = None
                 ) -> DiscordNotifier:
    return DiscordNotifier(emulator.api_base, token or emulator.token, emulator.guild_id,
                           timeout_s=5, limiter=RateLimiter(redis.Redis.from_url(redis_url)))


def death(i: int, **changes: object) -> Alert:
    fields: dict[str, object] = dict(
        id=f"d-{i:022d}", kind=AlertKind.DEAD, host="h", host_url="unix:///x.sock",
        key=f"svc{i}", name=f"svc{i}", image="img:1", exit_code=137,
        occurred_at=T0 + timedelta(milliseconds=i))
    fields.update(changes)
    return Alert(**fields)  # type: ignore[arg-type]


def drain_all(store: StateStore, notifier, alerts: list[Alert], max_retries: int = 0  # type: ignore[no-untyped-def]
              ) -> None:
    """As the deliver_alert tasks would: each alert's task, retried after its countdown."""
    for alert in alerts:
        store.add_alert(alert)
    for alert in alerts:
        for _ in range(max_retries + 1):
            outcome = deliver(store, notifier, alert.id, lease_s=LEASE_S)
            if outcome.result is not Result.RETRY:
                break
            time.sleep(outcome.retry_in_s or 0)
        assert outcome.result is not Result.RETRY, outcome


def test_the_channel_is_created_once_by_name_and_its_id_cached(discord, store, redis_url):
    notifier = notifier_for(discord, redis_url)
    drain_all(store, notifier, [death(1)])
    drain_all(store, notifier, [death(2)])
    assert list(discord.store.channels) == [CHANNEL]
    assert discord.count(201) == 1  # created once
    assert [m.titles for m in discord.store.messages] == [["[DEAD] svc1"], ["[DEAD] svc2"]]
    sent = discord.store.messages[0].payload
    assert sent["allowed_mentions"] == {"parse": []} and sent["enforce_nonce"] is True
    assert sent["nonce"] == death(1).id


def test_an_answer_lost_after_the_message_was_accepted_never_shows_it_twice(
        discord, store, redis_url):
    notifier = notifier_for(discord, redis_url)
    store.add_alert(death(1))
    discord.store.ensure(CHANNEL)
    discord.store.faults.append(("drop_after_accept", None))
    first = deliver(store, notifier, death(1).id, lease_s=LEASE_S)
    assert first.result is Result.RETRY  # the worker cannot know it was accepted
    time.sleep(first.retry_in_s or 0)  # as Celery's retry countdown would
    second = deliver(store, notifier, death(1).id, lease_s=LEASE_S)
    assert second.result is Result.DELIVERED
    assert len(discord.store.messages) == 1
    assert [a.outcome for a in discord.store.attempts] == ["posted+dropped", "duplicate"]
    assert len({a.nonce for a in discord.store.attempts}) == 1
    assert store.is_delivered(death(1).id)


def test_a_deleted_channel_is_created_again_and_the_alert_delivered(discord, store, redis_url):
    notifier = notifier_for(discord, redis_url)
    drain_all(store, notifier, [death(1)])
    discord.delete_channel(CHANNEL)
    drain_all(store, notifier, [death(2)])
    assert [m.titles for m in discord.store.messages] == [["[DEAD] svc1"], ["[DEAD] svc2"]]
    assert discord.store.messages[0].channel_id != discord.store.messages[1].channel_id


def test_a_burst_for_one_channel_is_coalesced_valid_and_complete(discord, store, redis_url):
    notifier = notifier_for(discord, redis_url)
    alerts = [death(i) for i in range(40)]
    for alert in alerts:
        store.add_alert(alert)
    deliver(store, notifier, alerts[0].id, lease_s=LEASE_S)
    shown = [t for m in discord.store.messages for t in m.titles]
    assert sorted(shown) == sorted(f"[DEAD] svc{i}" for i in range(40))  # each exactly once
    assert len(discord.store.messages) == 4
    for message in discord.store.messages:
        assert len(message.payload["embeds"]) <= lim.MESSAGE_EMBEDS
        assert sum(embed_chars(e) for e in message.payload["embeds"]) <= lim.EMBED_TOTAL_CHARS
    assert (discord.count(429), discord.count(400)) == (0, 0)
    assert all(store.is_delivered(a.id) for a in alerts)


def test_a_backlog_larger_than_the_rate_limit_allows_is_summarized_and_all_named(
        discord, store, redis_url):
    """200 deaths, 5 messages per 5 s: four full messages, then the last one the bucket allows
    lists as many more as fit in a `+N more` summary; the rest follow after the bucket resets.
    Every death is named exactly once, and Discord never answers 429."""
    notifier = notifier_for(discord, redis_url)
    alerts = [death(i) for i in range(200)]
    for alert in alerts:
        store.add_alert(alert)
    deliver(store, notifier, alerts[0].id, lease_s=LEASE_S)
    messages = discord.store.messages
    named: list[str] = []
    for message in messages:
        for embed in message.payload["embeds"]:
            if embed["title"].startswith("+"):
                named += [line.removeprefix("[DEAD] ").split(" on ")[0]
                          for line in embed["description"].splitlines()
                          if line.startswith("[DEAD] ")]
            else:
                named.append(embed["title"].removeprefix("[DEAD] "))
    assert sorted(named) == sorted(f"svc{i}" for i in range(200))  # each exactly once
    assert discord.count(429) == 0 and discord.count(400) == 0
    assert len(messages) <= 10
    summaries = [e for m in messages for e in m.payload["embeds"] if e["title"].startswith("+")]
    assert summaries and "more follow in the next message" in summaries[0]["description"]
    assert all(store.is_delivered(a.id) for a in alerts)


def test_two_processes_sharing_one_bucket_through_redis_never_get_a_429(discord, redis_url):
    """Two senders with their own clients (as two worker processes) post straight into the
    same channel, 12 messages each, against a 5 per 5 s bucket: the limiter in Redis makes
    them take turns, and Discord never has to answer 429."""
    discord.rules.messages = Limit(5, 1.0)
    discord.store.ensure(CHANNEL)

    def sender(tag: str) -> None:
        notifier = notifier_for(discord, redis_url)
        for i in range(12):
            notifier.send(OutgoingMessage(channel=CHANNEL, nonce=f"{tag}-{i}", embeds=[
                {"title": f"{tag} {i}", "description": "x", "fields": []}]))

    threads = [threading.Thread(target=sender, args=(tag,)) for tag in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(discord.store.messages) == 24
    assert discord.count(429) == 0


def test_a_global_429_is_waited_out_and_the_message_still_delivered(discord, store, redis_url):
    discord.rules.global_per_s = 2  # a channel lookup (GET + POST) fits; the send is refused
    notifier = notifier_for(discord, redis_url)
    drain_all(store, notifier, [death(i) for i in range(8)], max_retries=5)
    assert discord.count(429) >= 1, "the emulator's global limit must have been met"
    assert sorted(t for m in discord.store.messages for t in m.titles) == sorted(
        f"[DEAD] svc{i}" for i in range(8))


def test_a_bad_token_dead_letters_once_and_then_stops_calling_discord(discord, store, redis_url):
    notifier = notifier_for(discord, redis_url, token="wrong")
    drain_all(store, notifier, [death(1), death(2), death(3)])
    letters = store.dead_letters()
    assert len(letters) == 3
    assert "401" in letters[0].reason and "SENTINEL_DISCORD_TOKEN" in letters[0].reason
    assert discord.invalid_requests == 1, "after a 401, Sentinel must stop adding invalid requests"
    assert "wrong" not in " ".join(letter.reason for letter in letters)
    # Alerts that come during the pause are not sent, and not dead-lettered either: they wait.
    store.add_alert(death(4))
    later = deliver(store, notifier, death(4).id, lease_s=LEASE_S)
    assert later.result is Result.RETRY and later.retry_in_s and later.retry_in_s > 30
    assert store.dead_letter_count() == 3 and discord.invalid_requests == 1
    assert store.load_alert(death(4).id) is not None


def test_a_channel_the_bot_may_not_create_is_a_dead_letter_saying_why(discord, store, redis_url):
    discord.rules.can_create_channels = False
    notifier = notifier_for(discord, redis_url)
    drain_all(store, notifier, [death(1)])
    (letter,) = store.dead_letters()
    assert "403 Missing Permissions" in letter.reason and "Manage Channels" in letter.reason


def test_an_alert_of_absurd_size_is_still_accepted_by_discord(discord, store, redis_url):
    huge = "x_*`" * 3000
    alert = death(1, name=huge, image=huge, kind=AlertKind.UNHEALTHY, detail="```" + huge)
    drain_all(store, notifier_for(discord, redis_url), [alert])
    assert discord.count(400) == 0 and len(discord.store.messages) == 1
    assert "truncated" in discord.store.messages[0].payload["embeds"][0]["title"]


def test_the_channel_label_routes_an_alert_to_its_own_channel(discord, store, redis_url):
    drain_all(store, notifier_for(discord, redis_url), [death(1, channel="payments"), death(2)])
    by_channel = {m.channel: m.titles for m in discord.store.messages}
    assert by_channel == {"payments": ["[DEAD] svc1"], CHANNEL: ["[DEAD] svc2"]}


def test_a_webhook_is_sent_with_wait_and_a_deleted_one_is_never_retried(discord, store,
                                                                         redis_url):
    url = discord.create_webhook()
    webhook = WebhookNotifier(url, timeout_s=5,
                              limiter=RateLimiter(redis.Redis.from_url(redis_url)))
    drain_all(store, webhook, [death(1)])
    assert [m.titles for m in discord.store.messages] == [["[DEAD] svc1"]]
    assert store.is_delivered(death(1).id)

    discord.delete_webhook(url)
    drain_all(store, webhook, [death(2)])
    (letter,) = store.dead_letters()
    assert "no longer exists (404)" in letter.reason
    assert [a.outcome for a in discord.store.attempts] == ["posted", "404"]  # one try only
    assert url.rsplit("/", 1)[1] not in letter.reason  # the webhook's token never shown


def test_an_outage_is_backed_off_even_when_new_alerts_keep_coming(discord, store, redis_url):
    """Found in review: a failed batch was resent at once by the next alert's task, so an
    outage burnt through every attempt in milliseconds. The backoff holds for every task."""
    notifier = notifier_for(discord, redis_url)
    discord.store.ensure(CHANNEL)
    discord.store.faults.extend([("status", 502)] * 20)
    for i in range(12):
        store.add_alert(death(i))
        outcome = deliver(store, notifier, death(i).id, lease_s=LEASE_S)
        assert outcome.result is Result.RETRY
    assert len(discord.store.attempts) == 1  # one send, then everybody waits for the backoff
    assert store.dead_letter_count() == 0


def test_a_worker_that_lost_its_lease_cannot_touch_its_successors_batch(store):
    """Found in review: a slow worker whose lease expired wrote its old batch back after the
    successor had delivered it (shown twice), or deleted the successor's new batch."""
    old = {"nonce": "m-old", "embeds": [], "shown_ids": ["d-1"], "summarized_ids": [],
           "attempts": 0, "next_attempt_at": 0.0}
    assert store.lock_channel(CHANNEL, "slow", lease_s=0.2)
    assert store.save_inflight(CHANNEL, old, "slow")
    time.sleep(0.3)  # the slow worker's lease runs out mid-send
    assert store.lock_channel(CHANNEL, "next", lease_s=30)
    new = {**old, "nonce": "m-new", "shown_ids": ["d-2"]}
    assert store.save_inflight(CHANNEL, new, "next")
    assert not store.save_inflight(CHANNEL, {**old, "attempts": 1}, "slow")
    assert store.dead_letter(["d-2"], "late failure", CHANNEL, "slow", "m-old") == 0
    store.mark_delivered(["d-1"], "123", CHANNEL, "m-old")  # it did go out: that is kept
    assert store.load_inflight(CHANNEL)["nonce"] == "m-new"
    assert store.is_delivered("d-1") and store.dead_letter_count() == 0
