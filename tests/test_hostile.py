"""A catalogue of hostile input against every write and list operation of the OpenAPI document.

Each must be a 4xx problem answer (never a 500) and a rejected write must leave the data as it was.
"""

import json
import re
import time
import tracemalloc

import pytest

from tests import payloads
from tests.live import gunicorn, send_truncated

INJECTIONS = ["'; DROP TABLE companies; --", "<script>alert(1)</script>", "\" OR 1=1 --", "${jndi:ldap://x}"]

HOSTILE_BODIES = {
    "truncated JSON": b'{"name": "Saha',
    "malformed JSON": b"{name: 'x'}",
    "trailing garbage": b'{"name": "x"} {}',
    "invalid UTF-8": b'{"name": "\xc3\x28"}',
    "lone surrogate": b'{"name": "\\ud800"}',
    "deep nesting": b'{"a":' * 200 + b"1" + b"}" * 200,
    "deep arrays": b"[" * 5000 + b"]" * 5000,
    "NaN": b'{"population": NaN}',
    "huge number": b'{"population": 1e400, "priority": 99999999999999999999999999}',
    "array body": b"[1, 2, 3]",
    "string body": b'"hello"',
    "null body": b"null",
    "wrong types": json.dumps({"name": 5, "title": "x", "tags": "saha", "growth_seeking": "yes", "start_time": 12, "municipalities": "226", "priority": "high", "latitude": "north"}).encode(),
    "huge string": json.dumps({"name": "x" * 500_000, "title": {"fi": "x" * 500_000}}).encode(),
    "huge array": json.dumps({"tags": ["x"] * 50_000, "municipalities": ["226"] * 50_000}).encode(),
    "NUL bytes": json.dumps({"name": "a\u0000b", "title": {"fi": "a\u0000b"}, "slug": "a\u0000b", "code": "2\u000026"}).encode(),
    "big integers": json.dumps({"population": 2**70, "founded_year": -(2**70), "priority": 2**64}).encode(),
    # Within the 64 levels a body may have: every merge patch and schema walks these to their end.
    "deep objects within the limit": json.dumps({field: payloads.nested(62) for field in ("name", "title", "description")}).encode(),
    "deep arrays within the limit": json.dumps({"tags": payloads.nested(62, key=None), "municipalities": payloads.nested(62, key=None)}).encode(),
    "a body of 60,000 unknown fields": json.dumps({f"field{n}": n for n in range(60_000)}).encode(),
    "a body of 20,000 empty lists": json.dumps({"tags": [[]] * 20_000}).encode(),
}

# Each hostile query string and what every list must answer: 400 for a NUL byte, else 422 naming the parameter.
HOSTILE_QUERIES = {
    "page=-1": 422, "page=0": 422, "page=99999999999999999999": 422, "page_size=-5": 422, "page_size=1000000": 422,
    "page=1.5": 422, "page=1&page=2": 422, "page=": 422, "page_size=%20": 422, "sort=;DROP": 422, "sort=name;--": 422,
    "unknown_parameter=1": 422, "updated_since=not-a-time": 422, "updated_since=0001-01-01T00:00:00%2B14:00": 422,
    "include_deleted=2": 422, "page=%00": 400, "q=%00": 400, "municipality=%27%20OR%201%3D1": 422,
    "municipality=12345678901234567890": 422,
}
# The lists of the document are found by their `page` parameter; these nine at least (tests/test_openapi.py
# names each). Finding fewer means the document lost them, and this test would check nothing.
LISTS = 9


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def _snapshot(client) -> dict:
    return {
        path: client.get(f"{path}?include_deleted=true&page_size=100").get_json()
        for path in ("/api/v1/companies", "/api/v1/events", "/api/v1/spearheads", "/api/v1/municipalities")
    }


def _webhook(client) -> str:
    listed = client.get("/api/v1/webhooks?page_size=1").get_json()
    if listed:
        return listed[0]["id"]
    return client.post("/api/v1/webhooks", json={"url": "https://127.0.0.1:9/hook", "events": ["*"]}).get_json()["id"]


def _inquiry(client) -> str:
    listed = client.get("/api/v1/inquiries?page_size=1").get_json()
    if listed:
        return listed[0]["id"]
    body = {"name": "Maria", "email": "maria@example.com", "message": "Hei", "municipality": "226", "consent": True}
    return client.post("/api/v1/inquiries", json=body).get_json()["id"]


def _concrete(client, template: str) -> str | None:
    """Fill a path template with a real record of the seeded data."""
    samples = {
        "webhook_id": _webhook(client),
        "inquiry_id": _inquiry(client),
        "site_id": client.get("/api/v1/sites?page_size=1").get_json()[0]["id"],
        "action_id": client.get("/api/v1/actions?page_size=1").get_json()[0]["id"],
        "company_id": client.get("/api/v1/companies?page_size=1").get_json()[0]["id"],
        "event_id": client.get("/api/v1/events?page_size=1").get_json()[0]["id"],
        "id_or_slug": client.get("/api/v1/spearheads?page_size=1").get_json()[0]["slug"],
        "code": "226",
    }
    try:
        return re.sub(r"{(\w+)}", lambda m: samples[m.group(1)], template)
    except KeyError:
        return None


def _operations(spec, methods):
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            if method in methods:
                yield path, method, operation


def _assert_problem(answer, context):
    assert 400 <= answer.status_code < 500, (context, answer.status_code, answer.data[:300])
    assert answer.content_type == "application/problem+json", context


