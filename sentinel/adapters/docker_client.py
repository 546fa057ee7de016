"""Docker Engine API clients for a configured host: unix://, tcp:// (TLS) and ssh://."""

from __future__ import annotations

from typing import Any

import docker
from docker.tls import TLSConfig

from sentinel.config import HostConfig


class EngineClient(docker.APIClient):
    """docker's client, except that a host's own CA always wins.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on many machines, corporate ones
    especially) replace the session's CA file, so a configured `tls_ca` was silently ignored
    and the engine's certificate checked against the wrong authorities.
    """

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> dict[str, Any]:
        settings: dict[str, Any] = super().merge_environment_settings(url, proxies, stream,
                                                                      verify, cert)
        if isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


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
