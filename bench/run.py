"""Benchmark of the API's hot paths against a floor app, at several data sizes, written to docs/benchmarks.md.

    .venv/bin/python bench/run.py [--sizes 10000 100000] [--duration 10] [--database postgresql|sqlite]

For each size: a fresh database, migrated and seeded with N synthetic companies; the app under gunicorn
with gunicorn.conf.py as in production, and beside it bench/floor_app.py under the same settings,
replaying the app's own answers (for the PATCH scenario, bench/write_floor_app.py: a bare write of the
same row, since a replayed answer writes nothing). wrk drives both over loopback with the same load, interleaved
(floor/app, then app/floor, ...) because the machine may be shared; the report gives medians and the
ratio app/floor, checks them against the targets, and measures the CSV export and import.
"""

import argparse
import base64
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers, wrk  # noqa: E402  (the script runs from anywhere; the package lives beside it)

PATCH_SCRIPT = Path(__file__).with_name("patch.lua")
MUNICIPALITY = "226"
# The PATCH scenario edits companies of another municipality, so it never touches what the reads use.
PATCHED_MUNICIPALITY = "931"
# Every scenario's key, in the order prepare() makes them (--scenarios picks some).
SCENARIOS = ("by_id", "list", "search", "not_modified", "patch", "site_list", "site_search", "probe")
WRITES_DRAIN_SECONDS = 3
# Headers that gunicorn writes itself or that hold the moment of the answer; everything else is replayed.
NOT_REPLAYED = frozenset({"date", "server", "connection", "content-length", "transfer-encoding", "keep-alive"})
@dataclass
class Scenario:
    key: str
    title: str
    method: str
    path: str
    expected: int
    headers: dict[str, str] = field(default_factory=dict)
    script: Path | None = None
    unavailable: str | None = None
    note: str = ""
    # The companies the PATCH scenario edits, one per connection.
    ids: list[str] = field(default_factory=list)
    # Measured against a floor that writes (bench/write_floor_app.py) instead of one that replays.
    writes: bool = False


@dataclass
class Measured:
    scenario: Scenario
    app: list[wrk.Result] = field(default_factory=list)
    floor: list[wrk.Result] = field(default_factory=list)

    def median(self, side: str, figure: str) -> float:
        return statistics.median(getattr(result, figure) for result in getattr(self, side))

    def ratio(self) -> float:
        return self.median("app", "rps") / self.median("floor", "rps")

    def total(self, side: str, figure: str) -> int:
        return sum(getattr(result, figure) for result in getattr(self, side))


@dataclass
class SizeRun:
    size: int
    sites: int = 0
    seeding: str = ""
    seed_seconds: float = 0.0
    measured: dict[str, Measured] = field(default_factory=dict)
    unavailable: dict[str, Scenario] = field(default_factory=dict)
    # Seconds of each list or search request made right after a write (no cache can answer it).
    uncached: dict[str, list[float]] = field(default_factory=dict)
    export: dict | str = "not measured"
    imported: dict | str = "not measured"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="companies to load")
    parser.add_argument("--sites", type=int, default=10_000, help="sites to load beside the companies, at every size")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="maintenance database of the PostgreSQL server; bench_* databases are made beside it")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0",
                        help="rate-limit store of the production settings (PostgreSQL runs)")
    parser.add_argument("--connections", type=int, default=8,
                        help="wrk connections; wrk runs one thread per connection (the PATCH script needs it)")
    parser.add_argument("--repeats", type=int, default=3, help="measured app/floor pairs per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each scenario")
    parser.add_argument("--uncached-rounds", type=int, default=25,
                        help="list and search requests timed one by one, each right after a write")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS),
                        help="measure only these scenarios (the CSV export and import only with all of them); "
                             "write a subset's report to a scratch --output")
    return parser.parse_args()


