"""Docker Engine API clients for a configured host: unix://, tcp:// (TLS) and ssh://."""

from __future__ import annotations

import os
from typing import Any

import docker
import requests
from docker.tls import TLSConfig

from sentinel.config import HostConfig


class EngineClient(docker.APIClient):
    """docker's client, with the environment read once and a host's own CA always winning.

    requests re-reads the proxy and CA variables of the environment on every request (a
    scan of os.environ that was 5-10 % of a steady fleet's CPU); a process's environment does
    not change, so they are resolved here once, at construction, with the same rules.
    And requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on many machines, corporate
    ones especially) replace the session's CA file, so a configured `tls_ca` was silently
    ignored and the engine's certificate checked against the wrong authorities: here the
    environment's bundle applies only when the host names no CA of its own.
    """

    def __init__(self, *, version: str = "auto", **kwargs: Any) -> None:
        # The engine's version is asked for only once the environment is settled (docker
        # asks from its constructor), so that first call follows the same rules.
        super().__init__(version=docker.constants.MINIMUM_DOCKER_API_VERSION, **kwargs)
        if self.base_url.startswith(("https://", "http://")):
            self.proxies = requests.utils.get_environ_proxies(self.base_url)
            env_ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if getattr(self, "verify", None) is True and env_ca:
                self.verify = env_ca
        self.trust_env = False  # unix:// and ssh:// never go through a proxy
        self._version = self._retrieve_server_version() if version == "auto" else version


def api_client(host: HostConfig, *, timeout_s: float | None) -> docker.APIClient:
    """`timeout_s=None` for long-lived streams (events), the host's timeout otherwise.

    `version="auto"` asks the engine once, so old and new engines both work. ssh:// goes
    through the system's ssh client, so ~/.ssh/config, agents and known_hosts apply.
    """
    tls: TLSConfig | bool = False
    if host.tls_ca or host.tls_cert:
        tls = TLSConfig(
            client_cert=(str(host.tls_cert), str(host.tls_key)) if host.tls_cert else None,
            ca_cert=str(host.tls_ca) if host.tls_ca else None,
            verify=str(host.tls_ca) if host.tls_verify and host.tls_ca else host.tls_verify,
        )
    return EngineClient(base_url=host.url, version="auto", timeout=timeout_s, tls=tls,
                        use_ssh_client=host.url.startswith("ssh://"))
