"""gunicorn settings for a database-backed API on a small machine; override with GUNICORN_* env vars."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Requests spend much of their time waiting on the database: two workers per core, a few threads each.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# The app is created in each worker after fork (no preload), so no database connection is ever shared
# between processes; max_requests recycles workers to bound slow leaks.
preload_app = False
max_requests = 10_000
max_requests_jitter = 1_000
accesslog = None
errorlog = "-"