def main() -> None:
    options = arguments()
    wrk.executable()  # says how to install wrk before anything is loaded
    try:
        from bench import report
    except ImportError as error:
        sys.exit(f"{error}: install the benchmark's extras with `.venv/bin/pip install -e '.[bench]'`.")
    load = wrk.Load(options.connections, options.connections, options.duration, timeout=10)
    env = servers.server_environment(options.database, options.redis_url)
    settings = servers.gunicorn_settings(env)
    started = datetime.now(timezone.utc)
    context = {
        "command": "bench/run.py " + " ".join(sys.argv[1:]),
        "started": started,
        "load_before": Path("/proc/loadavg").read_text().split()[:3],
        "machine": machine(),
        "software": software(),
        "settings": settings,
        "load": load,
        "options": options,
        "environment": {name: value for name, value in env.items() if not name.startswith("RATELIMIT_KEY")},
    }
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        for size in options.sizes:
            runs.append(run_size(size, options, load, env, settings, Path(scratch), context))
    context["finished"] = datetime.now(timezone.utc)
    context["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    report.write(runs, context, options.output)
    print(f"\nWrote {options.output.relative_to(ROOT) if options.output.is_relative_to(ROOT) else options.output}")


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "unknown")
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:"))
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": f"{int(memory) / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
    }


def software() -> dict[str, str]:
    versions = {"Python": platform.python_version()}
    for package in ("gunicorn", "Flask", "SQLAlchemy", "psycopg", "flask-smorest", "marshmallow", "orjson"):
        versions[package] = metadata.version(package)
    versions["wrk"] = wrk.version()
    return versions


def run_size(size, options, load, env, settings, scratch: Path, context) -> SizeRun:
    run = SizeRun(size, options.sites)
    print(f"\n=== {size:,} companies, {options.sites:,} sites on {options.database} ===", flush=True)
    with servers.fresh_database(options.database, options.postgres_url, "directory") as database:
        servers.flask(database, "db", "upgrade")
        servers.flask(database, "seed")
        seeded = servers.flask(database, "seed", "--synthetic", str(size), *(("--sites", str(options.sites)) if options.sites else ()))
        run.seeding, run.seed_seconds = seeded.output.strip().splitlines()[-1], seeded.seconds
        database.analyze()
        context.setdefault("database", database.server_version())
        print(f"seeded in {seeded.seconds:.1f} s: {run.seeding}", flush=True)
        authorization = editor_key(database)
        app_env = {**env, "DATABASE_URL": database.url}
        csv_file = scratch / f"companies-{size}.csv"
        with servers.serve(f"app-{size}", "wsgi:app", app_env, settings["workers"], scratch) as app:
            check_workers(app, settings)
            scenarios, answers = prepare(app, load, authorization)
            if tuple(scenario.key for scenario in scenarios) != SCENARIOS:
                raise RuntimeError("SCENARIOS must name every scenario prepare() makes, in its order.")
            answers_file = scratch / f"floor-{size}.json"
            answers_file.write_text(json.dumps(answers), encoding="utf-8")
            floor_env = {**env, "BENCH_FLOOR_ANSWERS": str(answers_file)}
            with (
                servers.serve(f"floor-{size}", "bench.floor_app:app", floor_env, settings["workers"], scratch) as floor,
                servers.serve(f"write-floor-{size}", "bench.write_floor_app:app", app_env, settings["workers"], scratch) as write_floor,
            ):
                check_workers(floor, settings)
                check_workers(write_floor, settings)
                check_floor(floor, answers)
                lua_env = {**os.environ, **lua_settings(scenarios, authorization)}
                for scenario in scenarios:
                    if scenario.key not in options.scenarios:
                        continue
                    if scenario.unavailable:
                        run.unavailable[scenario.key] = scenario
                        print(f"{scenario.title}: not available ({scenario.unavailable})", flush=True)
                        continue
                    run.measured[scenario.key] = measure(scenario, app, write_floor if scenario.writes else floor, load, options, lua_env)
            chosen = [scenario for scenario in scenarios if scenario.key in options.scenarios]
            run.uncached = uncached(app, chosen, scenarios, options.uncached_rounds, authorization)
            if set(options.scenarios) == set(SCENARIOS):
                run.export = export_csv(app, csv_file, authorization)
        if set(options.scenarios) == set(SCENARIOS):
            run.imported = import_csv(database, csv_file) if csv_file.exists() else "not available: no CSV export to import"
    return run


