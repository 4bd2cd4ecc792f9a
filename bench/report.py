"""Writes a benchmark run as docs/benchmarks.md and its latency plot docs/benchmarks.png."""

import re
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen before pyplot loads)

# Throughput of the app as a share of the floor's, per scenario (issue #19: performance, second round).
THROUGHPUT_TARGETS = {"probe": 0.75, "by_id": 0.40, "not_modified": 0.50, "list": 0.50, "search": 0.35}
# Twice the 128 PATCH/s that the first round measured at 10,000 companies (issue #19).
PATCH_TARGET_RPS = 256
# Median latency at the largest size over that at the smallest, for the scenarios that must use indexes.
SCALING_TARGETS = {"list": 1.3, "search": 1.5}
TITLES = {
    "by_id": "Company by id",
    "list": "List page of 50, municipality filter",
    "search": "Full-text search with a filter",
    "not_modified": "Conditional GET answered 304",
    "patch": "PATCH with If-Match",
    "site_list": "Site list page of 50, municipality filter",
    "site_search": "Site search with a filter",
    "probe": "The app's /healthz (what every request pays)",
}
PATCH_COUNTS = re.compile(r"PATCH scenario: gets (\d+), patches (\d+), failed_gets (\d+), failed_patches (\d+)")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def write(runs: list, context: dict, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    plot_path = output.with_suffix(".png")
    plot(runs, plot_path)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{context['command'].strip()}` on {context['started']:%Y-%m-%d}; every figure in the "
        "sections it writes comes from that one run (sections written by other scripts, such as bench/search_speed.py "
        "and bench/review.py, are kept as they are). The floor is `bench/floor_app.py`, a minimal Flask app under the same gunicorn "
        "settings that replays the app's own answers (same status, headers and bytes, checked before measuring), "
        "so *app/floor* is the share of the bare HTTP stack's throughput that the app keeps. A replayed answer writes "
        "nothing, so the PATCH scenario's floor is `bench/write_floor_app.py` instead: the same gunicorn settings and "
        "database, the editor's key checked, and one UPDATE of the same row that checks and counts its version, with "
        "none of the app's write path (validation, stamp in commit order, audit entry, change feed, search document).",
        "",
        f"The machine has {context['machine']['cores']} cores shared with other work (load average "
        f"{' '.join(context['load_before'])} at the start, {' '.join(context['load_after'])} at the end), so "
        "wrk, gunicorn and the database compete for the same cores and each figure is the median of "
        f"{context['options'].repeats} interleaved app/floor pairs.",
        "",
        *setup(context),
        *results(runs),
        *targets(runs),
        *profile(),
        *files(runs),
        "## Latency against data size",
        "",
        f"![Median latency against data size]({plot_path.name})",
        "",
    ]
    lines += [*kept_sections(output, lines), *reproduce()]
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")


def kept_sections(output: Path, written: list[str]) -> list[str]:
    """The page's `## ` sections that this report does not write (other benchmarks' figures, such as
    bench/review.py's), kept as they are."""
    if not output.exists():
        return []
    ours = {line for line in [*written, *reproduce()] if line.startswith("## ")}
    kept, keeping = [], False
    for line in output.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            keeping = line not in ours
        if keeping:
            kept.append(line)
    return kept


def setup(context: dict) -> list[str]:
    settings, load, options = context["settings"], context["load"], context["options"]
    environment = ", ".join(f"`{name}={value}`" for name, value in sorted(context["environment"].items()))
    software = ", ".join(f"{name} {version}" for name, version in context["software"].items())
    return [
        "## Setup",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {context['machine']['cpu']}, {context['machine']['cores']} logical cores |",
        f"| Memory | {context['machine']['memory']} |",
        f"| Kernel | Linux {context['machine']['kernel']} |",
        f"| Database | {context['database']}, a new database per size, `VACUUM ANALYZE` after loading |"
        if options.database == "postgresql"
        else f"| Database | {context['database']}, a new file per size, `ANALYZE` after loading |",
        f"| Software | {software} |",
        f"| Server | `gunicorn --config gunicorn.conf.py`: {settings['workers']} workers × {settings['threads']} threads "
        f"({settings['worker_class']}), keepalive {settings['keepalive']} s, max_requests {settings['max_requests']} "
        f"± {settings['max_requests_jitter']}, preload {settings['preload_app']}; the same for the app and the floor |",
        f"| Server environment | {environment} (one load generator must not be throttled) |",
        f"| Load | `{load.describe()}` over loopback, the same for every scenario; {options.warmup} s of warm-up per "
        f"server and scenario; {options.repeats} measured pairs, floor first then app first in turn |",
        f"| Run | {context['started']:%Y-%m-%d %H:%M} – {context['finished']:%H:%M} UTC |",
        "",
    ]


def results(runs: list) -> list[str]:
    lines = ["## Results", ""]
    for run in runs:
        lines += [
            f"### {run.size:,} companies" + (f", {run.sites:,} sites" if run.sites else ""),
            "",
            f"Loaded with `flask seed --synthetic {run.size}" + (f" --sites {run.sites}" if run.sites else "")
            + f"` in {run.seed_seconds:.1f} s ({run.seeding}).",
            "",
            "| scenario | app req/s | floor req/s | app/floor | app p50 | app p99 | floor p50 | floor p99 "
            "| non-2xx/3xx (app/floor) | socket errors (app/floor) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key, title in TITLES.items():
            if key in run.measured:
                m = run.measured[key]
                lines.append(
                    f"| {title} | {m.median('app', 'rps'):.0f} | {m.median('floor', 'rps'):.0f} | {m.ratio():.0%} | "
                    f"{ms(m.median('app', 'p50'))} | {ms(m.median('app', 'p99'))} | {ms(m.median('floor', 'p50'))} | "
                    f"{ms(m.median('floor', 'p99'))} | {m.total('app', 'non_2xx_3xx')} / {m.total('floor', 'non_2xx_3xx')} | "
                    f"{m.total('app', 'socket_errors')} / {m.total('floor', 'socket_errors')} |"
                )
            elif key in run.unavailable:
                lines.append(f"| {title} | not available | | | | | | | | |")
        if run.uncached:
            lines += ["", "The app keeps answers and counts while the table's latest `updated_at` holds, so under wrk a "
                      "repeated URL is mostly answered from that cache. Uncached, each request right after a write to "
                      "the table it reads (companies or sites), one at a time:", ""]
            for key, times in run.uncached.items():
                lines.append(f"- {TITLES[key]}: median {ms(statistics.median(times))}, max {ms(max(times))} "
                             f"over {len(times)} requests")
        lines += ["", "Each measured run (req/s); the counts of failures are summed over the measured runs, and socket "
                  "errors are mostly keep-alive connections closed when gunicorn recycles a worker (`max_requests`):", ""]
        for key, m in run.measured.items():
            app = ", ".join(f"{result.rps:.0f}" for result in m.app)
            floor = ", ".join(f"{result.rps:.0f}" for result in m.floor)
            note = f" {m.scenario.note}." if m.scenario.note else ""
            sent = "".join(f", `{name}: {value}`" for name, value in m.scenario.headers.items())
            lines.append(f"- {TITLES[key]} (`{m.scenario.method} {m.scenario.path}`{sent}): app {app}; floor {floor}.{note}")
            if key == "patch":
                lines.append(f"  {patch_counts(m)}")
        for key, scenario in run.unavailable.items():
            lines.append(f"- {TITLES[key]}: not available: {scenario.unavailable}")
        lines.append("")
    return lines


def patch_counts(m) -> str:
    totals = [0, 0, 0, 0]
    for result in m.app:
        found = PATCH_COUNTS.search(result.output)
        if found:
            totals = [total + int(value) for total, value in zip(totals, found.groups())]
    gets, patches, failed_gets, failed_patches = totals
    return (f"Over the measured app runs: {patches} PATCHes, {failed_patches} not answered 2xx; "
            f"{gets} GETs for an ETag, {failed_gets} not answered 2xx.")


def targets(runs: list) -> list[str]:
    sizes = [run.size for run in runs]
    lines = [
        "## Targets",
        "",
        "| target | " + " | ".join(f"{size:,} companies" for size in sizes) + " |",
        "| --- | " + " | ".join("---" for _ in sizes) + " |",
    ]
    for key, share in THROUGHPUT_TARGETS.items():
        cells = []
        for run in runs:
            if key not in run.measured:
                cells.append("not met: not available")
                continue
            m = run.measured[key]
            verdict = "met" if m.ratio() >= share else "**not met**"
            cells.append(f"{verdict}: {m.ratio():.0%} ({m.median('app', 'rps'):.0f} vs {m.median('floor', 'rps'):.0f} req/s)")
        lines.append(f"| {TITLES[key]}: at least {share:.0%} of the floor's throughput | " + " | ".join(cells) + " |")
    cells = []
    for run in runs:
        m = run.measured.get("patch")
        rate = m.median("app", "rps") if m else None
        cells.append("not met: not available" if rate is None else
                     f"{'met' if rate >= PATCH_TARGET_RPS else '**not met**'}: {rate:.0f} req/s ({m.ratio():.0%} of a bare write's "
                     f"{m.median('floor', 'rps'):.0f})")
    lines.append(f"| {TITLES['patch']}: at least {PATCH_TARGET_RPS} req/s (2 × the first round's 128) | " + " | ".join(cells) + " |")
    small, large = runs[0], runs[-1]
    for key, factor in SCALING_TARGETS.items():
        label = f"{TITLES[key]}: median latency at {large.size:,} at most {factor} × that at {small.size:,}"
        under_load = scaling(small, large, factor, lambda run: run.measured[key].median("app", "p50")
                             if key in run.measured else None)
        alone = scaling(small, large, factor, lambda run: statistics.median(run.uncached[key])
                        if key in run.uncached else None)
        for how, verdict in (("under load", under_load), ("uncached, one at a time", alone)):
            lines.append(f"| {label} ({how}) | " + " | ".join([""] * (len(sizes) - 1) + [verdict]) + " |")
    return lines + [""]


def scaling(small, large, factor: float, latency) -> str:
    if small is large:
        return "not measured: needs two sizes"
    before, after = latency(small), latency(large)
    if before is None or after is None:
        return "not met: not available"
    verdict = "met" if after <= factor * before else "**not met**"
    return f"{verdict}: {ms(after)} vs {ms(before)} ({after / before:.2f} ×)"


def files(runs: list) -> list[str]:
    lines = [
        "## CSV export and import",
        "",
        "The export (`GET /api/v1/companies.csv`, every company) is downloaded from the app's gunicorn while the "
        "resident memory of each worker is sampled from `/proc` every 20 ms; then `flask import companies FILE` "
        "loads that file back into the same database, reading, validating and comparing every row. The import's "
        "peak RSS is that of the whole `flask` process.",
        "",
        "| companies | export | worker RSS before → peak | import | import peak RSS |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        if isinstance(run.export, dict):
            e = run.export
            export = (f"{e['lines']:,} lines, {e['bytes'] / 1e6:.1f} MB in {e['seconds']:.1f} s"
                      f"{' (chunked)' if e['streamed'] else ''}")
            memory = f"{mib(e['baseline_rss'])} → {mib(e['peak_rss'])}"
        else:
            export, memory = run.export, ""
        if isinstance(run.imported, dict):
            imported = f"{run.imported['seconds']:.1f} s: {run.imported['summary']}"
            imported_memory = mib(run.imported["peak_rss"])
        else:
            imported, imported_memory = run.imported, ""
        lines.append(f"| {run.size:,} | {export} | {memory} | {imported} | {imported_memory} |")
    return lines + [""]


def plot(runs: list, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(10, 5.5))
    sizes = [run.size for run in runs]
    for index, (key, title) in enumerate(TITLES.items()):
        points = [(run.size, run.measured[key]) for run in runs if key in run.measured]
        if not points:
            continue
        color = f"C{index}"
        axes.plot([size for size, _ in points], [m.median("app", "p50") * 1000 for _, m in points],
                  marker="o", color=color, label=f"{title} (app)")
        axes.plot([size for size, _ in points], [m.median("floor", "p50") * 1000 for _, m in points],
                  marker="x", linestyle="--", color=color, alpha=0.6, label=f"{title} (floor)")
    axes.set_xscale("log")
    axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
    axes.minorticks_off()
    axes.set_xlabel("companies in the database")
    # The floor answers in a few milliseconds and a slow app in hundreds: a log scale shows both.
    axes.set_yscale("log")
    axes.set_ylabel("median latency under load (ms, log scale)")
    axes.set_title("Median latency against data size (app solid, floor dashed)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def profile() -> list[str]:
    """What the profiles of the second performance round (issue #19) showed, and what was done about it."""
    return [
        "## What the profiles showed",
        "",
        "`/healthz` under wrk, one gunicorn worker, sampled with `py-spy record --gil -r 300 -p <worker pid>` "
        "(samples of the thread holding the GIL, so the figures are shares of the interpreter's work). Before "
        "the second round, of the samples inside `Flask.wsgi_app`:",
        "",
        "| part | share | change |",
        "| --- | ---: | --- |",
        "| the access-log line (`logging` with python-json-logger: stdlib `json`, the caller's frame looked up) | 24% | "
        "an orjson formatter, the record made without the caller lookup |",
        "| Flask-Limiter resolving limits for a path it then exempts | 10–17% | requests outside `/api/` skip its check |",
        "| prometheus-flask-exporter's hooks (label dicts, a regular expression per request) | 6% | "
        "prometheus_client objects counted directly in the one `after_request`, same names and labels |",
        "| `Flask.ensure_sync` asking `inspect` about each of 22 hooks | 2–3% | answered once per hook |",
        "| the check that another rule shadows the matched one (a second URL match) | 3% | skipped for rules without variables |",
        "| security headers (`Headers.setdefault`, one scan each) | 2% | one pass |",
        "",
        "In-process CPU per `/healthz` (the WSGI app called directly, median of 7 × 500): 518 µs before, "
        "257 µs after, measured one after the other.",
        "",
        "Then the reads. In process (the WSGI app called directly on PostgreSQL and Redis, CPU per request, "
        "medians of 5 × 400, one run), `/healthz` cost 187 µs, a trivial route added under `/api/` 420 µs and a "
        "company by id 885 µs. Taking the hooks away one at a time, and swapping parts for stubs, showed where:",
        "",
        "| part | CPU per request | change |",
        "| --- | ---: | --- |",
        "| the rate-limit count: Flask-Limiter and the Redis script that also returns the data version | 220 µs | "
        "the application limit counted by `ApiLimiter` itself when Redis counts (Flask-Limiter's keys and store, "
        "without resolving every limit anew); the round trip is kept (see below) |",
        "| a `before_request` hook that took a PostgreSQL connection from the pool for every read, returned at teardown | "
        "about 130 µs | the session picks its autocommit engine when it first needs a connection (`api.database.Session`) |",
        "| the record's SQL query, built even when the answer was known | about 100 µs | the lookup is a function, "
        "called only on the database path |",
        "| a list's arguments parsed by webargs and marshmallow, and the view, before the known answer was found | "
        "about 170 µs | anonymous answers replayed before the view while the data version holds (`api.freshness`) |",
        "| the one `after_request` (headers, metrics, log line) | 70 µs | kept |",
        "",
        "After, in the same way: company by id 551 µs, list page 520 µs (690 before), search 552 µs. Under one "
        "gunicorn worker (wrk -c 8, medians of 3 × 5 s, one after the other): by id 625 → 967 req/s, 304 640 → "
        "829, list 682 → 843, search 657 → 768, while the floor answers about 3,000; counting the limit "
        "directly added 5–15 % more (two workers side by side, runs interleaved). Two more fixed costs: "
        "gunicorn recycled each worker after 10,000 requests, and a worker's start costs 1.7 s of CPU, so at "
        "this rate a worker restarted every few seconds (now 100,000, `GUNICORN_MAX_REQUESTS`); and "
        "`App.ensure_sync` never remembered a view's method, which comes bound anew on every request (now "
        "keyed by its function). Then about 5 % more (same way): remembered ETags and replays keyed by the URL's "
        "parts instead of werkzeug's `request.url`, which builds the URL anew, and the second URL match that "
        "tells whether another rule shadows the matched one made only where another rule may share the "
        "request's path (found once per URL map). What was left was mostly the rate-limit count's round trip.",
        "",
        "The third step removed it from most requests. Counted with `strace -c -f` on one worker under wrk, a "
        "replayed company by id made per request the Redis call's send, receive and two polls (the socket's "
        "timeout), two `getrandom` (the request id's uuid4, the version's random start) and about 107 futex "
        "calls against the floor's 50: every system call that releases the GIL hands it to another thread, "
        "and on this virtual machine that costs more than the call. With the count swapped for a constant (no "
        "Redis, same run, one worker) the worker went from about 710 to 1,000 req/s and from 1,500 to 1,000 µs "
        "of CPU per request (user and system, read from `/proc`). So the data version now comes by "
        "subscription (`api/data_version.py`: each process keeps a thread subscribed to the channel the "
        "write's script publishes on; the writer takes its own new version at once) and a client that keeps "
        "asking is counted in leases (`api/ratelimits.py`: up to 64 hits added to its count at once, never "
        "more than a sixteenth of what its limit has left, refused locally once Redis refused it; no client "
        "gets past its limit, tests/test_shared_counts.py). One worker, the old and new code side by side, "
        "runs alternated: 744–905 → 950–1,158 req/s, 1,180–1,440 → 905–1,095 µs of CPU per request. Request "
        "ids now come from Python's generator (no `getrandom`). For every request, also `/healthz`: the log "
        "record no longer gathers thread and process (`logging.logThreads` and friends), the metrics' "
        "samples no longer call `getpid` (prometheus_client's `MultiProcessValue` with a pid kept at fork), "
        "and Flask-Limiter's `after_request` and teardown, which add headers this app writes itself and settle "
        "`deduct_when` limits it has none of, are not registered: `/healthz` in process 192 → 170 µs (hash seed "
        "fixed, runs alternated). In a replayed 304's profile `Vary` (werkzeug's `response.vary` parsed and "
        "rewritten by three hooks) and the role's limits parsed anew took 7.5 % and 7.3 %: `Vary` is written "
        "once (`api.caching.vary_on`) and a setting's limits parsed once; apart, these are within this "
        "machine's noise. The 304 scenario runs after its record's kept answer has expired (60 s), so it "
        "took the view's path: of a 304 the ETag is now kept too, and the replay returns the 304 instead of "
        "raising it through Flask's and Flask-CORS's exception handling (one worker, revalidations only, "
        "side by side: 1,130–1,236 → 1,322–1,394 req/s).",
        "",
        "A PATCH (in process, PostgreSQL, the benchmark's body, py-spy on the process): about 9 ms of CPU: "
        "the search document 1.2 ms, checking linked records 1.2 ms, loading the company and its spearheads "
        "1.2 ms, the ORM flush 1.0 ms, the merge patch's load 0.8 ms, the ETag's stamps after commit 0.65 ms, "
        "the key 0.5 ms, the stamp 0.4 ms; about 4.5 ms pass between the stamp and the commit, under the "
        "table's lock. Done: the search document is rewritten only when searched text, publication or "
        "liveness changes; links a write keeps are not looked up again; audit entries are one insert at "
        "commit; one schema instance per writer. CPU per PATCH went from 9.4–9.9 ms to 8.6–9.4 ms (old and "
        "new alternately, same run). At 8–9 ms of CPU per PATCH, 2 cores shared with wrk and PostgreSQL "
        "cannot give 256 PATCHes per second: that needs under 4 ms of the app's CPU per write, a rewrite of "
        "the write path rather than a trim (doing the Python work before the lock, one statement for the "
        "audit entry and the change row).",
        "",
        "The fourth step. A PATCH, profiled again (in process and on the workers under wrk): its answer's ETag "
        "opened a transaction after the commit to read the stamps of the linked records; they are now taken "
        "from the records the write loaded (`record_etag`), which the session holds for the request (its "
        "identity map holds them only weakly, so the municipality was read again); the API key is read as a "
        "row of the columns a request needs; term counts are added in the upsert that writes them. In process, "
        "about 7.9 → 6.5 ms of CPU per PATCH; under gunicorn (old and new code side by side, runs alternated, "
        "a loaded machine) 70–80 → 81–90 PATCH/s and 11.8–13.7 → 10.2–12.0 ms of the workers' CPU per PATCH. "
        "What bounds it: with 8 writers on 2 cores, the table's write lock is held from the stamp to the commit "
        "while its holder competes for the CPU; taking the lock away altogether (an experiment, not the code) "
        "gave about +22 %, and leaving out the search document's rewrite about +12 %. The floor that writes "
        "(`bench/write_floor_app.py`) spends about 3 ms of the workers' CPU per write. For `/healthz` (what "
        "every request pays): the hooks read `request` and `g` once rather than through Flask's proxies, count "
        "the metrics through kept children, write the access line without a `LogRecord` while only the app's "
        "handler would see it, look headers up without werkzeug's exceptions, and `blp.doc` and "
        "`alt_response` no longer wrap the view: in process about 0.71 × the cost before (alternated runs); "
        "under one gunicorn worker 1,395–1,448 → 1,511–1,630 req/s. What remains is mostly Flask's: the "
        "request context (about a fifth), the response, the view chain, teardown.",
        "",
        "The fifth step, on another machine (an AMD EPYC with about a third of its time taken by the "
        "hypervisor, where the floor answers about half what it did on the Xeon of the fourth step). "
        "`/healthz`: the liveness view answers its fixed bytes, serialised once and documented by the same "
        "schema (the OpenAPI document's bytes unchanged), instead of a schema dump through flask-smorest's "
        "response wrapper; and Flask-CORS's `after_request`, which matched every answer's path against its "
        "resource (`/api/*`) after a failed header lookup, runs for `/api/` paths only. In process, the old and "
        "the new code alternated, `/healthz` went from 2.11–2.36 to 1.77–2.02 times the floor's time. The "
        "API key's row is read by a Core statement on the session's connection (every keyed request): "
        "502 → 406 µs of CPU per lookup here. A PATCH, sampled in process with `py-spy --gil`: of the "
        "interpreter's time, SQLAlchemy 47 %, psycopg 18 %, werkzeug and Flask 7 %, marshmallow 4 %, the "
        "app's own code 13 %; by step, loading the company and its spearheads 16 %, the flush (the row's "
        "UPDATE and the search document's four statements) 23 %, the key 8 %, the stamp 6 %, the "
        "municipality's check 7 %, the audit entry and the change row 8 %. A statement costs 400–800 µs of "
        "CPU through SQLAlchemy here against 160 µs through psycopg alone, and a PATCH makes twelve. Against "
        "the code the issue measured its 128 PATCH/s on, `bench/write_baseline.py --ref fc31302` (that "
        "commit with its own dependencies and database, served beside this one with the same settings, "
        "runs alternated) gave 56 PATCH/s for it and 70 for this code, which also records each write in "
        "the change feed: 1.24 ×. Twice needs about half the statements or half the ORM's work per "
        "statement: a write path past the ORM's unit of work, not a trim.",
        "",
    ]


def reproduce() -> list[str]:
    return [
        "## How to reproduce",
        "",
        "On a Debian or Ubuntu machine with PostgreSQL and Redis running locally:",
        "",
        "```sh",
        "apt-get install wrk",
        "bin/setup && .venv/bin/pip install -e '.[bench]'",
        ".venv/bin/python bench/run.py                      # 10,000 and 100,000 companies on PostgreSQL",
        ".venv/bin/python bench/run.py --sizes 1000 --duration 3 --database sqlite   # a quick check",
        "apt-get install nginx",
        ".venv/bin/python bench/shared_cache.py            # then: nginx's proxy_cache in front (section below)",
        "```",
        "",
        "The script creates (and drops) its own `bench_*` databases on the server named by `--postgres-url`, "
        "starts the servers on free loopback ports and rewrites this page and its plot. Figures move with the "
        "machine's load; compare ratios from one run, not absolute figures across runs.",
    ]
