"""Every `curl` example in README.md and docs/*.md answers as the page says, against a real server with the seed data.

The examples are written for `bin/serve` (http://127.0.0.1:8000); the test runs each page's examples in
order, as a reader would, against gunicorn on another loopback port. Conventions for the examples:

- A command is a line starting with `curl` in a fenced code block (a trailing `\\` continues it).
- Hosts are 127.0.0.1 or localhost only.
- Placeholders, written as shell variables, are filled in by this test:
  `$ADMIN_KEY`, `$EDITOR_KEY`, `$PARTNER_KEY` (a key of that role, as `flask keys create` prints it),
  `$COMPANY_ID` (Havukankaan Sahatavara Oy), `$EVENT_ID` (the strategy workshop), and `$ETAG` (the
  current ETag of the URL the command names, read with a GET just before).
- A command answers 2xx or 3xx unless a comment on its line gives the status: `# → 412`.
- `-o FILE` saves the body in the page's working directory, where `@FILE` (in `-d`, `--data-binary`) reads it.
"""

import http.client
import re
import shlex
import urllib.parse
from pathlib import Path

import pytest

from tests.live import ROOT, gunicorn

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
EXPECTED = re.compile(r"#\s*→\s*(\d{3})\s*$")
PLACEHOLDER = re.compile(r"\$([A-Z_]+)")
FLAGS = {"-s", "--silent", "-S", "--show-error", "-i", "--include", "-v", "--verbose", "-g", "--globoff", "-f", "--fail"}
DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii"}


def curl_examples(page: Path) -> list[str]:
    commands = []
    for block in FENCE.findall(page.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("curl "):
                commands.append(line.strip())
    return commands


def parse(command: str, workdir: Path) -> dict:
    """The request a curl command line sends: method, URL, headers, body; and where to save the answer."""
    expected = EXPECTED.search(command)
    words = shlex.split(command[: expected.start()] if expected else command)[1:]
    request = {"method": None, "url": None, "headers": {}, "body": None, "output": None, "get_data": False,
               "expected": int(expected.group(1)) if expected else None}
    data = []
    while words:
        word = words.pop(0)
        if word in FLAGS:
            continue
        if word in ("-X", "--request"):
            request["method"] = words.pop(0)
        elif word in ("-I", "--head"):
            request["method"] = "HEAD"
        elif word in ("-H", "--header"):
            name, _, value = words.pop(0).partition(":")
            request["headers"][name.strip()] = value.strip()
        elif word in DATA:
            value = words.pop(0)
            data.append((workdir / value[1:]).read_bytes() if value.startswith("@") else value.encode())
        elif word == "--json":
            data.append(words.pop(0).encode())
            request["headers"].setdefault("Content-Type", "application/json")
            request["headers"].setdefault("Accept", "application/json")
        elif word in ("-G", "--get"):
            request["get_data"] = True
        elif word == "--data-urlencode":
            name, _, value = words.pop(0).partition("=")
            data.append(f"{name}={urllib.parse.quote(value)}".encode())
        elif word in ("-o", "--output"):
            request["output"] = workdir / words.pop(0)
        elif word.startswith("-"):
            raise AssertionError(f"curl option {word} is not understood by tests/test_docs.py: {command}")
        else:
            assert request["url"] is None, f"two URLs: {command}"
            request["url"] = word
    if request["get_data"]:
        separator = "&" if "?" in request["url"] else "?"
        request["url"] += separator + "&".join(part.decode() for part in data)
    elif data:
        request["body"] = b"&".join(data)
        request["headers"].setdefault("Content-Type", "application/x-www-form-urlencoded")
    request["method"] = request["method"] or ("POST" if request["body"] is not None else "GET")
    return request


def send(base: urllib.parse.SplitResult, method: str, url: str, headers: dict, body: bytes | None):
    target = urllib.parse.urlsplit(url)
    assert target.hostname in ("127.0.0.1", "localhost"), f"examples call the local server only: {url}"
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
    try:
        connection.request(method, target.path + (f"?{target.query}" if target.query else ""), body, headers)
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server(database_url):
    with gunicorn(database_url, workers=1, threads=4) as process:
        yield urllib.parse.urlsplit(process.base_url)


@pytest.fixture
def placeholders(seeded, create_key, anonymous):
    (company,) = anonymous.get("/api/v1/companies?business_id=9832957-5").get_json()
    (event,) = anonymous.get("/api/v1/events").get_json()
    return {
        "ADMIN_KEY": create_key("admin"), "EDITOR_KEY": create_key("editor"), "PARTNER_KEY": create_key("partner"),
        "COMPANY_ID": company["id"], "EVENT_ID": event["id"],
    }


def test_the_pages_have_examples():
    assert sum(len(curl_examples(page)) for page in PAGES) >= 20  # a test that finds nothing to run fails


@pytest.mark.parametrize("page", [page for page in PAGES if curl_examples(page)], ids=lambda page: page.name)
def test_every_curl_example_answers_as_documented(page, server, placeholders, tmp_path):
    failures = []
    for command in curl_examples(page):
        unknown = set(PLACEHOLDER.findall(command)) - set(placeholders) - {"ETAG"}
        assert not unknown, f"unknown placeholders {unknown} in: {command}"
        filled = PLACEHOLDER.sub(lambda match: placeholders.get(match.group(1), match.group(0)), command)
        request = parse(filled, tmp_path)
        headers = dict(request["headers"])
        if "$ETAG" in str(headers):
            auth = {key: value for key, value in headers.items() if key == "Authorization"}
            _, current, _ = send(server, "GET", request["url"], auth, None)
            headers = {key: value.replace("$ETAG", current["ETag"]) for key, value in headers.items()}
        status, _, body = send(server, request["method"], request["url"], headers, request["body"])
        if request["output"]:
            request["output"].write_bytes(body)
        ok = status == request["expected"] if request["expected"] else 200 <= status < 400
        if not ok:
            failures.append(f"{command}\n  → {status}: {body[:300]!r}")
    assert not failures, "\n".join(failures)