def editor_key(database, checkout: servers.Checkout = servers.THIS) -> str | None:
    """An editor's Authorization header when this version of the app has API keys (PATCH needs one)."""
    if not servers.has_command("keys", "create", checkout=checkout):
        return None
    created = servers.flask(database, "keys", "create", "--name", f"bench-{uuid.uuid4().hex[:8]}", "--role", "editor",
                            checkout=checkout)
    return f"Bearer {created.output.strip().splitlines()[-1]}"


def patched_companies(server, connections: int) -> list[str]:
    """The companies the PATCH runs edit, one per connection, in a municipality the reads never use."""
    listed = server.request("GET", f"/api/v1/companies?municipality={PATCHED_MUNICIPALITY}&page_size={connections}")[2]
    ids = [item["id"] for item in json.loads(listed)]
    if len(ids) < connections:
        raise RuntimeError(f"The PATCH scenario needs {connections} companies in {PATCHED_MUNICIPALITY}.")
    return ids


def check_workers(server, settings) -> None:
    running = len(server.workers())
    if running != settings["workers"]:
        raise RuntimeError(f"{server.name} runs {running} workers, gunicorn.conf.py says {settings['workers']}")


def record(server, method: str, path: str, conditional: bool, headers=None, body=None) -> tuple[dict, int, list]:
    """Ask the real app once; the answer as the floor will replay it."""
    status, answer_headers, answer_body = server.request(method, path, headers, body)
    replayed = [[name, value] for name, value in answer_headers if name.lower() not in NOT_REPLAYED]
    answer = {"method": method, "path": path, "conditional": conditional, "status": status,
              "headers": replayed, "body": base64.b64encode(answer_body).decode()}
    return answer, status, answer_headers


