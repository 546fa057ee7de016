"""An emulator of the Discord bot HTTP API of CONTRACT.md, for tests and benchmarks.

It behaves as the bot does in front of Discord: channels ensured by name, messages validated
against Discord's limits (400 with Discord's error body), nonces honoured (a repeated nonce in
a channel returns the first message instead of posting again), and scriptable faults: a status
code, a 429 with `retry_after`, or accepting a message and then dropping the connection.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from tests.emulators.chat_store import Attempt, ChatStore, JsonHandler, Message
from tests.emulators.discord_rules import embed_problems, error_body


class BotApiEmulator:
    def __init__(self, token: str | None = "test-token", port: int = 0) -> None:
        self.token = token
        self.store = store = ChatStore()
        emulator = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                try:
                    body = self.read_json()
                except ValueError:
                    self.answer(400, {"code": 50109, "message": "The request body contains "
                                                                 "invalid JSON."})
                    return
                if emulator.token and \
                        self.headers.get("Authorization") != f"Bearer {emulator.token}":
                    self.answer(401, {"code": 0, "message": "401: Unauthorized"})
                    return
                if self.path == "/channels/ensure":
                    name = str(body.get("name", ""))
                    self.answer(200, {"id": store.ensure(name), "name": name})
                elif self.path.startswith("/send/"):
                    self._send(self.path.removeprefix("/send/"), body)
                elif self.path == "/notify":
                    self._send(store.ensure(str(body.get("channel", ""))), body)
                else:
                    self.answer(404, {"code": 0, "message": "404: Not Found"})

            def _send(self, channel_id: str, body: dict[str, Any]) -> None:
                nonce = body.get("nonce")
                fault = store.next_fault()
                if fault is not None and fault[0] == "status":
                    store.record(self.path, nonce, f"status:{fault[1]}")
                    self.answer(int(fault[1]), {"code": 0, "message": f"{fault[1]}: scripted"})
                    return
                if fault is not None and fault[0] == "429":
                    store.record(self.path, nonce, f"429:{fault[1]}")
                    self.answer(429, {"message": "You are being rate limited.",
                                      "retry_after": float(fault[1]), "global": False},
                                {"Retry-After": str(int(float(fault[1]) + 0.999))})
                    return
                problems = embed_problems(body)
                if problems:
                    store.record(self.path, nonce, "400")
                    self.answer(400, error_body(problems))
                    return
                if store.channel_name(channel_id) is None:
                    store.record(self.path, nonce, "404")
                    self.answer(404, {"code": 10003, "message": "Unknown Channel"})
                    return
                message, outcome = store.post(channel_id, body, dedupe_nonce=True)
                if fault is not None and fault[0] == "drop_after_accept":
                    store.record(self.path, nonce, f"{outcome}+dropped")
                    self.drop()
                    return
                store.record(self.path, nonce, outcome)
                self.answer(200, {"id": message.id})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # -- for tests -------------------------------------------------------------------------

    def script(self, *faults: tuple[str, Any]) -> None:
        """Faults for the next sends: ("status", 500), ("429", 1.5), ("drop_after_accept", None)."""
        with self.store.lock:
            self.store.faults.extend(faults)

    def delete_channel(self, name: str) -> None:
        with self.store.lock:
            self.store.channels.pop(name, None)

    def messages(self, title_prefix: str = "") -> list[Message]:
        return self.store.titled(title_prefix)

    def embeds(self, title_prefix: str = "") -> list[tuple[Message, dict[str, Any]]]:
        return self.store.embeds(title_prefix)

    def attempts(self) -> list[Attempt]:
        with self.store.lock:
            return list(self.store.attempts)

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
            for message in emulator.store.messages[seen:]:
                print(json.dumps({"channel": message.channel, "titles": message.titles,
                                  "nonce": message.payload.get("nonce")}), flush=True)
            seen = len(emulator.store.messages)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
