"""Inspecting one Docker host: one listing per cycle, an inspect only where the listing changed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docker
import requests

from sentinel.adapters.docker_client import api_client
from sentinel.config import HostConfig
from sentinel.core.docker_payloads import (
    Details,
    DockerPayloadError,
    details_from_inspect,
    details_outdated,
    is_watched,
    keep_one_per_identity,
    label_problems,
    listing_digest,
    observation_from,
    summary_fingerprint,
)
from sentinel.core.model import HostSnapshot, Observation

log = logging.getLogger(__name__)

_TRANSPORT_ERRORS = (docker.errors.DockerException, requests.RequestException, OSError)


class HostUnreachable(Exception):
    """The host refused, timed out, hung, or answered something that is not the Engine API."""


@dataclass(frozen=True)
class Listing:
    """One `GET /containers/json?all=1` answer, as asked for at `observed_at`."""

    host: str
    observed_at: datetime
    summaries: list[Any]
    digest: str | None  # docker_payloads.listing_digest; None when an entry is malformed


class DockerInspector:
    """Built once per process and host (clients are never shared across a fork)."""

    def __init__(self, host: HostConfig) -> None:
        self.host = host
        self._client: docker.APIClient | None = None
        # fingerprint of a listing entry -> what its inspect said; only entries of the last
        # listing are kept, so the cache never outgrows the host.
        self._details: dict[tuple[str, str, str], Details] = {}

    def _api(self) -> docker.APIClient:
        if self._client is None:
            try:
                self._client = api_client(self.host, timeout_s=self.host.timeout_s)
            except _TRANSPORT_ERRORS as exc:
                raise HostUnreachable(_describe(exc)) from exc
        return self._client

    def listing(self) -> Listing:
        """The host's listing and its digest: one call, nothing parsed beyond the digest."""
        observed_at = datetime.now(UTC)  # before the call: the data is at least this new
        api = self._api()
        try:
            summaries = api.containers(all=True)
        except _TRANSPORT_ERRORS as exc:
            self._drop_client()
            raise HostUnreachable(_describe(exc)) from exc
        if not isinstance(summaries, list):
            raise HostUnreachable(f"listing was not a JSON array but {type(summaries).__name__}")
        return Listing(self.host.name, observed_at, summaries, listing_digest(summaries))

    def snapshot(self, listing: Listing | None = None) -> HostSnapshot:
        """Every watched container of the host, as of the moment the listing was asked for;
        inspects only the entries whose fingerprint this process has not seen."""
        listing = listing or self.listing()
        observed_at, api = listing.observed_at, self._api()
        observations: list[Observation] = []
        complete = True
        details_now: dict[tuple[str, str, str], Details] = {}
        for summary in listing.summaries:
            try:
                obs = self._observe(api, summary, observed_at, details_now)
            except DockerPayloadError as exc:
                complete = False
                log.error("host %s: skipped a container: %s", self.host.name, exc)
                continue
            if obs is not None:
                observations.append(obs)
        self._details = details_now
        return HostSnapshot(host=self.host.name, observed_at=observed_at,
                            containers=keep_one_per_identity(observations), complete=complete,
                            digest=listing.digest if complete else None)

    def _observe(self, api: docker.APIClient, summary: Any, observed_at: datetime,
                 details_now: dict[tuple[str, str, str], Details]) -> Observation | None:
        if not isinstance(summary, dict):
            raise DockerPayloadError("a listing entry is not an object")
        labels = summary.get("Labels") or {}
        if isinstance(labels, dict) and not is_watched(labels):
            return None  # sentinel.enable=false: never looked at, never mentioned
        fingerprint = summary_fingerprint(summary)
        details = self._details.get(fingerprint)
        if details is not None and details_outdated(details, summary, observed_at):
            details = None  # restarted since this process cached them: ask again
        if details is None:
            details = self._inspect(api, str(summary.get("Id", "")))
            for problem in label_problems(str(summary.get("Names")), labels):
                log.warning("host %s: %s", self.host.name, problem)
        details_now[fingerprint] = details
        return observation_from(self.host.name, summary, details, observed_at)

    def _inspect(self, api: docker.APIClient, container_id: str) -> Details:
        try:
            return details_from_inspect(api.inspect_container(container_id))
        except docker.errors.NotFound as exc:
            raise DockerPayloadError(f"container {container_id[:12]} vanished during the "
                                     "inspection") from exc
        except _TRANSPORT_ERRORS as exc:
            self._drop_client()
            raise HostUnreachable(_describe(exc)) from exc

    def _drop_client(self) -> None:
        """After a transport error, start afresh next time (a restarted engine, a new socket)."""
        if self._client is not None:
            self._client.close()
        self._client = None

    def close(self) -> None:
        self._drop_client()


def _describe(exc: BaseException) -> str:
    """A short reason without a stack: `ConnectionError: ... refused`."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
