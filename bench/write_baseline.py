"""PATCH throughput of this checkout against the app at another commit, served side by side in one run.

    .venv/bin/python bench/write_baseline.py --ref fc31302 [--size 10000] [--pairs 4] [--duration 8]
                                             [--postgres-url …] [--redis-url …]

Issue #19 asks for twice the PATCH rate of the code it was filed against, which it gave in requests
per second; those move with the machine (the floor apps answer twice as fast on some of the machines
this project was measured on as on others). So this script measures both versions on one machine at
one time: the commit's files (`git archive`) with its own dependencies in a virtual environment of
its own, each version on a fresh PostgreSQL database loaded by its own `flask seed` and
`flask seed --synthetic SIZE`, both under gunicorn with this checkout's worker settings and the
production settings of bench/run.py, and bench/patch.lua (each wrk connection edits a company of its
own) run against them in turn, which version goes first alternating. It prints every run's rate,
the medians and their ratio. The commit must have API keys (`flask keys create`): PATCH needs one.
"""

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers, wrk  # noqa: E402
from bench.run import PATCH_SCRIPT, editor_key, patched_companies  # noqa: E402

SETTLE_SECONDS = 2
COUNTS = re.compile(r"PATCH scenario: gets (\d+), patches (\d+), failed_gets (\d+), failed_patches (\d+)")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", required=True, help="the commit to measure against (anything `git archive` takes)")
    parser.add_argument("--size", type=int, default=10_000, help="synthetic companies in each database")
    parser.add_argument("--pairs", type=int, default=4, help="measured runs of each version")
    parser.add_argument("--duration", type=int, default=8, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured PATCHes per version first")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections, one thread and one company each")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    return parser.parse_args()


def checkout_of(ref: str, folder: Path) -> servers.Checkout:
    """The commit's files and a virtual environment with its own dependencies (pip installs them)."""
    source, environment = folder / "source", folder / "venv"
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as files:
        files.extractall(source, filter="data")
    subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
    python = str(environment / "bin" / "python")
    print(f"installing {ref}'s dependencies…", flush=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(source)], check=True)
    return servers.Checkout(source, python)


def patch_run(server, ids: list[str], authorization: str, load: wrk.Load, duration: int) -> float:
    """One wrk run of bench/patch.lua; its PATCHes per second (every PATCH must succeed)."""
    env = {**os.environ, "BENCH_COMPANY_IDS": ",".join(ids), "BENCH_AUTHORIZATION": authorization}
    result = wrk.run(load, server.base_url, duration=duration, script=PATCH_SCRIPT, env=env)
    # wrk stops with PATCHes in flight, which the server still completes: a run that started at once would
    # read a company before such a PATCH commits and then fail its own PATCH with 412.
    time.sleep(SETTLE_SECONDS)
    counts = COUNTS.search(result.output)
    if counts is None or int(counts[3]) or int(counts[4]) or not int(counts[2]):
        raise RuntimeError(f"{server.name}: PATCHes failed or were not made:\n{result.output}")
    return int(counts[2]) / result.duration


def main() -> None:
    options = arguments()
    wrk.executable()
    env = servers.server_environment("postgresql", options.redis_url)
    settings = servers.gunicorn_settings(env)
    # The other version's gunicorn.conf.py may choose differently: both get this checkout's workers and threads.
    env.update(GUNICORN_WORKERS=str(settings["workers"]), GUNICORN_THREADS=str(settings["threads"]))
    load = wrk.Load(options.connections, options.connections, options.duration, timeout=10)
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as scratch:
        scratch = Path(scratch)
        versions = {options.ref: checkout_of(options.ref, scratch / "ref"), "this checkout": servers.THIS}
        with (
            servers.fresh_database("postgresql", options.postgres_url, "baseline") as ref_database,
            servers.fresh_database("postgresql", options.postgres_url, "current") as this_database,
        ):
            prepared = {}
            for (name, checkout), database in zip(versions.items(), (ref_database, this_database)):
                servers.flask(database, "db", "upgrade", checkout=checkout)
                servers.flask(database, "seed", checkout=checkout)
                seeded = servers.flask(database, "seed", "--synthetic", str(options.size), checkout=checkout)
                database.analyze()
                print(f"{name}: {seeded.output.strip().splitlines()[-1]}", flush=True)
                # Its own key prefix in Redis: the two versions never share a count or a data version.
                server_env = {**env, "DATABASE_URL": database.url, "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}"}
                authorization = editor_key(database, checkout)
                if authorization is None:
                    raise RuntimeError(f"{name} has no API keys (`flask keys create`): its PATCHes cannot be made.")
                prepared[name] = (checkout, server_env, authorization)
            rates: dict[str, list[float]] = {name: [] for name in versions}
            with (
                servers.serve("baseline", "wsgi:app", prepared[options.ref][1], settings["workers"], scratch, prepared[options.ref][0]) as ref_server,
                servers.serve("current", "wsgi:app", prepared["this checkout"][1], settings["workers"], scratch) as this_server,
            ):
                targets = {
                    name: (server, patched_companies(server, options.connections), prepared[name][2])
                    for name, server in zip(versions, (ref_server, this_server))
                }
                for server, ids, authorization in targets.values():
                    patch_run(server, ids, authorization, load, options.warmup)
                order = list(targets)
                for pair in range(options.pairs):
                    for name in order if pair % 2 == 0 else reversed(order):
                        rate = patch_run(*targets[name], load, options.duration)
                        rates[name].append(rate)
                        print(f"{name:>14}: {rate:7.1f} PATCH/s", flush=True)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"\nPATCH/s, median of {options.pairs} runs of {options.duration} s, {load.describe()}, "
          f"{settings['workers']} workers × {settings['threads']} threads, {options.size:,} companies:")
    for name, median in medians.items():
        print(f"  {name}: {median:.1f}  (runs: {', '.join(f'{rate:.1f}' for rate in rates[name])})")
    print(f"  this checkout / {options.ref}: {medians['this checkout'] / medians[options.ref]:.2f}")


if __name__ == "__main__":
    main()
