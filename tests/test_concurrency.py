"""No interleaving of writers loses an update: threads in one process, and several gunicorn workers."""

import contextlib
import itertools
import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from tests import payloads
from tests.live import call, gunicorn, read_answer, start_request, worker_serving

WRITERS = 6
UPDATES_EACH = 5


def _add_tag_with_retry(get, patch, tag: str) -> int:
    """GET → PATCH with If-Match, retrying on 412: the client loop the API asks for."""
    conflicts = 0
    while True:
        status, headers, company = get()
        assert status == 200
        status, _, body = patch(company["tags"] + [tag], headers["ETag"])
        if status == 200:
            return conflicts
        assert status == 412, body
        conflicts += 1


def test_threads_lose_no_update(app, client, admin_key):
    company_id = client.post("/api/v1/companies", json=payloads.company(tags=[])).get_json()["id"]
    url = f"/api/v1/companies/{company_id}"

    def writer(number: int) -> int:
        local = app.test_client()
        local.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_key}"

        def get():
            answer = local.get(url)
            return answer.status_code, answer.headers, answer.get_json()

        def patch(tags, etag):
            answer = local.patch(url, json={"tags": tags}, headers={"If-Match": etag})
            return answer.status_code, answer.headers, answer.get_json()

        return sum(_add_tag_with_retry(get, patch, f"w{number}-{i}") for i in range(UPDATES_EACH))

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))
    tags = client.get(url).get_json()["tags"]
    assert sorted(tags) == sorted(f"w{n}-{i}" for n in range(WRITERS) for i in range(UPDATES_EACH))


def test_gunicorn_workers_lose_no_update(database_url, client, admin_key):
    company_id = client.post("/api/v1/companies", json=payloads.company(tags=[])).get_json()["id"]
    with gunicorn(database_url, workers=3) as server:
        base = server.base_url
        url = f"{base}/api/v1/companies/{company_id}"
        key = {"Authorization": f"Bearer {admin_key}"}

        # Every writer's first PATCH waits until all have read: they hold the same ETag, however
        # slowly a busy machine schedules them, so all but one must be told it is stale.
        all_have_read = threading.Barrier(WRITERS)

        def writer(number: int) -> int:
            reads = itertools.count()

            def get():
                answer = call("GET", url, headers=key)
                if next(reads) == 0:
                    all_have_read.wait(timeout=120)
                return answer

            patch = lambda tags, etag: call("PATCH", url, {"tags": tags}, {"If-Match": etag, **key})  # noqa: E731
            return sum(_add_tag_with_retry(get, patch, f"p{number}-{i}") for i in range(UPDATES_EACH))

        with ThreadPoolExecutor(WRITERS) as pool:
            conflicts = sum(pool.map(writer, range(WRITERS)))
        _, _, company = call("GET", url)
    assert sorted(company["tags"]) == sorted(f"p{n}-{i}" for n in range(WRITERS) for i in range(UPDATES_EACH))
    # The writers did overlap: those whose ETag had gone stale were told so.
    assert conflicts >= WRITERS - 1


def test_same_etag_two_writers_only_one_wins(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    url = f"/api/v1/companies/{created.get_json()['id']}"
    etag = created.headers["ETag"]
    first = client.patch(url, json={"name": "Ensimmäinen Oy"}, headers={"If-Match": etag})
    second = client.patch(url, json={"name": "Toinen Oy"}, headers={"If-Match": etag})
    assert (first.status_code, second.status_code) == (200, 412)
    assert client.get(url).get_json()["name"] == "Ensimmäinen Oy"


def test_a_killed_worker_loses_no_committed_write_and_leaves_no_half_record(database_url, client, admin_key):
    from api.domain.business_id import business_ids

    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead()).get_json()["id"]
    ids = iter(business_ids(2_000_000))
    bodies = [payloads.company(next(ids), name=f"Yritys {n}", spearheads=[spearhead], tags=["a", "b"]) for n in range(60)]
    interrupted = json.dumps(payloads.company(next(ids), name="Kesken Oy", spearheads=[spearhead])).encode()
    key = {"Authorization": f"Bearer {admin_key}"}
    with gunicorn(database_url, workers=3, threads=2) as server:

        def create(body):
            try:
                status, _, answer = call("POST", f"{server.base_url}/api/v1/companies", body, key)
            except OSError:  # the connection died with the worker
                return None
            return answer if status == 201 else None

        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(create, body) for body in bodies]
            futures[10].result()
            # A write the victim is serving when it dies: its view waits for the body.
            connection = start_request(
                server.base_url,
                f"POST /api/v1/companies HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {admin_key}\r\nContent-Length: {len(interrupted)}\r\nConnection: close\r\n".encode(),
            )
            with connection:
                os.kill(worker_serving(server, connection), signal.SIGKILL)
                with contextlib.suppress(OSError):  # the worker's end may be gone already
                    connection.sendall(interrupted)
                unanswered = read_answer(connection)
            confirmed = [f.result() for f in futures]

    assert unanswered == b"", unanswered[:200]  # the killed worker had it in flight and never answered
    committed = {c["business_id"]: c for c in confirmed if c}
    assert len(committed) >= 30  # most writes went through the surviving workers
    stored = {c["business_id"]: c for c in client.get("/api/v1/companies?page_size=100").get_json()}
    assert "Kesken Oy" not in {company["name"] for company in stored.values()}
    # Every write that was answered 201 is there, exactly as answered.
    for business_id, answered in committed.items():
        assert stored[business_id] == answered
    # Whatever was stored, answered or not, is whole: no record without its links and lists.
    for company in stored.values():
        assert company["spearheads"] == [spearhead] and company["tags"] == ["a", "b"]
