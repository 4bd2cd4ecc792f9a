"""What operators see: a request id on every answer, one JSON log line per request, Prometheus metrics."""

import functools
import hmac
import logging
import os
import random
import re
import sys
import time
from collections.abc import Callable

import orjson
from flask import Flask, Response, current_app, got_request_exception, request
from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

from api import process
from api.context import current_g, current_request
from api.errors import problem
from api.i18n import _

# A client's own request id is echoed only when it is short and plain, so logs cannot be forged.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("api.access")
# What every LogRecord has; the rest of a record's attributes are the `extra` fields of the call.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


@functools.lru_cache(maxsize=4)
def _second_text(second: int) -> str:
    return time.strftime(logging.Formatter.default_time_format, logging.Formatter.converter(second))


def _time_text(created: float) -> str:
    """logging's default time (2026-01-31 12:00:00,123), formatted once per second rather than per line."""
    second = int(created)
    return logging.Formatter.default_msec_format % (_second_text(second), (created - second) * 1000)


def _json_line(time_text: str, level: str, name: str, message: str, fields: dict) -> str:
    line = {"time": time_text, "level": level, "name": name, "message": message, **fields}
    return orjson.dumps(line, default=str).decode()


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the call's `extra` fields (orjson)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {name: value for name, value in record.__dict__.items() if name not in _RECORD_ATTRIBUTES}
        if record.exc_info:
            fields["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack_info"] = self.formatStack(record.stack_info)
        return _json_line(self.formatTime(record), record.levelname, record.name, record.getMessage(), fields)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return super().formatTime(record, datefmt) if datefmt else _time_text(record.created)


class JsonLineHandler(logging.StreamHandler):
    """Standard output, one JSON line per record; the access log's lines may come without a record (_log_request)."""

    def write_line(self, line: str) -> None:
        with self.lock:  # as Handler.handle holds it around emit
            try:
                self.stream.write(line + self.terminator)
                self.stream.flush()
            except Exception:
                self.handleError(logging.makeLogRecord({"msg": line}))


def configure_logging(level: str) -> None:
    # The line shows no thread or process: not gathering them spares every record a system call and lookups.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = JsonLineHandler(sys.stdout)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _sole_handler() -> JsonLineHandler | None:
    """The handler configure_logging set up, when the access log's records would reach it alone, unfiltered
    and formatted by JsonLineFormatter; None when anything else would see them (pytest's caplog, another
    handler, a filter)."""
    if access_log.filters:
        return None
    logger, handlers = access_log, []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    if len(handlers) != 1:
        return None
    (handler,) = handlers
    if (type(handler) is not JsonLineHandler or type(handler.formatter) is not JsonLineFormatter or handler.filters
            or handler.level > logging.INFO):
        return None
    return handler


def _log_request(fields: dict) -> None:
    """The request's line, as a record to the access log would give it.

    Through logging, the record's making (the caller's file name, each field checked) and handling cost
    more than the rest of the request's bookkeeping; when only our handler would see the record, the line
    is made and written without it.
    """
    handler = _sole_handler()
    if handler is None:
        # Logger.info would first walk the stack for the caller's file and line, which the line never shows.
        access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, "request", (), None, extra=fields))
    else:
        handler.write_line(_json_line(_time_text(time.time()), "INFO", access_log.name, "request", fields))


# uuid4's version (4) and variant (RFC 4122) bits: cleared, then set, in 128 random bits.
_UUID4_CLEARED = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (4 << 76) | (0x8000 << 48)


def _new_request_id() -> str:
    # Unique, not secret: Python's generator (seeded anew in each forked worker) rather than uuid4's
    # os.urandom, a system call on every request. The bits are set as uuid.UUID(version=4) sets them,
    # without building the UUID object (which cost as much as the rest of the request id's work).
    return f"{random.getrandbits(128) & _UUID4_CLEARED | _UUID4_SET:032x}"