def header(headers: list, name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def prepare(app, load: wrk.Load, authorization: str | None) -> tuple[list[Scenario], list[dict]]:
    """The scenarios with the records they use, and the app's answers that the floor will replay."""
    answers = []

    def ask(method, path, expected, conditional=False, headers=None, body=None):
        answer, status, answer_headers = record(app, method, path, conditional, headers, body)
        answers.append(answer)
        if status != expected:
            detail = base64.b64decode(answer["body"]).decode(errors="replace")[:300]
            return f"{method} {path} answered {status}, not {expected}: {detail}", answer_headers
        return None, answer_headers

    listing = Scenario("list", "List page of 50, municipality filter", "GET",
                       f"/api/v1/companies?municipality={MUNICIPALITY}&page_size=50", 200)
    listing.unavailable, _ = ask("GET", listing.path, 200)
    if listing.unavailable:
        raise RuntimeError(f"The company list does not answer: {listing.unavailable}")
    listed = json.loads(base64.b64decode(answers[-1]["body"]))
    company = listed[0]["id"]

    by_id = Scenario("by_id", "Company by id", "GET", f"/api/v1/companies/{company}", 200)
    by_id.unavailable, by_id_headers = ask("GET", by_id.path, 200)

    search = Scenario("search", "Full-text search with a filter", "GET",
                      f"/api/v1/companies?q=saha&municipality={MUNICIPALITY}&page_size=20", 200)
    search.unavailable, _ = ask("GET", search.path, 200)
    if not search.unavailable:
        search.note = f"{len(json.loads(base64.b64decode(answers[-1]['body'])))} results on the page"

    etag = header(by_id_headers, "ETag")
    conditional = Scenario("not_modified", "Conditional GET answered 304", "GET", by_id.path, 304,
                           headers={"If-None-Match": etag or ""})
    conditional.unavailable, _ = ask("GET", by_id.path, 304, True, conditional.headers)

    patch = Scenario("patch", "PATCH with If-Match", "PATCH", "/api/v1/companies/{own company}", 200,
                     script=PATCH_SCRIPT, writes=True)
    patch.note = f"Each of the {load.connections} connections edits its own company"
    patch.ids = patched_companies(app, load.connections)
    auth = {"Authorization": authorization} if authorization else {}
    for company_id in patch.ids:
        path = f"/api/v1/companies/{company_id}"
        problem, got = ask("GET", path, 200, headers=auth)
        edit = {**auth, "Content-Type": "application/merge-patch+json", "If-Match": header(got, "ETag") or ""}
        problem = problem or ask("PATCH", path, 200, headers=edit,
                                 body=b'{"description": {"en": "Edited by the benchmark."}}')[0]
        patch.unavailable = patch.unavailable or problem
    # Sites: what an investor asks of the platform, beside the companies at each size.
    site_list = Scenario("site_list", "Site list page of 50, municipality filter", "GET",
                         f"/api/v1/sites?municipality={MUNICIPALITY}&page_size=50", 200)
    site_list.unavailable, _ = ask("GET", site_list.path, 200)
    site_search = Scenario("site_search", "Site search with a filter", "GET",
                           f"/api/v1/sites?q=teollisuustontti&municipality={MUNICIPALITY}&connection=road&page_size=20", 200)
    site_search.unavailable, _ = ask("GET", site_search.path, 200)
    if not site_search.unavailable:
        site_search.note = f"{len(json.loads(base64.b64decode(answers[-1]['body'])))} results on the page"
    # What a request costs the app before any database or rate-limit work.
    probe = Scenario("probe", "The app's /healthz (what every request pays)", "GET", "/healthz", 200)
    probe.unavailable, _ = ask("GET", probe.path, 200)
    return [by_id, listing, search, conditional, patch, site_list, site_search, probe], answers


def check_floor(floor, answers: list[dict]) -> None:
    """The floor must give the very answers the app gave: status, headers and bytes."""
    for answer in answers:
        headers = {"If-None-Match": "*"} if answer["conditional"] else {}
        status, got_headers, body = floor.request(answer["method"], answer["path"], headers)
        replayed = [[name, value] for name, value in got_headers if name.lower() not in NOT_REPLAYED]
        if (status, replayed, base64.b64encode(body).decode()) != (answer["status"], answer["headers"], answer["body"]):
            raise RuntimeError(f"The floor's answer to {answer['method']} {answer['path']} differs from the app's.")


def lua_settings(scenarios: list[Scenario], authorization: str | None) -> dict[str, str]:
    patch = next(scenario for scenario in scenarios if scenario.key == "patch")
    return {"BENCH_COMPANY_IDS": ",".join(patch.ids), **({"BENCH_AUTHORIZATION": authorization} if authorization else {})}


def measure(scenario: Scenario, app, floor, load: wrk.Load, options, lua_env) -> Measured:
    measured = Measured(scenario)
    path = "/" if scenario.script else scenario.path

    def once(server, duration=None):
        if scenario.script:
            # wrk stops with writes in flight, which the server still completes: let them land first, or
            # this run's first GET could see a version that such a write replaces a moment later (412).
            time.sleep(WRITES_DRAIN_SECONDS)
        try:
            return wrk.run(load, server.base_url + path, duration=duration, headers=scenario.headers,
                           script=scenario.script, env=lua_env)
        except wrk.WrkError:
            server.check_alive()  # a stopped server explains itself
            raise

    for server in (floor, app):
        once(server, options.warmup)
    for repeat in range(options.repeats):
        # Alternate the order so that a drift in the machine's load does not favour one side.
        order = ((floor, "floor"), (app, "app")) if repeat % 2 == 0 else ((app, "app"), (floor, "floor"))
        for server, side in order:
            result = once(server)
            getattr(measured, side).append(result)
            lua = [line for line in result.output.splitlines() if line.startswith("PATCH scenario:")]
            print(f"{scenario.title:<38} {side:<5} {result.rps:9.1f} req/s  p50 {result.p50 * 1000:7.2f} ms  "
                  f"p99 {result.p99 * 1000:7.2f} ms  non-2xx/3xx {result.non_2xx_3xx}"
                  + (f"  ({lua[0]})" if lua else ""), flush=True)
    print(f"{scenario.title:<38} ratio app/floor {measured.ratio():.1%}", flush=True)
    return measured


def uncached(app, scenarios: list[Scenario], every: list[Scenario], rounds: int, authorization: str | None) -> dict[str, list[float]]:
    """Time the list and search requests among `scenarios` that no cache can answer: each follows a write to its table.

    The app remembers answers and counts while the table's latest `updated_at` holds, so under wrk
    the same URL is mostly a cache hit; these sequential requests show the query path itself.
    """
    auth = {"Authorization": authorization} if authorization else {}
    patch = next(scenario for scenario in every if scenario.key == "patch")
    # What each timed request reads, and a record of that table (outside the municipality it lists) to write first.
    written = {"list": f"/api/v1/companies/{patch.ids[0]}", "search": f"/api/v1/companies/{patch.ids[0]}"}
    sites = json.loads(app.request("GET", f"/api/v1/sites?municipality={PATCHED_MUNICIPALITY}&page_size=1")[2])
    if sites:
        written |= {"site_list": f"/api/v1/sites/{sites[0]['id']}", "site_search": f"/api/v1/sites/{sites[0]['id']}"}
    etags = {path: header(app.request("GET", path, auth)[1], "ETag") for path in set(written.values())}
    timed = {scenario.key: [] for scenario in scenarios if scenario.key in written and not scenario.unavailable}
    for round_ in range(rounds):
        for key in timed:
            path = written[key]
            edit = {**auth, "Content-Type": "application/merge-patch+json", "If-Match": etags[path] or ""}
            body = f'{{"description": {{"en": "Uncached round {round_}."}}}}'.encode()
            status, headers, _ = app.request("PATCH", path, edit, body)
            if status != 200:
                raise RuntimeError(f"PATCH {path} answered {status} while timing uncached requests")
            etags[path] = header(headers, "ETag")
            started = time.perf_counter()
            status, _, _ = app.request("GET", next(s.path for s in scenarios if s.key == key))
            timed[key].append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"The {key} request answered {status} while timing uncached requests")
    for key, times in timed.items():
        print(f"uncached {key}: median {statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms "
              f"over {len(times)} requests", flush=True)
    return timed


