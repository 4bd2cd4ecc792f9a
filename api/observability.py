"""What operators see: a request id on every answer, one JSON log line per request, Prometheus metrics."""

import functools
import hmac
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics
from pythonjsonlogger.json import JsonFormatter

from api.errors import problem
from api.i18n import _

# A client's own request id is echoed only when it is short and plain, so logs cannot be forged.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("api.access")


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}", style="{", rename_fields={"asctime": "time", "levelname": "level"}
    )


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _CLIENT_REQUEST_ID.match(given) else uuid.uuid4().hex


def _finish(response):
    response.headers["X-Request-Id"] = g.get("request_id") or uuid.uuid4().hex
    principal = g.get("principal")
    access_log.info(
        "request",
        extra={
            "request_id": response.headers["X-Request-Id"],
            "method": request.method,
            "path": request.path,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
            "remote_addr": request.remote_addr,
            "key": getattr(principal, "name", None),
        },
    )
    return response


def metrics_token_required(view):
    """With METRICS_TOKEN set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`.

    Its counts by route and status tell anyone how the service is used and where it fails.
    """

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        token = current_app.config["METRICS_TOKEN"]
        if token:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, f"Bearer {token}".encode()):
                return problem(
                    401,
                    _("The metrics need the METRICS_TOKEN as `Authorization: Bearer <token>`."),
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        return view(*args, **kwargs)

    return guarded


def register_observability(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start)
    app.after_request(_finish)
    # Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR and /metrics
    # adds them up; otherwise (development, tests) each app gets a registry of its own.
    options = {
        "group_by": "url_rule",
        "excluded_paths": ["^/metrics$"],
        "defaults_prefix": "directory",
        "metrics_decorator": metrics_token_required,
    }
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        app.extensions[METRICS] = _MultiprocessMetrics(app, **options)
    else:
        app.extensions[METRICS] = PrometheusMetrics(app, registry=CollectorRegistry(auto_describe=True), **options)


METRICS = "prometheus_metrics"


class _MultiprocessMetrics(GunicornInternalPrometheusMetrics):
    """The gunicorn workers' samples summed, with the app's collectors of shared state (see add_collector)."""

    def __init__(self, app, **kwargs):
        self.collectors: list[Collector] = []
        super().__init__(app, **kwargs)

    def generate_metrics(self, accept_header=None, names=None):
        # The exporter reads PROMETHEUS_MULTIPROC_DIR into a fresh registry per scrape; ours adds the collectors.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        for collector in self.collectors:
            registry.register(collector)
        encode, content_type = choose_encoder(accept_header)
        return encode(registry.restricted_registry(names) if names else registry).decode(), content_type


def add_collector(app: Flask, collector: Collector) -> None:
    """Report a collector at /metrics; it runs at each scrape, inside the request, so it may read the database."""
    metrics = app.extensions[METRICS]
    if isinstance(metrics, _MultiprocessMetrics):
        metrics.collectors.append(collector)
    else:
        metrics.registry.register(collector)
