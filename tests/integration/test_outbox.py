"""Nothing committed is lost: an alert in the outbox whose enqueue never happened is sent."""

from __future__ import annotations

import time

from sentinel.adapters.docker_inspector import DockerInspector
from sentinel.config import HostConfig
from tests.integration.conftest import HOST
from tests.integration.helpers import start_node, store_for
from tests.support.services import DockerDaemon, wait_until


def test_an_alert_committed_but_never_enqueued_is_delivered_by_the_sweep(
        docker_host, sentinel, bot_api, redis_url):
    """Plays a worker that crashed between the commit and the enqueue: the state and the
    outbox entry are in Redis, no task was ever sent. The sweep must find and deliver it."""
    lost = docker_host.run("lost")
    store = store_for(redis_url)
    inspector = DockerInspector(HostConfig(name=HOST, url=docker_host.url))
    store.record_snapshot(inspector.snapshot(), host_url=docker_host.url)  # baseline
    DockerDaemon.crash(lost)
    result = store.record_snapshot(inspector.snapshot(), host_url=docker_host.url)
    assert [a.kind.value for a in result.alerts] == ["dead"]
    alert_id = result.alerts[0].id
    assert store.load_alert(alert_id) is not None  # committed, and no task enqueued

    # Sentinel comes up with an inspection interval far longer than the test: only the sweep
    # (every 10 s, grace SENTINEL_OUTBOX_GRACE_S=5) can deliver the alert.
    sentinel.env["SENTINEL_INTERVAL_S"] = "3600"
    sentinel.worker()
    sentinel.beat()
    wait_until(lambda: bot_api.messages("[DEAD] lost"), 40, what="the swept alert")
    time.sleep(2)
    assert len(bot_api.messages("[DEAD] lost")) == 1
    assert bot_api.messages("[DEAD] lost")[0].payload["nonce"] == alert_id
    assert store.is_delivered(alert_id)
    assert store.load_alert(alert_id) is None
    assert "was not delivered in time: enqueued again" in sentinel.log("w1")


def test_a_permanent_refusal_goes_to_the_dead_letters_and_is_counted(
        docker_host, sentinel, bot_api, redis_url):
    doomed = docker_host.run("doomed")
    start_node(sentinel, redis_url, HOST)
    bot_api.script(("status", 403))
    DockerDaemon.crash(doomed)
    store = store_for(redis_url)
    wait_until(lambda: store.dead_letter_count() == 1, 20, what="a dead letter")
    letter = store.dead_letters()[0]
    assert letter.alert.name == "doomed"
    assert "403" in letter.reason and "lacks a permission" in letter.reason
    assert bot_api.messages() == []
