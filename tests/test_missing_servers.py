"""Without Redis the tests that need it are skipped, saying why; under CI=true they fail instead."""

import os
import subprocess
import sys

import pytest

from tests.live import ROOT, free_port

NEEDS_REDIS = "tests/test_ratelimits.py::test_clearing_one_apps_counts_leaves_another_apps_in_the_same_redis"


def _run_without_redis(ci: str) -> subprocess.CompletedProcess:
    environ = {name: value for name, value in os.environ.items() if name not in ("CI", "TEST_POSTGRES_URL")}
    environ.update(CI=ci, TEST_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # a port nothing listens on
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", NEEDS_REDIS],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(("ci", "exit_code", "outcome"), [("", 0, "1 skipped"), ("true", 1, "1 error")])
def test_a_missing_redis_skips_except_under_ci(ci, exit_code, outcome):
    run = _run_without_redis(ci)
    assert run.returncode == exit_code, run.stdout[-3000:]
    assert outcome in run.stdout and "needs Redis at redis://127.0.0.1:" in run.stdout, run.stdout[-3000:]
