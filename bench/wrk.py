"""Runs wrk and reads its --latency report into numbers."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or see https://github.com/wg/wrk."
# wrk prints durations with these units (format_time_us in wrk's units.c).
TIME_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_TIME = r"([\d.]+)(us|ms|s|m|h)"
PERCENTILE = re.compile(rf"^\s*(\d+(?:\.\d+)?)%\s+{_TIME}\s*$", re.MULTILINE)
REQUESTS = re.compile(rf"^\s*(\d+) requests in {_TIME}", re.MULTILINE)
RATE = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$", re.MULTILINE)
SOCKET_ERRORS = re.compile(
    r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE
)


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    """One wrk run: throughput, latency percentiles in seconds, and every answer that was not a success."""

    rps: float
    requests: int
    duration: float
    latency: dict[float, float]
    non_2xx_3xx: int
    socket_errors: int
    output: str

    @property
    def p50(self) -> float:
        return self.latency[50.0]

    @property
    def p99(self) -> float:
        return self.latency[99.0]


def seconds(value: str, unit: str) -> float:
    return float(value) * TIME_UNITS[unit]


def parse(output: str) -> Result:
    """Read wrk's text report; refuse one that lacks a figure rather than guess it."""
    rate = RATE.search(output)
    total = REQUESTS.search(output)
    latency = {float(share): seconds(value, unit) for share, value, unit in PERCENTILE.findall(output)}
    if rate is None or total is None or not {50.0, 99.0} <= latency.keys():
        raise WrkError(f"wrk's report lacks Requests/sec, the request count or the 50%/99% latency:\n{output}")
    non_2xx = NON_2XX.search(output)
    errors = SOCKET_ERRORS.search(output)
    return Result(
        rps=float(rate.group(1)),
        requests=int(total.group(1)),
        duration=seconds(total.group(2), total.group(3)),
        latency=latency,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
        output=output,
    )


def executable() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkError(INSTALL_HINT)
    return path


def version() -> str:
    # `wrk -v` prints its version line and then the usage, exiting non-zero.
    answer = subprocess.run([executable(), "-v"], capture_output=True, text=True)
    first = (answer.stdout or answer.stderr).splitlines()[0]
    return first.split(" Copyright")[0].removeprefix("wrk ").strip()


@dataclass(frozen=True)
class Load:
    """The same load for every scenario: wrk's connections, threads, duration and timeout."""

    connections: int
    threads: int
    duration: int
    timeout: int

    def describe(self) -> str:
        return (
            f"wrk --latency -c {self.connections} -t {self.threads} -d {self.duration}s --timeout {self.timeout}s"
        )


def run(load: Load, url: str, *, duration: int | None = None, headers: dict[str, str] | None = None,
        script: Path | None = None, env: dict[str, str] | None = None) -> Result:
    command = [
        executable(), "--latency", "-c", str(load.connections), "-t", str(load.threads),
        "-d", f"{duration or load.duration}s", "--timeout", f"{load.timeout}s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    answer = subprocess.run(command + [url], capture_output=True, text=True, env=env)
    if answer.returncode != 0:
        raise WrkError(f"wrk failed ({answer.returncode}): {answer.stderr or answer.stdout}")
    return parse(answer.stdout)
