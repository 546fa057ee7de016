"""A host added to or removed from the configuration file is watched (or no longer) without
restarting any of Sentinel's processes."""

from __future__ import annotations

import time

from tests.integration.conftest import HOST
from tests.integration.helpers import start_node, store_for, wait_for_baseline
from tests.support.sentinel_procs import SENTINEL
from tests.support.services import DockerDaemon, wait_until

ADDED = "added"


def test_a_host_added_to_the_file_is_watched_and_a_removed_one_is_not(
        docker_host, second_dockerd, sentinel, bot_api, redis_url, tmp_path):
    config = tmp_path / "sentinel.toml"
    config.write_text(f'[hosts]\n{HOST} = "{docker_host.url}"\n')
    sentinel.env["SENTINEL_CONFIG"] = str(config)
    del sentinel.env["SENTINEL_HOSTS"]
    sentinel.start("watcher", [*SENTINEL, "watch"])
    start_node(sentinel, redis_url, HOST)
    newcomer = second_dockerd.run("newcomer")

    config.write_text(f'[hosts]\n{HOST} = "{docker_host.url}"\n{ADDED} = "{second_dockerd.url}"\n')
    wait_for_baseline(redis_url, ADDED, timeout_s=15)
    time.sleep(1)  # the watcher follows the new host too
    DockerDaemon.crash(newcomer)
    wait_until(lambda: bot_api.embeds("[DEAD] newcomer"), 10, what="a death on the added host")

    # An invalid edit (a host URL that is not unix/tcp/ssh): said once, the old one kept.
    config.write_text(f'[hosts]\n{HOST} = "{docker_host.url}"\nbroken = "http://nope"\n')
    time.sleep(3)
    store = store_for(redis_url)
    before = store.host_meta(ADDED)["last_inspected_at"]
    time.sleep(2)
    assert store.host_meta(ADDED)["last_inspected_at"] != before, "still inspected"
    assert "invalid" in sentinel.log("beat") and "SENTINEL_HOSTS" in sentinel.log("beat")

    config.write_text(f'[hosts]\n{HOST} = "{docker_host.url}"\n')  # removed
    time.sleep(3)
    before = store.host_meta(ADDED)["last_inspected_at"]
    time.sleep(3)
    assert store.host_meta(ADDED)["last_inspected_at"] == before, "no longer inspected"
    assert "Traceback" not in sentinel.log("w1") + sentinel.log("beat")
