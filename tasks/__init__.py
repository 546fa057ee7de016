"""Thin Celery tasks: unpack the arguments, call the library, hand on, retry.

Tasks are declared with `shared_task` so that they do not import the app (workers -> tasks).
"""
