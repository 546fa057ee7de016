"""Start-up shared by every process (the CLI and `celery -A workers.app`)."""

from __future__ import annotations

import sys

from sentinel.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2  # CONTRACT.md: invalid configuration exits 2 with one line


def load_settings_or_exit() -> Settings:
    """The settings, or one line naming the setting and the problem, and exit status 2."""
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"sentinel: invalid configuration: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
