"""No interleaving of writers loses an update: threads in one process, and several gunicorn workers."""

from concurrent.futures import ThreadPoolExecutor

from tests import payloads
from tests.live import call, gunicorn

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


def test_threads_lose_no_update(app, client):
    company_id = client.post("/api/v1/companies", json=payloads.company(tags=[])).get_json()["id"]
    url = f"/api/v1/companies/{company_id}"

    def writer(number: int) -> int:
        local = app.test_client()

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


def test_gunicorn_workers_lose_no_update(database_url, client):
    company_id = client.post("/api/v1/companies", json=payloads.company(tags=[])).get_json()["id"]
    with gunicorn(database_url, workers=3) as base:
        url = f"{base}/api/v1/companies/{company_id}"

        def writer(number: int) -> int:
            get = lambda: call("GET", url)  # noqa: E731
            patch = lambda tags, etag: call("PATCH", url, {"tags": tags}, {"If-Match": etag})  # noqa: E731
            return sum(_add_tag_with_retry(get, patch, f"p{number}-{i}") for i in range(UPDATES_EACH))

        with ThreadPoolExecutor(WRITERS) as pool:
            conflicts = sum(pool.map(writer, range(WRITERS)))
        _, _, company = call("GET", url)
    assert sorted(company["tags"]) == sorted(f"p{n}-{i}" for n in range(WRITERS) for i in range(UPDATES_EACH))
    # The writers did overlap: some of them were told their ETag was stale.
    assert conflicts > 0


def test_same_etag_two_writers_only_one_wins(client):
    created = client.post("/api/v1/companies", json=payloads.company())
    url = f"/api/v1/companies/{created.get_json()['id']}"
    etag = created.headers["ETag"]
    first = client.patch(url, json={"name": "Ensimmäinen Oy"}, headers={"If-Match": etag})
    second = client.patch(url, json={"name": "Toinen Oy"}, headers={"If-Match": etag})
    assert (first.status_code, second.status_code) == (200, 412)
    assert client.get(url).get_json()["name"] == "Ensimmäinen Oy"
