"""`flask webhooks worker`: the long-running process that delivers webhook messages."""

import logging
import os
import signal
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup

from api.webhooks.delivery import BadSetting, Worker

webhooks_command = AppGroup("webhooks", help="Deliver webhook messages.")
log = logging.getLogger("api.webhooks")


@webhooks_command.command("worker")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Messages sent at once.")
@click.option(
    "--stop-with", "parent", type=int, help="The id of the process that started this one: stop when it ends (bin/serve passes $$)."
)
def worker(threads: int, parent: int | None) -> None:
    """Deliver messages until stopped; SIGTERM or Ctrl-C lets the attempts under way finish first.

    Run as many as needed over one PostgreSQL (they share the queue); over SQLite, run one.
    """
    try:
        delivery = Worker(current_app._get_current_object(), threads=threads)
    except BadSetting as error:
        raise click.UsageError(str(error)) from error
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if parent:
        threading.Thread(target=_stop_with_parent, args=(parent, stop), daemon=True).start()
    log.info("webhook worker started", extra={"threads": threads})
    delivery.run(stop)
    log.info("webhook worker stopped")


def _stop_with_parent(parent: int, stop: threading.Event) -> None:
    # An orphan is adopted by another process: a parent id other than the given one means it has ended,
    # even if it ended before this worker had started.
    while os.getppid() == parent:
        time.sleep(1)
    stop.set()
