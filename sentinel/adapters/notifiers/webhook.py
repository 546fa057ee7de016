"""A Discord webhook: the simplest setup (no bot), one channel, sent with `?wait=true` so that
success is known (https://discord.com/developers/docs/resources/webhook#execute-webhook).

Limits of webhooks, said plainly: a webhook posts to its own channel only (the
`sentinel.channel` label cannot route), and Discord's webhooks take no
nonce, so a send whose answer is lost may, when retried, show twice. A deleted webhook (404)
is never retried.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from sentinel.adapters.notifiers.base import DeliveryError, OutgoingMessage
from sentinel.adapters.notifiers.http import ChatHttp
from sentinel.adapters.ratelimit import RateLimiter

URL_SETTING = "SENTINEL_DISCORD_WEBHOOK_URL"
ROUTE = "POST /webhooks/{webhook.id}/{webhook.token}"


class WebhookNotifier:
    name = "webhook"

    def __init__(self, url: str, *, timeout_s: float = 10.0, limiter: RateLimiter | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        parts = [p for p in urlsplit(url).path.split("/") if p]
        # .../webhooks/{id}/{token}: the id is the bucket's top-level resource; never logged
        # with the token.
        self.webhook_id = parts[-2] if len(parts) >= 2 else "webhook"
        self.limiter = limiter
        self.http = ChatHttp(httpx.Client(timeout=timeout_s, transport=transport), limiter,
                             URL_SETTING)

    def send(self, message: OutgoingMessage) -> str:
        payload = message.payload()
        payload.pop("nonce", None)  # webhooks do not take one
        try:
            body = self.http.request("POST", self.url, params={"wait": "true"}, json=payload,
                                     route=ROUTE, major=self.webhook_id,
                                     what=f"webhook {self.webhook_id}")
        except DeliveryError as exc:
            if exc.status == 404:
                raise DeliveryError(f"webhook {self.webhook_id} no longer exists (404): "
                                    f"create a new one and set {URL_SETTING}", permanent=True,
                                    status=404) from exc
            raise
        return str(body.get("id", "")) if isinstance(body, dict) else ""

    def capacity(self, channel: str) -> int | None:
        if self.limiter is None:
            return None
        return self.limiter.remaining(ROUTE, self.webhook_id)

    def describe_target(self, channel: str) -> str:
        return f"the channel of webhook {self.webhook_id}"

    def close(self) -> None:
        self.http.close()
