"""Behaviour shared by every endpoint: pagination, problem answers, body limits and hostile bodies."""

import json
import re
import socket

import pytest

from api import create_app
from tests import payloads
from tests.live import gunicorn


def _problem(answer, status):
    assert answer.status_code == status, answer.data
    assert answer.content_type == "application/problem+json"
    body = answer.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def _spearheads(client, count):
    for number in range(count):
        client.post("/api/v1/spearheads", json=payloads.spearhead(f"s{number:02d}", priority=number))


def test_pagination_headers_and_links(client):
    _spearheads(client, 5)
    answer = client.get("/api/v1/spearheads?page=2&page_size=2")
    assert [s["slug"] for s in answer.get_json()] == ["s02", "s03"]
    assert json.loads(answer.headers["X-Pagination"]) == {
        "total": 5, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2, "previous_page": 1, "next_page": 3,
    }
    links = {part.split("; ")[1]: part.split("; ")[0] for part in answer.headers["Link"].split(", ")}
    assert links == {
        'rel="first"': "</api/v1/spearheads?page=1&page_size=2>",
        'rel="last"': "</api/v1/spearheads?page=3&page_size=2>",
        'rel="prev"': "</api/v1/spearheads?page=1&page_size=2>",
        'rel="next"': "</api/v1/spearheads?page=3&page_size=2>",
    }


def test_page_past_the_end_is_empty(client):
    _spearheads(client, 2)
    answer = client.get("/api/v1/spearheads?page=9")
    assert answer.status_code == 200 and answer.get_json() == []
    assert json.loads(answer.headers["X-Pagination"]) == {
        "total": 2, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 9, "previous_page": 1,
    }


def test_an_empty_list_still_names_its_pages(client):
    answer = client.get("/api/v1/spearheads")
    assert answer.status_code == 200 and answer.get_json() == []
    assert json.loads(answer.headers["X-Pagination"]) == {"total": 0, "total_pages": 0, "first_page": 1, "last_page": 1, "page": 1}


@pytest.mark.parametrize("query", ["page_size=101", "page_size=0", "page=0", "page=1000001", "page=x", "sort=nope", "include_deleted=perhaps", "updated_since=yesterday", "unknown=1"])
def test_bad_list_arguments_are_422(client, query):
    body = _problem(client.get(f"/api/v1/spearheads?{query}"), 422)
    assert query.split("=")[0] in body["errors"]


def test_list_etag_changes_with_content(client):
    _spearheads(client, 1)
    first = client.get("/api/v1/spearheads")
    assert client.get("/api/v1/spearheads", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _spearheads(client, 2)
    assert client.get("/api/v1/spearheads", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_unknown_route_and_record_are_404_problems(client):
    _problem(client.get("/api/v1/nothing"), 404)
    assert "abc" in _problem(client.get("/api/v1/companies/abc"), 404)["detail"]


def test_method_not_allowed_keeps_allow(client):
    answer = client.delete("/api/v1/companies")
    _problem(answer, 405)
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"name": "x",}', b"", b'{"name": "\xff\xfe"}', b"[" * 100 + b"]" * 100, b'{"a":' * 70 + b"1" + b"}" * 70],
)
def test_malformed_bodies_are_400(client, body):
    _problem(client.post("/api/v1/companies", data=body, content_type="application/json"), 400)
    assert client.get("/api/v1/companies").get_json() == []


def test_wrong_media_type_is_415(client):
    _problem(client.post("/api/v1/companies", data="name=x", content_type="application/x-www-form-urlencoded"), 415)


def test_body_over_one_mebibyte_is_413(client):
    big = json.dumps(payloads.company(description={"fi": "x" * (1024 * 1024)}))
    _problem(client.post("/api/v1/companies", data=big, content_type="application/json"), 413)


def test_non_object_body_is_422(client):
    _problem(client.post("/api/v1/companies", json=[payloads.company()]), 422)


def test_nul_characters_are_refused(client):
    body = _problem(client.post("/api/v1/companies", json=payloads.company(name="Saha\x00 Oy")), 422)
    assert "name" in body["errors"]
    _problem(client.get("/api/v1/companies?tag=a%00b"), 400)


def test_unicode_round_trips(client):
    created = client.post("/api/v1/companies", json=payloads.company(name="Äänekosken Öljy & Åke Oy"))
    assert created.status_code == 201
    assert "Äänekosken Öljy & Åke Oy".encode() in created.data


def test_unexpected_errors_are_500_problems_without_internals(database_url):
    from api.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        TESTING = False

    app = create_app(Config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    body = _problem(app.test_client().get("/boom"), 500)
    assert "secret" not in json.dumps(body)


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/companies/facets", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/companies/import", {"POST", "OPTIONS"}),
        ("/api/v1/events/{id}.ics", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/events/{id}", {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}),
        ("/api/v1/companies", {"GET", "HEAD", "OPTIONS", "POST"}),
    ],
)
def test_allow_lists_exactly_the_methods_of_the_resource(client, path, methods):
    """`/companies/facets` also matches `/companies/<company_id>`, whose methods must not leak onto it."""
    path = path.format(id="5c1d3a52-7f0e-4b8e-9a51-2020120809a0")
    options = client.options(path)
    assert options.status_code == 200 and set(options.headers["Allow"].split(", ")) == methods, options.headers
    refused = client.open(path, method="POST" if "POST" not in methods else "DELETE")
    _problem(refused, 405)
    assert set(refused.headers["Allow"].split(", ")) == methods


