"""gunicorn settings for a database-backed API on a small machine; override with GUNICORN_* env vars."""

import gc
import multiprocessing
import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Rate limits counted in memory (the embedded default) are one process's counts: a second worker would
# keep counts of its own, multiplying every limit. So one worker serves, with more threads; with a shared
# store (redis://), requests spend much of their time waiting on the database: two workers per core.
COUNTS_IN_MEMORY = os.environ.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")
workers = int(os.environ.get("GUNICORN_WORKERS", 1 if COUNTS_IN_MEMORY else multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 8 if COUNTS_IN_MEMORY else 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On SIGTERM the listener closes and requests in flight get this long to finish (a deploy's grace period).
graceful_timeout = 20
keepalive = 5
# gunicorn's most: a request line past it (a long id or query) is answered by gunicorn's own HTML 400,
# within it by the API's problem answers.
limit_request_line = 8190
# The app is created in each worker after fork (no preload), so no database connection is ever shared
# between processes.
preload_app = False
# Workers are recycled to bound slow leaks. A worker's start costs about 1.7 s of CPU (the app, its
# schemas, the OpenAPI document): at the thousands of requests per second of a busy instance, 10,000 per
# worker meant a restart every few seconds (about a seventh of a 2-core machine's CPU in the benchmark);
# 100,000 is about one a minute at that rate, and a few a day on a quiet instance.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
accesslog = None
errorlog = "-"

# Prometheus multiprocess mode: each worker writes its samples to a directory that /metrics sums up.
# A fresh directory per server start, so counts of an earlier run never leak into this one.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="directory-metrics-")


# Imported once here, in the master, after the directory is set: imported inside child_exit (which runs
# from the SIGCHLD handler) a second worker exiting mid-import re-entered the half-loaded module, and
# the ImportError could stop the master.
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics  # noqa: E402


def child_exit(server, worker):
    GunicornInternalPrometheusMetrics.mark_process_dead_on_child_exit(worker.pid)


def on_starting(server):
    """Warn of limits counted per worker; load the Finnish lexicon of the search once, before the workers fork.

    The workers then share its memory (about 250 MB, written once) and no request waits for it.
    """
    from api.search.analysis import load_lexicon

    if COUNTS_IN_MEMORY and server.cfg.workers > 1:
        server.log.warning(
            "%d workers count rate limits in memory each, so every limit is %d times what it says; "
            "set RATELIMIT_STORAGE_URI=redis://… or serve with one worker",
            server.cfg.workers,
            server.cfg.workers,
        )
    load_lexicon()
    gc.freeze()  # the workers inherit it as shared, never-collected memory


def post_worker_init(worker):
    """Take what the app loaded out of the cyclic garbage collector's reach.

    Otherwise a body of many small JSON containers (a megabyte of `[]`) set off full collections over
    the whole heap, and cost a worker a second instead of a tenth.
    """
    gc.freeze()
