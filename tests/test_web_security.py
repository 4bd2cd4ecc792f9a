"""CORS for the configured origins only, and security headers on every answer."""

import pytest

from api import create_app
from api.config import ProductionConfig, TestConfig

PLATFORM = "https://invest.example.fi"


@pytest.fixture
def cors_client(database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        CORS_ORIGINS = [PLATFORM]

    return create_app(Config).test_client()


def test_configured_origin_may_call_the_api_from_a_browser(cors_client):
    preflight = cors_client.options(
        "/api/v1/companies",
        headers={"Origin": PLATFORM, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization, if-match"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == PLATFORM
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert {"authorization", "if-match"} <= set(preflight.headers["Access-Control-Allow-Headers"].lower().split(", "))

    answer = cors_client.get("/api/v1/companies", headers={"Origin": PLATFORM})
    assert answer.headers["Access-Control-Allow-Origin"] == PLATFORM
    exposed = answer.headers["Access-Control-Expose-Headers"]
    for header in ("ETag", "Link", "X-Pagination", "Location", "Retry-After", "RateLimit-Remaining", "X-Search-Corrections"):
        assert header in exposed
    assert "Origin" in answer.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in answer.headers  # keys travel in headers, never cookies


def test_other_origins_get_no_cors_headers(cors_client, anonymous):
    for client, origin in ((cors_client, "https://evil.example"), (anonymous, PLATFORM)):
        answer = client.get("/api/v1/companies", headers={"Origin": origin})
        assert answer.status_code == 200
        assert "Access-Control-Allow-Origin" not in answer.headers
        preflight = client.options("/api/v1/companies", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/companies", 200),
        ("GET", "/api/v1/companies/nope", 404),
        ("POST", "/api/v1/companies", 401),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/api/docs", 200),
        ("GET", "/nowhere", 404),
    ],
)
def test_security_headers_on_every_answer(anonymous, method, path, status):
    answer = anonymous.open(path, method=method, json={} if method == "POST" else None)
    assert answer.status_code == status
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_json_answers_allow_no_active_content(anonymous):
    assert anonymous.get("/api/v1/companies").headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_bodies_over_the_limit_are_413(client):
    answer = client.post("/api/v1/companies", data=b"[" + b" " * (1024 * 1024) + b"]", content_type="application/json")
    assert answer.status_code == 413 and answer.content_type == "application/problem+json"


def test_development_allows_local_origins_only(anonymous):
    for origin in ("http://localhost:5173", "http://127.0.0.1:3000", "http://[::1]:8080", "http://localhost"):
        answer = anonymous.get("/api/v1/companies", headers={"Origin": origin})
        assert answer.headers.get("Access-Control-Allow-Origin") == origin, origin
    for origin in ("http://localhost.evil.example:5173", "https://evil.example", "http://192.168.1.5:5173", "null"):
        answer = anonymous.get("/api/v1/companies", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in answer.headers, origin


def test_production_keeps_only_the_listed_origins(database_url, monkeypatch):
    safe = {
        "DATABASE_URL": "postgresql+psycopg://directory@db/directory",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "PUBLIC_BASE_URL": "https://directory.example",
    }
    for name, value in safe.items():
        monkeypatch.setenv(name, value)

    class Config(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    client = create_app(Config).test_client()
    answer = client.get("/api/v1/companies", headers={"Origin": "http://localhost:5173"})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_no_cors_headers_outside_the_api(cors_client):
    """Probes and metrics are for operators' tools, not for pages of the platform's origin."""
    for path in ("/healthz", "/readyz", "/metrics", "/nowhere"):
        answer = cors_client.get(path, headers={"Origin": PLATFORM})
        assert "Access-Control-Allow-Origin" not in answer.headers, path
        preflight = cors_client.options(path, headers={"Origin": PLATFORM, "Access-Control-Request-Method": "GET"})
        assert "Access-Control-Allow-Origin" not in preflight.headers, path
    assert cors_client.get("/api/openapi.json", headers={"Origin": PLATFORM}).headers["Access-Control-Allow-Origin"] == PLATFORM
