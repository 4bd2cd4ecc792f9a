"""Cache-Control: shared caches may keep anonymous reads briefly, never anything asked with a key."""

import pytest

from api import create_app
from api.caching import personal
from api.config import TestConfig

SHARED = "public, max-age=30, stale-while-revalidate=60"


def _company(anonymous) -> str:
    return anonymous.get("/api/v1/companies?page_size=1").get_json()[0]["id"]


def test_anonymous_reads_may_be_kept_by_shared_caches(seeded, anonymous):
    listed = anonymous.get("/api/v1/companies?page_size=5")
    company = anonymous.get(f"/api/v1/companies/{_company(anonymous)}")
    not_modified = anonymous.get(company.request.path, headers={"If-None-Match": company.headers["ETag"]})
    missing = anonymous.get("/api/v1/companies/00000000-0000-4000-8000-000000000000")
    assert [listed.status_code, company.status_code, not_modified.status_code, missing.status_code] == [200, 200, 304, 404]
    for answer in (listed, company, not_modified, missing):
        assert answer.headers["Cache-Control"] == SHARED
        # A cache keeps one answer per key and media type, and per language where the answer has a message.
        vary = set(answer.headers["Vary"].split(", "))
        assert {"Authorization", "Accept"} <= vary
    # Only the 404 has a message in it: a shared cache keeps one copy of a list or a record for every language.
    assert ["Accept-Language" in answer.headers["Vary"] for answer in (listed, company, missing)] == [False, False, True]
    assert "Content-Language" not in company.headers


def test_answers_to_a_key_are_never_stored(seeded, client, partner, anonymous):
    company = _company(anonymous)
    for reader in (client, partner):
        for path in ("/api/v1/companies", f"/api/v1/companies/{company}"):
            assert reader.get(path).headers["Cache-Control"] == "private, no-store"
    refused = anonymous.get("/api/v1/companies", headers={"Authorization": "Bearer rdk_nope"})
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/v1/companies", 401),  # a write, even refused
        ("GET", "/api/v1/companies?page_size=0", 422),  # bad input must reach the app again once fixed
        ("GET", "/healthz", 200),  # probes ask this instance
        ("GET", "/metrics", 200),
    ],
)
def test_writes_failures_and_probes_are_not_stored(anonymous, method, path, status):
    answer = anonymous.open(path, method=method, json={} if method == "POST" else None)
    assert answer.status_code == status
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_times_are_settings_and_personal_routes_opt_out(database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        CACHE_MAX_AGE = 5
        CACHE_STALE_WHILE_REVALIDATE = 0

    app = create_app(Config)
    app.add_url_rule("/api/v1/own-inquiries", "own_inquiries", personal(lambda: {"inquiries": []}))
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/municipalities").headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=0"
    assert anonymous.get("/api/v1/own-inquiries").headers["Cache-Control"] == "private, no-store"


def test_a_negative_time_is_refused(database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        CACHE_MAX_AGE = -1

    with pytest.raises(ValueError, match="CACHE_MAX_AGE"):
        create_app(Config)
