"""Work done outside the request: on RQ workers when REDIS_URL is set, inline otherwise.

``enqueue(fn, *args)`` is the only way in, so both set-ups run the same code: with Redis the
job goes to the queue and `flask --app devreg worker` runs it; without Redis it runs at once,
in the caller's app context. A job function is a module-level function taking plain,
JSON-like arguments (ids, not rows); it is an edge, like a command: it commits its own work.
Call enqueue after the caller's commit, so that the job sees what the request wrote."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from devreg.extensions import db

EXTENSION = "devreg_redis"


def redis_connection() -> Any:
    """The app's Redis client, or None without REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    connection = current_app.extensions.get(EXTENSION)
    if connection is None:
        import redis

        connection = redis.Redis.from_url(url, socket_connect_timeout=5)
        current_app.extensions[EXTENSION] = connection
    return connection


def queue() -> Any:
    from rq import Queue

    return Queue(current_app.config["JOBS_QUEUE"], connection=redis_connection())


def _dotted(fn: Callable[..., Any]) -> str:
    name = f"{fn.__module__}:{fn.__qualname__}"
    if "<" in fn.__qualname__ or "." in fn.__qualname__:
        raise ValueError(f"a job must be a module-level function, not {name}")
    return name


def enqueue(fn: Callable[..., Any], *args: Any) -> str | None:
    """Run ``fn(*args)`` as a job; returns the RQ job id, or None when it ran inline."""
    dotted = _dotted(fn)
    if redis_connection() is None:
        fn(*args)
        return None
    job = queue().enqueue(run_job, dotted, *args, result_ttl=3600, failure_ttl=7 * 86400)
    return str(job.id)


def run_job(dotted: str, *args: Any) -> Any:
    """What a worker executes: the job function, in the worker's app context; each job starts
    on a fresh database session and leaves nothing uncommitted behind."""
    module, _, name = dotted.partition(":")
    fn = getattr(importlib.import_module(module), name)
    try:
        return fn(*args)
    finally:
        db.session.rollback()
        db.session.remove()


def run_worker(app: Flask, *, burst: bool = False) -> bool:
    """Serve the queue until stopped (or, with ``burst``, until it is empty). One job at a
    time per worker process, in this process (no fork): run several workers for more."""
    from rq import SimpleWorker

    worker = SimpleWorker([queue()], connection=redis_connection())
    return bool(worker.work(burst=burst, with_scheduler=False, logging_level="INFO"))
