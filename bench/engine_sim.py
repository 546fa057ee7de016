"""A Docker Engine API simulator: many hosts, one loopback port each, the endpoints Sentinel
uses (`/version`, `/_ping`, `/containers/json`, `/containers/{id}/json`, `/events`).

Hand-written (asyncio, no framework) so that one process serves a thousand hosts cheaply and
its own cost stays out of Sentinel's measurement. Every host has the same `containers` running
containers, so a cycle's work is known exactly.

    python -m bench.engine_sim --hosts 1000 --containers 50 --base-port 21000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource

API_VERSION = "1.41"


def _listing(containers: int) -> bytes:
    return json.dumps([{
        "Id": f"{i:064x}", "Names": [f"/svc-{i:02d}"], "Image": "sim/app:1",
        "ImageID": "sha256:" + "0" * 64, "Command": "app", "Created": 1795500000,
        "Ports": [], "Labels": {"com.example.tier": "web"}, "State": "running",
        "Status": "Up 3 hours", "HostConfig": {"NetworkMode": "none"},
        "NetworkSettings": {"Networks": {}}, "Mounts": [],
    } for i in range(containers)]).encode()


def _inspect(container_id: str) -> bytes:
    index = int(container_id, 16) if container_id else 0
    return json.dumps({
        "Id": container_id, "Name": f"/svc-{index:02d}", "RestartCount": 0,
        "Config": {"Image": "sim/app:1", "Labels": {"com.example.tier": "web"}},
        "State": {"Status": "running", "Running": True, "Paused": False, "Restarting": False,
                  "OOMKilled": False, "Dead": False, "Pid": 100 + index, "ExitCode": 0,
                  "Error": "", "StartedAt": "2026-11-24T15:00:00.000000000Z",
                  "FinishedAt": "0001-01-01T00:00:00Z"},
    }).encode()


VERSION = json.dumps({"ApiVersion": API_VERSION, "MinAPIVersion": "1.12",
                      "Version": "20.10.24-sim"}).encode()


class Simulator:
    def __init__(self, containers: int) -> None:
        self.listing = _listing(containers)
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                parts = line.decode("latin-1").split(" ")
                target = parts[1] if len(parts) > 1 else "/"
                while await reader.readline() not in (b"\r\n", b"\n", b""):
                    pass
                self.requests += 1
                path = target.split("?", 1)[0]
                if path.startswith("/v1."):
                    path = "/" + path.split("/", 2)[2]
                if path == "/events":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n")
                    await writer.drain()
                    await reader.read()  # a quiet fleet: nothing happens until the client goes
                    return
                if path == "/_ping":
                    body, kind = b"OK", b"text/plain"
                elif path == "/version":
                    body, kind = VERSION, b"application/json"
                elif path == "/containers/json":
                    body, kind = self.listing, b"application/json"
                elif path.startswith("/containers/") and path.endswith("/json"):
                    body, kind = _inspect(path.split("/")[2]), b"application/json"
                else:
                    body, kind = b'{"message":"page not found"}', b"application/json"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + kind +
                             b"\r\nApi-Version: " + API_VERSION.encode() +
                             b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


async def serve(hosts: int, containers: int, base_port: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    simulator = Simulator(containers)
    servers = [await asyncio.start_server(simulator.handle, "127.0.0.1", base_port + i,
                                          backlog=64) for i in range(hosts)]
    print(f"simulating {hosts} hosts x {containers} containers on 127.0.0.1:"
          f"{base_port}-{base_port + hosts - 1}", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--containers", type=int, default=50)
    parser.add_argument("--base-port", type=int, default=21000)
    args = parser.parse_args()
    asyncio.run(serve(args.hosts, args.containers, args.base_port))


if __name__ == "__main__":
    main()
