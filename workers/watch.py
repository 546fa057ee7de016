"""`sentinel watch`: follow every configured host's Docker events and feed what they show into
the same alert step as the polls (`record_observations`), for sub-second detection."""

from __future__ import annotations

import logging
import signal
import threading

from sentinel.adapters.docker_events import EventFollower
from sentinel.config import Settings
from sentinel.core.model import HostSnapshot

log = logging.getLogger(__name__)


def run_watch(settings: Settings) -> int:
    from workers.app import app

    def publish(snapshot: HostSnapshot) -> None:
        # Through the app itself: Celery's "current app" is per thread, and in a follower
        # thread `task.delay()` would fall back to Celery's default app and its default broker.
        app.send_task("record_observations",
                      args=(snapshot.host, snapshot.model_dump(mode="json")))

    followers = [EventFollower(host, publish) for host in settings.hosts.values()]
    threads = [threading.Thread(target=f.run, name=f"events-{f.host.name}", daemon=True)
               for f in followers]
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    for thread in threads:
        thread.start()
    log.warning("following the Docker events of %s", ", ".join(settings.hosts))
    done.wait()
    for follower in followers:
        follower.stop()
    for thread in threads:
        thread.join(5)
    return 0
