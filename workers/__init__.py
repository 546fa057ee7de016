"""How Sentinel's processes start: the Celery app, the CLI, and the single-node supervisor."""
