"""An emulator of Discord's REST API (v10) and webhooks, behaving as Discord documents:

- bot auth (`Authorization: Bot <token>`; 401 otherwise), guild channels listed and created
  (403 Missing Permissions when the bot may not create them);
- per-route rate limit buckets keyed by their top-level resource (channel, guild, webhook),
  announced on every answer with X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket;
  a request into an empty bucket gets 429 with `retry_after`, `global` and Retry-After;
- a global limit (requests per second over all routes) answered with `global: true`;
- message bodies checked against the embed and message limits (400, code 50035);
- `nonce` + `enforce_nonce: true` returns the message already created with that nonce;
  a nonce without `enforce_nonce` does not deduplicate (as on Discord);
- webhooks: `?wait=true` answers the message, without it 204; an unknown webhook is 404;
- every invalid request (401, 403, 429) counted, as Discord counts them towards its ban.

https://discord.com/developers/docs/topics/rate-limits,
https://discord.com/developers/docs/resources/message#create-message,
https://discord.com/developers/docs/resources/webhook#execute-webhook
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.emulators.chat_store import ChatStore, JsonHandler, Message
from tests.emulators.discord_rules import embed_problems, error_body

API = "/api/v10"


@dataclass
class Limit:
    requests: int
    window_s: float


@dataclass
class Bucket:
    limit: Limit
    used: int = 0
    reset_at: float = 0.0


@dataclass
class DiscordRules:
    messages: Limit = field(default_factory=lambda: Limit(5, 5.0))  # per channel
    guild_channels: Limit = field(default_factory=lambda: Limit(10, 10.0))  # per guild
    webhook: Limit = field(default_factory=lambda: Limit(5, 2.0))  # per webhook
    global_per_s: int = 50
    can_create_channels: bool = True


class DiscordEmulator:
    def __init__(self, token: str = "bot-token", guild_id: str = "424242",
                 rules: DiscordRules | None = None) -> None:
        self.token = token
        self.guild_id = guild_id
        self.rules = rules or DiscordRules()
        self.store = ChatStore()
        self.webhooks: dict[str, tuple[str, str]] = {}  # id -> (token, channel id)
        self.buckets: dict[tuple[str, str], Bucket] = {}
        self.recent: deque[float] = deque()  # request times, for the global limit
        self.status_counts: dict[int, int] = {}
        self.lock = threading.RLock()
        emulator = self

        class Handler(JsonHandler):
            def _route(self, method: str) -> None:
                path = urlsplit(self.path).path
                # Read the body first, whatever the answer: left unread, it would be taken
                # for the next request on this keep-alive connection.
                try:
                    self.body = self.read_json()
                except ValueError:
                    self.answer(400, {"message": "The request body contains invalid JSON.",
                                      "code": 50109})
                    return
                status = emulator._handle(self, method, path)
                with emulator.lock:
                    emulator.status_counts[status] = emulator.status_counts.get(status, 0) + 1

            def do_GET(self) -> None:  # noqa: N802
                self._route("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._route("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_base = self.url + API
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # -- the rules -------------------------------------------------------------------------

    def _global_wait(self) -> float:
        """0.0: the request counts against the global limit and may go; else seconds until a
        slot of the last second frees (what Discord answers as `retry_after`)."""
        with self.lock:
            now = time.time()
            while self.recent and self.recent[0] <= now - 1.0:
                self.recent.popleft()
            if len(self.recent) >= self.rules.global_per_s:
                return self.recent[0] + 1.0 - now
            self.recent.append(now)
            return 0.0

    def _take(self, route: str, major: str, limit: Limit) -> tuple[bool, dict[str, str]]:
        """Take one request from a bucket: (allowed, the headers Discord would send)."""
        with self.lock:
            now = time.time()
            bucket = self.buckets.setdefault((route, major), Bucket(limit))
            if now >= bucket.reset_at:
                bucket.used, bucket.reset_at = 0, now + limit.window_s
            allowed = bucket.used < limit.requests
            if allowed:
                bucket.used += 1
            headers = {
                "X-RateLimit-Limit": str(limit.requests),
                "X-RateLimit-Remaining": str(limit.requests - bucket.used),
                "X-RateLimit-Reset": f"{bucket.reset_at:.3f}",
                "X-RateLimit-Reset-After": f"{max(0.0, bucket.reset_at - now):.3f}",
                "X-RateLimit-Bucket": hashlib.md5(route.encode()).hexdigest()[:16],  # noqa: S324
            }
            return allowed, headers

    def _handle(self, h: JsonHandler, method: str, path: str) -> int:
        retry = self._global_wait()
        if retry > 0:
            h.answer(429, {"message": "You are being rate limited.", "retry_after": round(retry, 3),
                           "global": True},
                     {"Retry-After": str(int(retry + 0.999)), "X-RateLimit-Global": "true",
                      "X-RateLimit-Scope": "global"})
            return 429
        webhook = re.fullmatch(r"/api(?:/v10)?/webhooks/(\d+)/([^/]+)", path)
        if webhook:
            return self._execute_webhook(h, webhook.group(1), webhook.group(2))
        if h.headers.get("Authorization") != f"Bot {self.token}":
            h.answer(401, {"message": "401: Unauthorized", "code": 0})
            return 401
        channels = re.fullmatch(rf"{API}/guilds/(\d+)/channels", path)
        if channels:
            return self._guild_channels(h, method, channels.group(1))
        messages = re.fullmatch(rf"{API}/channels/(\d+)/messages", path)
        if messages and method == "POST":
            return self._create_message(h, messages.group(1))
        h.answer(404, {"message": "404: Not Found", "code": 0})
        return 404

    def _limited(self, h: JsonHandler, headers: dict[str, str]) -> int:
        retry = float(headers["X-RateLimit-Reset-After"])
        h.answer(429, {"message": "You are being rate limited.", "retry_after": retry,
                       "global": False},
                 {**headers, "Retry-After": str(int(retry + 0.999)), "X-RateLimit-Scope": "user"})
        return 429

    def _guild_channels(self, h: JsonHandler, method: str, guild_id: str) -> int:
        allowed, headers = self._take(f"{method} /guilds/{{id}}/channels", guild_id,
                                      self.rules.guild_channels)
        if not allowed:
            return self._limited(h, headers)
        if guild_id != self.guild_id:
            h.answer(404, {"message": "Unknown Guild", "code": 10004}, headers)
            return 404
        if method == "GET":
            with self.store.lock:
                listed = [{"id": i, "name": n, "type": 0, "guild_id": guild_id}
                          for n, i in self.store.channels.items()]
            h.answer(200, listed, headers)
            return 200
        body = h.body
        if not self.rules.can_create_channels:
            h.answer(403, {"message": "Missing Permissions", "code": 50013}, headers)
            return 403
        name = str(body.get("name", ""))
        h.answer(201, {"id": self.store.ensure(name), "name": name, "type": 0,
                       "guild_id": guild_id}, headers)
        return 201

    def _create_message(self, h: JsonHandler, channel_id: str) -> int:
        allowed, headers = self._take("POST /channels/{id}/messages", channel_id,
                                      self.rules.messages)
        body = h.body
        nonce = body.get("nonce")
        if not allowed:
            self.store.record(h.path, nonce, "429")
            return self._limited(h, headers)
        fault = self.store.next_fault()
        if fault is not None and fault[0] == "status":
            self.store.record(h.path, nonce, f"status:{fault[1]}")
            h.answer(int(fault[1]), {"message": "scripted", "code": 0}, headers)
            return int(fault[1])
        if self.store.channel_name(channel_id) is None:
            self.store.record(h.path, nonce, "404")
            h.answer(404, {"message": "Unknown Channel", "code": 10003}, headers)
            return 404
        problems = embed_problems(body)
        if problems:
            self.store.record(h.path, nonce, "400")
            h.answer(400, error_body(problems), headers)
            return 400
        message, outcome = self.store.post(channel_id, body,
                                           dedupe_nonce=bool(body.get("enforce_nonce")))
        if fault is not None and fault[0] == "drop_after_accept":
            self.store.record(h.path, nonce, f"{outcome}+dropped")
            h.drop()
            return 200
        self.store.record(h.path, nonce, outcome)
        h.answer(200, _message_object(message), headers)
        return 200

    def _execute_webhook(self, h: JsonHandler, webhook_id: str, token: str) -> int:
        allowed, headers = self._take("POST /webhooks/{id}/{token}", webhook_id,
                                      self.rules.webhook)
        body = h.body
        if not allowed:
            self.store.record(h.path, None, "429")
            return self._limited(h, headers)
        known = self.webhooks.get(webhook_id)
        if known is None or known[0] != token:
            self.store.record(h.path, None, "404")
            h.answer(404, {"message": "Unknown Webhook", "code": 10015}, headers)
            return 404
        if "nonce" in body:
            problems = ["nonce: webhooks do not take a nonce"]
        else:
            problems = embed_problems(body)
        if problems:
            self.store.record(h.path, None, "400")
            h.answer(400, error_body(problems), headers)
            return 400
        fault = self.store.next_fault()
        message, outcome = self.store.post(known[1], body, dedupe_nonce=False)
        if fault is not None and fault[0] == "drop_after_accept":
            self.store.record(h.path, None, f"{outcome}+dropped")
            h.drop()
            return 200
        self.store.record(h.path, None, outcome)
        wait = parse_qs(urlsplit(h.path).query).get("wait", ["false"])[0] == "true"
        if wait:
            h.answer(200, _message_object(message), headers)
            return 200
        h.answer(204, None, headers)
        return 204

    # -- for tests -------------------------------------------------------------------------

    def create_webhook(self, channel: str = "sentinel-alerts") -> str:
        webhook_id, token = self.store.new_id(), hashlib.sha1(
            self.store.new_id().encode()).hexdigest()  # noqa: S324
        self.webhooks[webhook_id] = (token, self.store.ensure(channel))
        return f"{self.url}/api/webhooks/{webhook_id}/{token}"

    def delete_webhook(self, url: str) -> None:
        self.webhooks.pop(url.rstrip("/").split("/")[-2], None)

    def delete_channel(self, name: str) -> None:
        with self.store.lock:
            self.store.channels.pop(name, None)

    def count(self, status: int) -> int:
        with self.lock:
            return self.status_counts.get(status, 0)

    @property
    def invalid_requests(self) -> int:
        """What Discord counts towards its ban: 401, 403 and 429 answers."""
        return self.count(401) + self.count(403) + self.count(429)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _message_object(message: Message) -> dict[str, Any]:
    return {"id": message.id, "channel_id": message.channel_id, "nonce":
            message.payload.get("nonce"), "embeds": message.payload.get("embeds", []),
            "content": message.payload.get("content") or ""}
