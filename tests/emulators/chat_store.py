"""What every chat emulator shares: channels, posted messages, every attempt, scripted faults,
nonce handling, and a JSON request handler base."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any


@dataclass
class Attempt:
    path: str
    nonce: str | None
    at: float  # time.time()
    outcome: str  # "posted", "duplicate", "429", "400", "status:500", "posted+dropped", ...


@dataclass
class Message:
    id: str
    channel_id: str
    channel: str
    payload: dict[str, Any]
    at: float

    @property
    def titles(self) -> list[str]:
        return [e.get("title", "") for e in self.payload.get("embeds", [])]


@dataclass
class ChatStore:
    channels: dict[str, str] = field(default_factory=dict)  # name -> id
    messages: list[Message] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    faults: list[tuple[str, Any]] = field(default_factory=list)  # for the next sends, in order
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1_000_000_000_000))

    def new_id(self) -> str:
        return str(next(self.ids))

    def ensure(self, name: str) -> str:
        with self.lock:
            if name not in self.channels:
                self.channels[name] = self.new_id()
            return self.channels[name]

    def channel_name(self, channel_id: str) -> str | None:
        with self.lock:
            return next((n for n, i in self.channels.items() if i == channel_id), None)

    def next_fault(self) -> tuple[str, Any] | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def record(self, path: str, nonce: str | None, outcome: str) -> None:
        with self.lock:
            self.attempts.append(Attempt(path, nonce, time.time(), outcome))

    def post(self, channel_id: str, body: dict[str, Any], *, dedupe_nonce: bool
             ) -> tuple[Message, str]:
        """Post, or with `dedupe_nonce` return the message already posted with that nonce
        (Discord: `enforce_nonce`)."""
        nonce = body.get("nonce")
        with self.lock:
            if dedupe_nonce and nonce is not None:
                for message in self.messages:
                    if message.channel_id == channel_id and message.payload.get("nonce") == nonce:
                        return message, "duplicate"
            message = Message(self.new_id(), channel_id, self.channel_name(channel_id) or "?",
                              body, time.time())
            self.messages.append(message)
            return message, "posted"

    # -- for tests -------------------------------------------------------------------------

    def embeds(self, title_prefix: str = "") -> list[tuple[Message, dict[str, Any]]]:
        with self.lock:
            return [(m, e) for m in self.messages for e in m.payload.get("embeds", [])
                    if e.get("title", "").startswith(title_prefix)]

    def titled(self, title_prefix: str = "") -> list[Message]:
        with self.lock:
            return [m for m in self.messages
                    if any(t.startswith(title_prefix) for t in m.titles)]


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body: Any = None

    def log_message(self, *_: Any) -> None:  # quiet
        pass

    def read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self) -> None:
        """Accepted, but the answer is lost: the connection closes without a response."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