def export_csv(app, target: Path, authorization: str | None) -> dict | str:
    """Download the CSV export while sampling the workers' memory; the file is kept for the import."""
    connection = http.client.HTTPConnection(servers.HOST, app.port, timeout=600)
    headers = {"Authorization": authorization} if authorization else {}
    baseline = max(servers.rss_bytes(pid) for pid in app.workers())
    try:
        with servers.RssSampler(app) as sampler:
            started = time.perf_counter()
            connection.request("GET", "/api/v1/companies.csv", headers=headers)
            answer = connection.getresponse()
            if answer.status != 200 or not (answer.getheader("Content-Type") or "").startswith("text/csv"):
                answer.read()
                return f"not available: GET /api/v1/companies.csv answered {answer.status}"
            size, lines = 0, 0
            with target.open("wb") as file:
                while chunk := answer.read(64 * 1024):
                    file.write(chunk)
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            seconds = time.perf_counter() - started
    finally:
        connection.close()
    print(f"CSV export: {size / 1e6:.1f} MB, {lines} lines in {seconds:.1f} s; worker peak RSS "
          f"{max(sampler.peaks.values()) / 2**20:.0f} MiB (before {baseline / 2**20:.0f} MiB)", flush=True)
    return {
        "bytes": size, "lines": lines, "seconds": seconds, "baseline_rss": baseline,
        "peak_rss": max(sampler.peaks.values()), "streamed": answer.getheader("Transfer-Encoding") == "chunked",
    }


def import_csv(database, csv_file: Path) -> dict | str:
    """`flask import companies FILE` of the export into the database it came from: wall time and peak memory.

    Every row is read, validated and compared; the file's spearhead ids exist only in this database
    (a fresh one gets new ids), so the import cannot run anywhere else.
    """
    if not servers.has_command("import", "companies"):
        return "not available: this version has no `flask import companies`"
    finished = servers.flask(database, "import", "companies", str(csv_file))
    summary = finished.output.strip().splitlines()[-1]
    print(f"CSV import: {finished.seconds:.1f} s, peak RSS {finished.peak_rss_bytes / 2**20:.0f} MiB: {summary}", flush=True)
    return {"seconds": finished.seconds, "peak_rss": finished.peak_rss_bytes, "summary": summary}


if __name__ == "__main__":
    main()