def _send_chunked(base_url: str, method: str, path: str, headers: dict, body: bytes, chunk: int = 64 * 1024) -> tuple[int, bytes]:
    """Send a body with Transfer-Encoding: chunked (the test client always sends a Content-Length)."""
    port = int(base_url.rsplit(":", 1)[1])
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode())
        try:
            for start in range(0, len(body), chunk):
                part = body[start:start + chunk]
                connection.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the whole body is sent
        answer = b""
        while True:
            try:
                data = connection.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest


def test_a_chunked_body_over_one_mebibyte_is_413(database_url, client, admin_key):
    created = client.post("/api/v1/spearheads", json=payloads.spearhead())
    headers = {"Authorization": f"Bearer {admin_key}", "Content-Type": "application/json", "If-Match": created.headers["ETag"]}
    big = json.dumps({"description": {"fi": "x" * (1024 * 1024 + 10)}}).encode()
    small = json.dumps({"description": {"fi": "Puu"}}).encode()
    with gunicorn(database_url, workers=1) as server:
        status, rest = _send_chunked(server.base_url, "PATCH", created.headers["Location"], headers, big)
        assert status == 413, rest[-500:]
        assert b"application/problem+json" in rest
        status, rest = _send_chunked(server.base_url, "PATCH", created.headers["Location"], headers, small)
        assert status == 200, rest[:500]
    assert client.get(created.headers["Location"]).get_json()["description"] == {"fi": "Puu"}


def test_each_hook_and_view_is_asked_once_whether_it_is_a_coroutine(database_url, seeded, monkeypatch):
    """App.ensure_sync remembers the answer; a view's method, bound anew on every request, by its function."""
    import api.routing
    from api.config import TestConfig

    asked = []

    def counting(func):
        asked.append(func)
        return False

    monkeypatch.setattr(api.routing, "iscoroutinefunction", counting)
    client = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})).test_client()
    client.get("/api/v1/municipalities")
    assert asked  # a new app asks about every hook and view it meets
    asked.clear()
    for _ in range(2):
        assert client.get("/api/v1/municipalities").status_code == 200
    assert asked == []


def test_a_rule_that_another_rules_path_matches_is_always_checked_for_being_shadowed(app):
    """The second URL match runs only for rules that api.routing finds may share a path with another:
    for every pair of rules, a path of one that the other also matches must be among those it checks."""
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import Map, Rule

    from api.routing import _rivals

    rules = list(app.url_map.iter_rules())
    rivals = _rivals(app.url_map)
    shared = 0
    for other in rules:
        path = re.sub(r"<[^>]+>", "x", other.rule)
        for rule in rules:
            if rule is other or not rule.arguments:
                continue
            try:
                Map([Rule(rule.rule, endpoint="probe")]).bind("localhost").match(path)
            except NotFound:
                continue
            shared += 1
            paths, variable = rivals[id(rule)]
            assert variable or path in paths, (rule.rule, other.rule)
    assert shared >= 6  # /companies/facets, /review, /duplicates, /import; /sites/facets; /events/x.ics
