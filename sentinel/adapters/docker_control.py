"""Acting on a Docker host (Sentinel's auto-restart): the one place that changes anything."""

from __future__ import annotations

import docker
import requests

from sentinel.adapters.docker_client import api_client
from sentinel.config import HostConfig


class ControlError(Exception):
    """Docker refused or could not be reached: the reason, in one line."""


def start_container(host: HostConfig, container_id: str) -> None:
    """`docker start`: a client per call (restarts are rare; no socket is kept for them)."""
    try:
        client = api_client(host, timeout_s=host.timeout_s)
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        raise ControlError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from exc
    try:
        client.start(container_id)
    except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
        raise ControlError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from exc
    finally:
        client.close()
