"""Pure decisions and value types: no Celery, Redis, Docker or HTTP imports here."""
