"""The only code that talks to Docker, Redis and Discord."""