def _start() -> None:
    context = current_g()
    context.started = time.perf_counter()
    # The environ itself rather than request.headers, which would be built for this lookup alone.
    given = current_request().environ.get("HTTP_X_REQUEST_ID", "")
    context.request_id = given if _CLIENT_REQUEST_ID.match(given) else _new_request_id()


class RequestMetrics:
    """The request metrics, counted through their children by label values.

    prometheus_client's `labels` takes a lock and builds its key anew on every call; the children it
    returns stay the same, so each is asked for once and kept (one per method, route and status, as
    prometheus_client keeps them itself).
    """

    def __init__(self, durations: Histogram, totals: Counter):
        self.durations, self.totals = durations, totals
        self._children: dict[tuple, tuple] = {}

    def count(self, method: str, route: str | None, status: int, duration: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            children = self._children[method, route, status] = (
                self.durations.labels(method, str(route), status), self.totals.labels(method, status))
        children[0].observe(duration)
        children[1].inc()


def _finish(response: Response, metrics: RequestMetrics) -> Response:
    """The request's id on the answer, its metrics and its log line: what every request pays, in one hook."""
    req, context = current_request(), current_g()
    request_id = response.headers["X-Request-Id"] = getattr(context, "request_id", None) or _new_request_id()
    now = time.perf_counter()
    duration = now - getattr(context, "started", now)
    route = req.url_rule.rule if req.url_rule else None
    status, method, path = response.status_code, req.method, req.path
    if path != METRICS_PATH:
        metrics.count(method, route, status, duration)
    if access_log.isEnabledFor(logging.INFO):
        _log_request({
            "request_id": request_id,
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "remote_addr": req.remote_addr,
            "key": getattr(getattr(context, "principal", None), "name", None),
        })
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


def register_observability(app: Flask, header_rules: tuple[Callable[[Response], Response], ...]) -> None:
    """Request ids, metrics and logs; and one after_request for what every answer gets.

    `header_rules` add each module's headers (security, caching, rate limits...); then _finish adds
    the request id, counts the request and writes its line, so the duration covers them.
    """
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start)
    # Under gunicorn every worker writes its samples to PROMETHEUS_MULTIPROC_DIR and /metrics
    # adds them up; otherwise (development, tests) each app gets a registry of its own. The exporter
    # serves /metrics; the request metrics are its default ones (same names, labels and help), counted
    # in _finish with prometheus_client directly, since the exporter's own hooks cost every request
    # several label lookups and a regular expression.
    options = {"export_defaults": False, "metrics_decorator": metrics_token_required}
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each sample checks that the process has not forked since: with the stock os.getpid, a system
        # call per sample, three per request.
        values.ValueClass = values.MultiProcessValue(process_identifier=process.pid)
        metrics = app.extensions[METRICS] = _MultiprocessMetrics(app, **options)
    else:
        metrics = app.extensions[METRICS] = PrometheusMetrics(app, registry=CollectorRegistry(auto_describe=True), **options)
    metrics.info("directory_exporter_info", "Information about the Prometheus Flask exporter", version=metrics.version)
    request_metrics = RequestMetrics(
        Histogram("directory_http_request_duration_seconds", "Flask HTTP request duration in seconds",
                  ("method", "url_rule", "status"), registry=metrics.registry),
        Counter("directory_http_request_total", "Total number of HTTP requests", ("method", "status"), registry=metrics.registry),
    )

    def answer(response):
        for add_headers in header_rules:
            response = add_headers(response)
        return _finish(response, request_metrics)

    app.after_request(answer)
    exceptions = Counter("directory_http_request_exceptions_total",
                         "Total number of HTTP requests which resulted in an exception", ("method", "status"),
                         registry=metrics.registry)
    # Only requests that raise pay for this (their 500 answer is counted by _finish like any other).
    got_request_exception.connect(lambda _sender, **_extra: exceptions.labels(request.method, 500).inc(), app, weak=False)


METRICS = "prometheus_metrics"
METRICS_PATH = "/metrics"


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
