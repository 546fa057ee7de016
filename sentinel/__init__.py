"""Sentinel: a container watchdog for Docker fleets.

`sentinel.core` holds pure decisions and value types; `sentinel.adapters` is the only code
that talks to Docker, Redis and Discord. Dependencies point one way: adapters -> core.
"""