def test_hostile_bodies_on_every_write(client, seeded, spec):
    before = _snapshot(client)
    for template, method, operation in _operations(spec, {"post", "put", "patch"}):
        path = _concrete(client, template)
        if path is None or "requestBody" not in operation:
            continue  # an operation without a body (such as a ping) reads none
        media = next(iter(operation["requestBody"]["content"]))
        for name, body in HOSTILE_BODIES.items():
            headers = {"If-Match": client.get(path).headers.get("ETag", '"x"')}
            answer = client.open(path, method=method.upper(), data=body, content_type=media, headers=headers)
            _assert_problem(answer, (method, path, name))
        for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded", None):
            answer = client.open(path, method=method.upper(), data=b'{"name": "x"}', content_type=content_type)
            _assert_problem(answer, (method, path, content_type))
    assert _snapshot(client) == before


def test_hostile_queries_on_every_list(client, seeded, spec):
    lists = [(template, operation) for template, _, operation in _operations(spec, {"get"})
             if "page" in {parameter["name"] for parameter in operation.get("parameters", [])}]
    assert len(lists) >= LISTS, [template for template, _ in lists]
    for template, operation in lists:
        path = _concrete(client, template)
        for query, status in HOSTILE_QUERIES.items():
            answer = client.get(f"{path}?{query}")
            _assert_problem(answer, (path, query))
            assert answer.status_code == status, (path, query, answer.get_json())
            if status == 422:
                named = {field.split(".")[0] for field in answer.get_json()["errors"]}
                assert query.split("=")[0] in named, (path, query, answer.get_json())


def test_injection_strings_are_stored_and_returned_verbatim(client):
    for text in INJECTIONS:
        answer = client.post(
            "/api/v1/spearheads",
            json=payloads.spearhead(f"s{INJECTIONS.index(text)}", title={"fi": text}, description={"fi": text}),
        )
        assert answer.status_code == 201, answer.data
        stored = client.get(answer.headers["Location"]).get_json()
        assert stored["title"]["fi"] == text and stored["description"]["fi"] == text
    assert len(client.get("/api/v1/spearheads").get_json()) == len(INJECTIONS)
    searched = client.get("/api/v1/municipalities", query_string={"q": "'; DROP TABLE municipalities; --"})
    assert searched.status_code == 200 and searched.get_json() == []


def test_body_shorter_than_its_content_length_is_400(database_url, client):
    head = (
        b"POST /api/v1/spearheads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 500\r\nConnection: close\r\n\r\n"
    )
    with gunicorn(database_url, workers=1) as server:
        status, rest = send_truncated(server.base_url, head, json.dumps(payloads.spearhead()).encode())
    assert status == b"400", rest
    assert b"application/problem+json" in rest
    assert client.get("/api/v1/spearheads").get_json() == []


def _import(client, body: bytes):
    return client.post("/api/v1/companies/import?dry_run=true", data=body, content_type="application/json")


@pytest.mark.parametrize("name", payloads.HOSTILE_IMPORTS)
def test_hostile_imports_are_refused(seeded, client_with, name):
    """Even an editor of one municipality must not be able to make a worker run out of memory or time."""
    editor = client_with("editor", "226")
    before = _snapshot(editor)
    started = time.monotonic()
    answer = _import(editor, payloads.HOSTILE_IMPORTS[name])
    _assert_problem(answer, name)
    if answer.status_code == 400 and "deep" in name:
        assert "nested deeper than 3 levels" in answer.get_json()["detail"]
    assert time.monotonic() - started < 20, name  # the old parser took minutes, or the whole machine
    assert _snapshot(editor) == before


@pytest.mark.parametrize(
    "body",
    [
        payloads.import_row("tags", payloads.deep_bytes(10_000, b"[", b"]", b"")),
        payloads.import_row("description", payloads.deep_bytes(10_000, b'{"fi":', b"}")),
        payloads.import_row("tags", b"[" + b",".join([b'"x"'] * 300_000) + b"]"),
    ],
    ids=["deep arrays", "deep objects", "wide list"],
)
def test_an_import_is_refused_as_it_is_read(client, body):
    """Refused with the memory of a parser buffer, not of the nesting (which grew with its square)."""
    tracemalloc.start()
    try:
        answer = _import(client, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status_code == 400, answer.data[:300]
    assert peak < 24 * 1024 * 1024, peak


def test_deep_merge_patches_within_the_limit(client, seeded):
    """A PATCH may nest 64 levels; the merge patch and the schema answer it with a 422, not a RecursionError."""
    company = client.get("/api/v1/companies?page_size=1").get_json()[0]
    path = f"/api/v1/companies/{company['id']}"
    etag = client.get(path).headers["ETag"]
    for field in ("description", "name", "tags"):
        answer = client.patch(path, json={field: payloads.nested(62)}, headers={"If-Match": etag})
        assert answer.status_code == 422, (field, answer.data[:300])
        assert field in answer.get_json()["errors"] or any(key.startswith(field) for key in answer.get_json()["errors"])
    too_deep = client.patch(path, json={"description": payloads.nested(64)}, headers={"If-Match": etag})
    assert too_deep.status_code == 400
    assert client.get(path).headers["ETag"] == etag


def test_an_overlong_list_is_refused_before_its_items_are_checked(client):
    """5,000 bad items answer one message, not 5,000 (an answer fifteen times the body's size)."""
    answer = client.post("/api/v1/companies", json=payloads.company(tags=[[]] * 5000, spearheads=[1] * 5000))
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"tags": ["At most 200 items."], "spearheads": ["At most 100 items."]}


@pytest.mark.parametrize("path", ["/api/v1/companies", "/healthz"])
def test_a_query_string_of_raw_bytes_that_are_not_utf8_is_a_400(client, path):
    """A byte the client did not percent-encode, which is no UTF-8: a 400 that says so, not a 500."""
    answer = client.get(path, environ_overrides={"QUERY_STRING": "q=\xff"})
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert "UTF-8" in answer.get_json()["detail"]
