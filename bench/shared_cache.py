"""Anonymous reads through nginx's proxy_cache against the app itself, and how soon a write shows through it.

    .venv/bin/python bench/shared_cache.py [--companies 10000] [--duration 5] [--repeats 3] [--max-age 5]

A fresh database with N synthetic companies; the app under gunicorn (gunicorn.conf.py, production
settings on PostgreSQL) with CACHE_MAX_AGE=--max-age; in front of it nginx (Debian's `nginx`) running
the configuration that docs/operations.md shows, written into a temporary directory with loopback
ports. wrk measures an anonymous list page and a company by id through nginx and straight from
gunicorn, interleaved, and prints the medians and their ratio. Then a company's name is changed
with an editor's key and the script polls the cached URL until the new name shows, printing how long
that took beside the max-age. With --output, the figures replace the section "Through a shared cache"
of that page (docs/benchmarks.md, which bench/run.py writes first).
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers, wrk  # noqa: E402
from bench.run import editor_key, header  # noqa: E402

DOCUMENTED = ROOT / "docs" / "operations.md"
LIST = "/api/v1/companies?municipality=226&page_size=50"


def documented_configuration() -> str:
    """The ```nginx block of docs/operations.md, so that what is measured is what operators are shown."""
    (block,) = re.findall(r"```nginx\n(.*?)```", DOCUMENTED.read_text(encoding="utf-8"), re.DOTALL)
    return block


def nginx_configuration(folder: Path, listen: int, upstream: int) -> str:
    site = documented_configuration()
    site = site.replace("/var/cache/nginx/directory", str(folder / "cache"))
    site = site.replace("server 127.0.0.1:8000;", f"server {servers.HOST}:{upstream};")
    site = site.replace("listen 80;", f"listen {servers.HOST}:{listen};")
    temp = folder / "temp"
    return f"""
daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""


class Nginx:
    def __init__(self, folder: Path, upstream: int):
        self.folder = folder
        self.port = servers.free_port()
        (folder / "temp").mkdir()
        # nginx's workers drop to `nobody` when the master runs as root: they must write the cache and temp files.
        for path in (folder, folder / "temp"):
            path.chmod(0o777)
        self.conf = folder / "nginx.conf"
        self.conf.write_text(nginx_configuration(folder, self.port, upstream), encoding="utf-8")
        self.base_url = f"http://{servers.HOST}:{self.port}"

    def __enter__(self):
        executable = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([executable, "-t", "-q", "-c", str(self.conf), "-p", str(self.folder)], check=True)
        self.process = subprocess.Popen([executable, "-c", str(self.conf), "-p", str(self.folder)])
        deadline = time.monotonic() + 10
        while True:
            try:
                servers.Server("nginx", "", {}, self.folder / "error.log", port=self.port).request("GET", "/healthz")
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("nginx did not start:\n" + (self.folder / "error.log").read_text())
                time.sleep(0.1)

    def __exit__(self, *_exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def through(port: int, method: str, path: str, headers=None, body=None):
    return servers.Server("client", "", {}, Path("/dev/null"), port=port).request(method, path, headers, body)


def measure(load, label: str, urls: dict[str, str], repeats: int, warmup: int) -> dict[str, float]:
    results: dict[str, list[float]] = {side: [] for side in urls}
    for url in urls.values():
        wrk.run(load, url, duration=warmup)
    sides = list(urls)
    for repeat in range(repeats):
        for side in (sides if repeat % 2 == 0 else sides[::-1]):
            result = wrk.run(load, urls[side])
            if result.non_2xx_3xx:
                raise RuntimeError(f"{label} {side}: {result.non_2xx_3xx} answers not 2xx/3xx")
            results[side].append(result.rps)
            print(f"{label:<22} {side:<12} {result.rps:9.1f} req/s  p50 {result.p50 * 1000:6.2f} ms", flush=True)
    medians = {side: statistics.median(values) for side, values in results.items()}
    print(f"{label:<22} median direct {medians['direct']:.0f}, through nginx {medians['nginx']:.0f} req/s: "
          f"{medians['nginx'] / medians['direct']:.1f} × the app alone", flush=True)
    return medians


def write_visibility(app, nginx: Nginx, company: str, authorization: str, max_age: int) -> float:
    """Seconds from a committed change of a company's name until an anonymous read through nginx shows it."""
    path = f"/api/v1/companies/{company}"
    status, headers, _ = through(nginx.port, "GET", path)
    assert status == 200, status
    status, headers, _ = app.request("GET", path, {"Authorization": authorization})
    name = f"Renamed {uuid.uuid4().hex[:6]}"
    edit = {"Authorization": authorization, "Content-Type": "application/merge-patch+json", "If-Match": header(headers, "ETag")}
    status, headers, _ = app.request("PATCH", path, edit, json.dumps({"name": name}).encode())
    written = time.monotonic()
    if status != 200:
        raise RuntimeError(f"PATCH {path} answered {status}")
    cached = []
    while True:
        status, headers, body = through(nginx.port, "GET", path)
        cached.append(header(headers, "X-Cache-Status"))
        if json.loads(body)["name"] == name:
            seen = time.monotonic() - written
            break
        if time.monotonic() - written > max_age + 30:
            raise RuntimeError(f"The write was not visible through nginx after {max_age + 30} s")
        time.sleep(0.05)
    print(f"A write showed through nginx after {seen:.2f} s (CACHE_MAX_AGE={max_age}); cache statuses while "
          f"polling: {', '.join(f'{status} × {cached.count(status)}' for status in dict.fromkeys(cached))}", flush=True)
    return seen


SECTION = "## Through a shared cache (nginx)"


def write_section(output: Path, lines: list[str]) -> None:
    page = output.read_text(encoding="utf-8")
    before, _, rest = page.partition(SECTION)
    if rest:  # an earlier run's section: replace it, up to the next section
        rest = rest[rest.index("\n## "):] if "\n## " in rest else ""
    else:
        before, marker, rest = page.partition("## How to reproduce")
        rest = marker + rest
    output.write_text(before + "\n".join([SECTION, "", *lines, "", ""]) + rest.lstrip("\n"), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--max-age", type=int, default=5, help="CACHE_MAX_AGE of the app for this run")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--output", type=Path, help="the page whose shared-cache section to rewrite")
    options = parser.parse_args()
    wrk.executable()
    load = wrk.Load(options.connections, options.connections, options.duration, timeout=10)
    env = {**servers.server_environment(options.database, options.redis_url), "TRUSTED_PROXIES": "1",
           "CACHE_MAX_AGE": str(options.max_age), "CACHE_STALE_WHILE_REVALIDATE": str(2 * options.max_age)}
    settings = servers.gunicorn_settings(env)
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as scratch, \
            servers.fresh_database(options.database, options.postgres_url, "cache") as database:
        folder = Path(scratch)
        servers.flask(database, "db", "upgrade")
        servers.flask(database, "seed")
        servers.flask(database, "seed", "--synthetic", str(options.companies))
        database.analyze()
        authorization = editor_key(database)
        nginx_version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
        setting = (f"{options.companies:,} companies on {options.database}; gunicorn {settings['workers']} workers × "
                   f"{settings['threads']} threads, `CACHE_MAX_AGE={options.max_age}`; nginx {nginx_version} with the "
                   f"configuration of docs/operations.md; `{load.describe()}`, medians of {options.repeats} interleaved runs")
        print(setting, flush=True)
        rows = []
        with servers.serve("app", "wsgi:app", {**env, "DATABASE_URL": database.url}, settings["workers"], folder) as app, \
                Nginx(folder, app.port) as nginx:
            company = json.loads(app.request("GET", LIST)[2])[0]["id"]
            for label, path in (("List page of 50", LIST), ("Company by id", f"/api/v1/companies/{company}")):
                through(nginx.port, "GET", path)
                status, headers, _ = through(nginx.port, "GET", path)
                print(f"{label}: {header(headers, 'Cache-Control')}; nginx says {header(headers, 'X-Cache-Status')}")
                medians = measure(load, label, {"direct": app.base_url + path, "nginx": nginx.base_url + path},
                                  options.repeats, options.warmup)
                rows.append(f"| {label} (anonymous) | {medians['direct']:.0f} | {medians['nginx']:.0f} | "
                            f"{medians['nginx'] / medians['direct']:.1f} × |")
            seen = write_visibility(app, nginx, company, authorization, options.max_age)
    if options.output:
        write_section(options.output, [
            f"Written by `bench/shared_cache.py` on {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC: {setting}.",
            "",
            "| read | app alone (req/s) | through nginx (req/s) | ratio |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
            f"A company renamed with an editor's key showed in anonymous reads through nginx {seen:.2f} s after "
            f"the write was answered (`CACHE_MAX_AGE={options.max_age}`): within the max-age, as the "
            "configuration promises; readers with a key are never answered from the cache.",
        ])


if __name__ == "__main__":
    main()
