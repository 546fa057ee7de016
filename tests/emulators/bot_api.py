"""An emulator of the Discord bot HTTP API of CONTRACT.md, for tests and benchmarks.

It behaves as the bot does in front of Discord: channels ensured by name, messages validated
against Discord's limits (400 with Discord's error body), nonces honoured (a repeated nonce in
a channel returns the first message instead of posting again), and scriptable faults: a status
code, a 429 with `retry_after`, or accepting a message and then dropping the connection.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.emulators.discord_rules import embed_problems, error_body


@dataclass
class Attempt:
    path: str
    nonce: str | None
    at: float  # time.time()
    outcome: str  # "posted", "duplicate", or the fault/status answered


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
class BotApiState:
    token: str | None
    channels: dict[str, str] = field(default_factory=dict)  # name -> id
    messages: list[Message] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    faults: list[tuple[str, Any]] = field(default_factory=list)  # for the next sends, in order
    ensure_calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1_000_000_000_000))


class BotApiEmulator:
    def __init__(self, token: str | None = "test-token", port: int = 0) -> None:
        self.state = BotApiState(token=token)
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:  # quiet
                pass

            def _answer(self, status: int, body: dict[str, Any],
                        headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._answer(400, {"code": 50109, "message": "The request body contains "
                                                                  "invalid JSON."})
                    return
                if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                    self._answer(401, {"code": 0, "message": "401: Unauthorized"})
                    return
                if self.path == "/channels/ensure":
                    self._answer(200, emulator._ensure(str(body.get("name", ""))))
                elif self.path.startswith("/send/"):
                    self._send(self.path.removeprefix("/send/"), body)
                elif self.path == "/notify":
                    channel = emulator._ensure(str(body.get("channel", "")))
                    self._send(channel["id"], body)
                else:
                    self._answer(404, {"code": 0, "message": "404: Not Found"})

            def _send(self, channel_id: str, body: dict[str, Any]) -> None:
                nonce = body.get("nonce")
                with state.lock:
                    fault = state.faults.pop(0) if state.faults else None
                    if fault is not None and fault[0] != "drop_after_accept":
                        state.attempts.append(Attempt(self.path, nonce, time.time(),
                                                      f"{fault[0]}:{fault[1]}"))
                if fault is not None and fault[0] == "status":
                    self._answer(int(fault[1]), {"code": 0, "message": f"{fault[1]}: scripted"})
                    return
                if fault is not None and fault[0] == "429":
                    retry_after = float(fault[1])
                    self._answer(429, {"message": "You are being rate limited.",
                                       "retry_after": retry_after, "global": False},
                                 {"Retry-After": str(int(retry_after + 0.999))})
                    return
                problems = embed_problems(body)
                if problems:
                    with state.lock:
                        state.attempts.append(Attempt(self.path, nonce, time.time(), "400"))
                    self._answer(400, error_body(problems))
                    return
                with state.lock:
                    names = {v: k for k, v in state.channels.items()}
                    if channel_id not in names:
                        state.attempts.append(Attempt(self.path, nonce, time.time(), "404"))
                        missing = True
                    else:
                        missing = False
                        existing = next((m for m in state.messages if nonce is not None
                                         and m.payload.get("nonce") == nonce
                                         and m.channel_id == channel_id), None)
                        if existing is None:
                            message = Message(str(next(state.ids)), channel_id,
                                              names[channel_id], body, time.time())
                            state.messages.append(message)
                            outcome = "posted"
                        else:
                            message, outcome = existing, "duplicate"
                        state.attempts.append(Attempt(self.path, nonce, time.time(),
                                                      outcome if fault is None
                                                      else f"{outcome}+dropped"))
                if missing:
                    self._answer(404, {"code": 10003, "message": "Unknown Channel"})
                    return
                if fault is not None:  # drop_after_accept: accepted, but the answer is lost
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._answer(200, {"id": message.id})

        emulator = self
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _ensure(self, name: str) -> dict[str, str]:
        with self.state.lock:
            self.state.ensure_calls += 1
            if name not in self.state.channels:
                self.state.channels[name] = str(next(self.state.ids))
            return {"id": self.state.channels[name], "name": name}

    # -- for tests -------------------------------------------------------------------------

    def script(self, *faults: tuple[str, Any]) -> None:
        """Faults for the next sends: ("status", 500), ("429", 1.5), ("drop_after_accept", None)."""
        with self.state.lock:
            self.state.faults.extend(faults)

    def delete_channel(self, name: str) -> None:
        with self.state.lock:
            self.state.channels.pop(name, None)

    def messages(self, title_prefix: str = "") -> list[Message]:
        with self.state.lock:
            return [m for m in self.state.messages
                    if any(t.startswith(title_prefix) for t in m.titles)]

    def embeds(self, title_prefix: str = "") -> list[tuple[Message, dict[str, Any]]]:
        with self.state.lock:
            return [(m, e) for m in self.state.messages for e in m.payload.get("embeds", [])
                    if e.get("title", "").startswith(title_prefix)]

    def attempts(self) -> list[Attempt]:
        with self.state.lock:
            return list(self.state.attempts)

    def reset(self) -> None:
        with self.state.lock:
            self.state.messages.clear()
            self.state.attempts.clear()
            self.state.faults.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    """Run the emulator by hand: `python -m tests.emulators.bot_api --port 8088`; every
    message it accepts is printed, so it can stand in for the bot in a demo."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--token", default=None, help="require this bearer token")
    args = parser.parse_args()
    emulator = BotApiEmulator(token=args.token, port=args.port)
    print(f"bot API emulator on {emulator.url}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            for message in emulator.state.messages[seen:]:
                print(json.dumps({"channel": message.channel, "titles": message.titles,
                                  "nonce": message.payload.get("nonce")}), flush=True)
            seen = len(emulator.state.messages)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
