"""Two app instances (separate gunicorn masters) over one database behave as one service."""

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.domain.business_id import business_ids
from tests import payloads
from tests.live import call, gunicorn
from tests.test_sync import sync

pytestmark = pytest.mark.postgresql  # two instances over one SQLite file would not be a deployment


@pytest.fixture(scope="module")
def bases(database_url):
    """Two independent instances, as two hosts behind a load balancer would run them."""
    with gunicorn(database_url, workers=2) as first, gunicorn(database_url, workers=2) as second:
        yield [first.base_url, second.base_url]


def test_no_lost_update_across_instances(bases, client, admin_key):
    key = {"Authorization": f"Bearer {admin_key}"}
    company_id = client.post("/api/v1/companies", json=payloads.company(tags=[])).get_json()["id"]

    def writer(number: int):
        for update in range(4):
            url = f"{bases[(number + update) % 2]}/api/v1/companies/{company_id}"  # alternate, as a balancer would
            while True:
                _, headers, company = call("GET", url, headers=key)
                status, _, _ = call("PATCH", url, {"tags": company["tags"] + [f"i{number}-{update}"]}, {"If-Match": headers["ETag"], **key})
                if status == 200:
                    break
                assert status == 412

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(writer, range(6)))
    _, _, company = call("GET", f"{bases[0]}/api/v1/companies/{company_id}")
    assert sorted(company["tags"]) == sorted(f"i{n}-{u}" for n in range(6) for u in range(4))


def test_a_partner_syncing_from_both_instances_stays_consistent(bases, client, admin_key):
    key = {"Authorization": f"Bearer {admin_key}"}
    ids = business_ids(3_000_000)
    created = [client.post("/api/v1/companies", json=payloads.company(next(ids), name=f"Yritys {n}")) for n in range(7)]
    mirror: dict = {}
    turns = itertools.count()

    def from_either_instance(query: str) -> list:
        return call("GET", f"{bases[next(turns) % 2]}/api/v1/companies?{query}")[2]  # each page from the other instance

    cursor = sync(from_either_instance, mirror, None)
    # Writes land on both instances between passes.
    for number, answer in enumerate(created[:4]):
        url = f"{bases[number % 2]}/api/v1/companies/{answer.get_json()['id']}"
        if number % 2:
            call("DELETE", url, headers={"If-Match": answer.headers["ETag"], **key})
        else:
            call("PATCH", url, {"name": f"Muutettu {number}"}, {"If-Match": answer.headers["ETag"], **key})
    for number in range(3):
        call("POST", f"{bases[number % 2]}/api/v1/companies", payloads.company(next(ids), name=f"Uusi {number}"), key)
    sync(from_either_instance, mirror, cursor)
    _, _, fresh = call("GET", f"{bases[1]}/api/v1/companies?page_size=100")
    assert mirror == {record["id"]: record for record in fresh}
    assert len(mirror) == 7 - 2 + 3
