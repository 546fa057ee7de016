"""Following one Docker host's event stream, for sub-second detection.

The stream is a hint, not the truth: it drops events under load and between reconnections.
Each relevant event makes us inspect that one container now and record what we see; the
periodic listing stays the reconciliation that catches anything the stream missed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import docker
import requests

from sentinel.adapters.docker_client import api_client
from sentinel.config import HostConfig
from sentinel.core.docker_payloads import (
    DockerPayloadError,
    details_from_inspect,
    is_watched,
    observation_from,
    summary_from_inspect,
)
from sentinel.core.model import HostSnapshot

log = logging.getLogger(__name__)

# Docker's container event actions that can change what Sentinel reports.
RELEVANT_ACTIONS = ("die", "oom", "start", "stop", "kill", "pause", "unpause", "restart")
RECONNECT_DELAY_S = 1.0
# A kill with one of these signals, or a stop, is someone asking the container to end: its
# death is intent, not failure (docker stop sends TERM then KILL; compose stop/down too).
ENDING_SIGNALS = {"2", "3", "9", "15", "SIGINT", "SIGQUIT", "SIGKILL", "SIGTERM"}
STOP_REQUEST_MEMORY_S = 300.0


def stop_request_time(event: dict[str, Any]) -> float | None:
    """When someone asked Docker to stop or kill this container (None: not such an event)."""
    action = str(event.get("Action") or event.get("status") or "")
    attributes = (event.get("Actor") or {}).get("Attributes") or {}
    if action == "stop" or (action == "kill" and
                            str(attributes.get("signal", "")) in ENDING_SIGNALS):
        return float(event.get("timeNano", 0)) / 1e9 or time.time()
    return None


def is_relevant(event: dict[str, Any]) -> bool:
    action = str(event.get("Action") or event.get("status") or "")
    return event.get("Type", "container") == "container" and (
        action in RELEVANT_ACTIONS or action.startswith("health_status"))


class EventFollower:
    """Follows one host until stopped; calls `on_snapshot` with a one-container snapshot."""

    def __init__(self, host: HostConfig, on_snapshot: Callable[[HostSnapshot], None]) -> None:
        self.host = host
        self.on_snapshot = on_snapshot
        self.stopping = threading.Event()
        self.since: float | None = None  # resume point after a reconnection (seconds)
        self._client: docker.APIClient | None = None  # the stream's: no read timeout
        self._inspector: docker.APIClient | None = None  # inspects: the host's timeout
        self._stop_requests: dict[str, float] = {}  # container id -> when a stop was asked

    def _events(self) -> Iterator[dict[str, Any]]:
        # No read timeout on the stream itself: a quiet host sends nothing for hours.
        self._client = api_client(self.host, timeout_s=None)
        since = self.since if self.since is not None else time.time()
        return self._client.events(since=since, decode=True, filters={"type": "container"})

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                for event in self._events():
                    if self.stopping.is_set():
                        break
                    self.since = float(event.get("timeNano", 0)) / 1e9 or time.time()
                    container_id = str(event.get("id") or event.get("Actor", {}).get("ID"))
                    self._remember_stop_request(container_id, event)
                    if is_relevant(event):
                        self._observe(container_id)
            except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
                if not self.stopping.is_set():
                    log.warning("events of %s: %s; reconnecting", self.host.name, exc)
            self.stopping.wait(RECONNECT_DELAY_S)

    def _remember_stop_request(self, container_id: str, event: dict[str, Any]) -> None:
        asked = stop_request_time(event)
        if asked is None:
            return
        horizon = asked - STOP_REQUEST_MEMORY_S
        self._stop_requests = {c: t for c, t in self._stop_requests.items() if t > horizon}
        self._stop_requests[container_id] = asked

    def _observe(self, container_id: str) -> None:
        observed_at = datetime.now(UTC)  # before the call: the data is at least this new
        try:
            if self._inspector is None:
                self._inspector = api_client(self.host, timeout_s=self.host.timeout_s)
            inspect = self._inspector.inspect_container(container_id)
            summary = summary_from_inspect(inspect)
            if not is_watched(summary["Labels"]):
                return
            obs = observation_from(self.host.name, summary, details_from_inspect(inspect),
                                   observed_at)
        except docker.errors.NotFound:
            return  # removed already: the next listing forgets it
        except DockerPayloadError as exc:
            log.error("events of %s: %s", self.host.name, exc)
            return
        except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
            log.warning("events of %s: inspecting %s failed (%s); the next listing will tell",
                        self.host.name, container_id[:12], exc)
            self._inspector = None
            return
        asked = self._stop_requests.get(container_id)
        if asked is not None:
            obs = obs.model_copy(update={"stop_requested_at": datetime.fromtimestamp(asked, UTC)})
        self.on_snapshot(HostSnapshot(host=self.host.name, observed_at=observed_at,
                                      containers=[obs], complete=False))

    def stop(self) -> None:
        self.stopping.set()
        if self._client is not None:
            self._client.close()  # ends a blocked read of the stream
