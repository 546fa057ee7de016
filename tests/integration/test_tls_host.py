"""A remote host over tcp:// with TLS (verify on): a real dockerd on 127.0.0.2 with --tlsverify."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import start_node
from tests.integration.test_cli import run
from tests.support.services import DockerDaemon, free_port, wait_until
from tests.support.tls import TlsFiles, make_tls_files

IP = "127.0.0.2"


@pytest.fixture(scope="module")
def tls_host() -> Iterator[tuple[DockerDaemon, str, TlsFiles]]:
    files = make_tls_files(Path(tempfile.mkdtemp(prefix="sentinel-tls-")), IP)
    port = free_port()
    daemon = DockerDaemon("tls", extra_args=(
        "-H", f"tcp://{IP}:{port}", "--tlsverify", f"--tlscacert={files.ca}",
        f"--tlscert={files.server_cert}", f"--tlskey={files.server_key}"))
    yield daemon, f"tcp://{IP}:{port}", files
    daemon.stop()


def toml(path: Path, url: str, files: TlsFiles, ca: Path | None = None) -> Path:
    path.write_text(f'[hosts.edge]\nurl = "{url}"\ntimeout_s = 3\n'
                    f'tls_ca = "{ca or files.ca}"\ntls_cert = "{files.client_cert}"\n'
                    f'tls_key = "{files.client_key}"\n')
    return path


def test_a_tls_host_is_inspected_and_its_deaths_alerted(tls_host, sentinel, bot_api, redis_url,
                                                         tmp_path):
    daemon, url, files = tls_host
    daemon.remove_all_containers()
    edge = daemon.run("edge-api")
    env = {**sentinel.env, "SENTINEL_CONFIG": str(toml(tmp_path / "s.toml", url, files)),
           # Found here: requests let this replace the host's own CA, and TLS hosts failed.
           "REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}
    del env["SENTINEL_HOSTS"]
    checked = run(env, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "edge-api" in checked.stdout

    sentinel.env.clear()
    sentinel.env.update(env)
    start_node(sentinel, redis_url, "edge")
    DockerDaemon.crash(edge)
    wait_until(lambda: bot_api.embeds("[DEAD] edge-api"), 15, what="the DEAD embed over TLS")
    assert url in [f["value"] for _, e in bot_api.embeds("[DEAD] edge-api")
                   for f in e["fields"] if f["name"] == "Recover with"][0]


def test_a_tls_host_whose_certificate_does_not_verify_is_unreachable(tls_host, sentinel_env,
                                                                     tmp_path):
    daemon, url, files = tls_host
    env = {**sentinel_env, "SENTINEL_CONFIG": str(toml(tmp_path / "s.toml", url, files,
                                                       ca=files.other_ca))}
    del env["SENTINEL_HOSTS"]
    checked = run(env, "check")
    assert checked.returncode == 1
    assert "unreachable" in checked.stdout and "SSL" in checked.stdout, checked.stdout


def test_tls_settings_are_checked_at_start_up(tls_host, sentinel_env, tmp_path):
    _, url, files = tls_host
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[hosts.edge]\nurl = "{url}"\ntls_cert = "{files.client_cert}"\n')
    env = {**sentinel_env, "SENTINEL_CONFIG": str(bad)}
    del env["SENTINEL_HOSTS"]
    result = run(env, "config")
    assert result.returncode == 2
    assert "tls_cert and tls_key go together" in result.stderr
