"""HTTP for chat APIs: one place that waits for the rate limiter, sends, learns the limits from
the answer, and turns the answer into success or a DeliveryError that says what to do."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import redis

from sentinel.adapters.notifiers.base import DeliveryError
from sentinel.adapters.notifiers.http_answers import check, retry_after_s, transport_error
from sentinel.adapters.ratelimit import RateLimiter
from sentinel.adapters.redis_keys import PREFIX

# A wait for the rate limit this short happens in place; a longer one hands the delivery back
# to Celery (a retry with that countdown) so that a worker process is not held for long.
MAX_INLINE_WAIT_S = 6.0
# After a 401 the credentials are wrong for every request: stop for a while instead of adding
# to Discord's invalid-request count (10,000 per 10 minutes gets the client banned).
CREDENTIALS_PAUSE_S = 60.0
CREDENTIALS_REJECTED_KEY = f"{PREFIX}notifier:credentials-rejected"


class ChatHttp:
    def __init__(self, client: httpx.Client, limiter: RateLimiter | None,
                 credential_hint: str, *, max_inline_wait_s: float = MAX_INLINE_WAIT_S) -> None:
        self.client = client
        self.limiter = limiter
        self.credential_hint = credential_hint
        self.max_inline_wait_s = max_inline_wait_s

    def _wait_for_slot(self, route: str, major: str) -> None:
        if self.limiter is None:
            return
        while (wait := self.limiter.acquire(route, major)) > 0:
            if wait > self.max_inline_wait_s:
                raise DeliveryError(f"rate limit: the bucket of {route} is empty for {wait:.1f}s",
                                    retry_after_s=wait, deferred=True)
            time.sleep(wait)

    def _credentials_paused(self) -> tuple[str, float] | None:
        """(why, seconds left) while requests are paused after a 401."""
        if self.limiter is None:
            return None
        try:
            with self.limiter.redis.pipeline() as pipe:
                pipe.get(CREDENTIALS_REJECTED_KEY)
                pipe.pttl(CREDENTIALS_REJECTED_KEY)
                said, ttl_ms = pipe.execute()
        except redis.RedisError:
            return None
        if not said:
            return None
        return (said.decode() if isinstance(said, bytes) else said), max(1.0, ttl_ms / 1000)

    def request(self, method: str, url: str, *, route: str, major: str, what: str,
                json: dict[str, Any] | None = None, params: dict[str, str] | None = None,
                ) -> dict[str, Any] | list[Any]:
        paused = self._credentials_paused()
        if paused:
            # Not a failure of this alert: nothing is sent, it waits for the pause to end.
            raise DeliveryError(f"{what}: not sent yet: {paused[0]}", deferred=True,
                                retry_after_s=paused[1])
        self._wait_for_slot(route, major)
        try:
            response = self.client.request(method, url, json=json, params=params)
        except httpx.HTTPError as exc:
            raise transport_error(what, exc) from exc
        if self.limiter is not None:
            self.limiter.learn(route, major, response.headers)
            if response.status_code == 429:
                is_global = (response.headers.get("x-ratelimit-global", "").lower() == "true"
                             or response.headers.get("x-ratelimit-scope") == "global")
                self.limiter.blocked(route, major, retry_after_s(response) or 1.0,
                                     is_global=is_global)
            if response.status_code == 401:
                self.limiter.redis.set(
                    CREDENTIALS_REJECTED_KEY,
                    f"the credentials were rejected (401) at {time.strftime('%H:%M:%S')}; "
                    f"paused {CREDENTIALS_PAUSE_S:.0f}s; check {self.credential_hint}",
                    ex=int(CREDENTIALS_PAUSE_S))
        return check(response, what, credential_hint=self.credential_hint)

    def close(self) -> None:
        self.client.close()


def send_to_named_channel(send: Callable[[], str], forget_channel: Callable[[], object]) -> str:
    """Send; on a 404 the cached channel is gone (deleted, or the bot restarted): forget it,
    find or create it again, and send once more. A second 404 is final (a dead letter)."""
    try:
        return send()
    except DeliveryError as exc:
        if exc.status != 404:
            raise
        forget_channel()
        return send()
