"""What every notifier is: send one message, or say whether trying again could help."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

NO_PINGS: dict[str, list[str]] = {"parse": []}  # no text from a container can ping anyone


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str  # the channel's name; a notifier resolves it as its API requires
    embeds: list[dict[str, Any]]
    nonce: str  # the alert id: a retry with the same nonce never shows a second message
    content: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"content": self.content, "embeds": self.embeds, "nonce": self.nonce,
                "allowed_mentions": dict(NO_PINGS)}


class DeliveryError(Exception):
    """A failed send. `permanent`: retrying cannot help (bad token, no such channel, 400).
    `retry_after_s`: the service said how long to wait (a 429). `status`: the HTTP status.
    `deferred`: nothing was sent (our own rate limiter said wait): not a failed attempt."""

    def __init__(self, reason: str, *, permanent: bool = False,
                 retry_after_s: float | None = None, status: int | None = None,
                 deferred: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after_s = retry_after_s
        self.status = status
        self.deferred = deferred


class Notifier(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> str:
        """Deliver; return the message id. Raise DeliveryError on failure."""
        ...

    def describe_target(self, channel: str) -> str:
        """Where a message to `channel` goes, for people (no secrets)."""
        ...

    def capacity(self, channel: str) -> int | None:
        """Messages `channel` can take before the rate limit makes us wait (None: unknown)."""
        ...

    def close(self) -> None: ...

