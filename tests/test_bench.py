"""The benchmark reads wrk's report exactly, whatever units wrk chose, and refuses a report it cannot read."""

import pytest

from bench import wrk

REPORT = """\
Running 10s test @ http://127.0.0.1:8765/api/v1/companies
  8 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.89ms    5.39ms   1.02s    94.93%
    Req/Sec   321.70     72.39   444.00     75.00%
  Latency Distribution
     50%  812.00us
     75%    4.32ms
     90%    6.75ms
     99%    1.20s
  25642 requests in 10.00s, 326.02MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 17
Requests/sec:   2564.12
Transfer/sec:     32.60MB
PATCH scenario: gets 8, patches 25634, failed_gets 0, failed_patches 17
"""


def test_a_report_is_read_with_its_units():
    result = wrk.parse(REPORT)
    assert result.rps == 2564.12
    assert result.requests == 25642
    assert result.duration == 10.0
    assert result.p50 == pytest.approx(812e-6)
    assert result.latency[75.0] == pytest.approx(4.32e-3)
    assert result.p99 == pytest.approx(1.2)
    assert (result.non_2xx_3xx, result.socket_errors) == (17, 5)


def test_a_clean_run_has_no_failures():
    clean = "\n".join(line for line in REPORT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert (wrk.parse(clean).non_2xx_3xx, wrk.parse(clean).socket_errors) == (0, 0)


@pytest.mark.parametrize("missing", ["Requests/sec", "requests in", "99%"])
def test_a_report_without_a_figure_is_refused(missing):
    with pytest.raises(wrk.WrkError):
        wrk.parse("\n".join(line for line in REPORT.splitlines() if missing not in line))
