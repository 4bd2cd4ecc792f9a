"""Settings read from the environment, one class per environment."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
OPENAPI_DESCRIPTION = (Path(__file__).with_name("openapi_description.md")).read_text(encoding="utf-8")


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# In development a web app on its own dev server (Vite's http://localhost:5173, …) calls the API.
LOCAL_ORIGINS = [re.compile(r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?\Z")]


def _env_flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'directory.sqlite3'}"
    )
    # Bodies over 1 MiB answer 413; the import endpoint raises its own limit.
    MAX_CONTENT_LENGTH = 1024 * 1024
    IMPORT_MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    SEED_REGION = os.environ.get("SEED_REGION", "saarijarvi-viitasaari")

    # The public origin of absolute links (JSON-LD `@id`s): never the request's Host, which any client writes.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
    CORS_ORIGINS = _env_list("CORS_ORIGINS") or LOCAL_ORIGINS
    # How many proxies (load balancer, ingress) stand in front and set X-Forwarded-For/-Proto/-Host/-Port.
    # 0 ignores those headers, which any client could forge; behind one load balancer set 1, or every
    # anonymous client has the balancer's address and so shares one rate-limit count.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # An unreachable Redis costs a request at most this long before the in-memory fallback takes over.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Keeps the counts of apps (or test runs) that share one Redis apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "directory")
    RATELIMIT_ANONYMOUS = os.environ.get("RATELIMIT_ANONYMOUS", "600/minute")
    RATELIMIT_PARTNER = os.environ.get("RATELIMIT_PARTNER", "6000/minute")
    RATELIMIT_EDITOR = os.environ.get("RATELIMIT_EDITOR", "3000/minute")
    # Inquiries (POST /api/v1/inquiries) per client address, on top of the anonymous limit: an open form
    # that stores what it is sent and passes it on to editors is what spam robots flood.
    RATELIMIT_INQUIRY = os.environ.get("RATELIMIT_INQUIRY", "5/hour")
    # `flask inquiries purge` erases inquiries received longer ago than this.
    INQUIRY_RETENTION_DAYS = int(os.environ.get("INQUIRY_RETENTION_DAYS", 365))
    # Anonymous reads: how long a shared cache (CDN, nginx, Varnish) may serve them unasked, then how
    # long it may go on serving the stored answer while it revalidates it with the ETag (api/caching.py).
    # A write reaches anonymous readers behind such a cache within CACHE_MAX_AGE (plus one request).
    CACHE_MAX_AGE = int(os.environ.get("CACHE_MAX_AGE", 30))
    CACHE_STALE_WHILE_REVALIDATE = int(os.environ.get("CACHE_STALE_WHILE_REVALIDATE", 60))
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # When set, /metrics needs it as a bearer token (Prometheus: `authorization: {credentials: …}`).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # The change feed keeps changes this long (`flask changes prune`); older cursors answer 410.
    CHANGES_RETENTION_DAYS = int(os.environ.get("CHANGES_RETENTION_DAYS", 90))
    # A company not verified (by an editor's write or `POST …/verify`) for this long is due for review.
    REVIEW_AFTER_DAYS = int(os.environ.get("REVIEW_AFTER_DAYS", 365))

    # Webhook deliveries (api/webhooks): seconds between attempts, then the message is given up.
    WEBHOOKS_RETRY_SCHEDULE = os.environ.get("WEBHOOKS_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000")
    WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", 10))
    # A subscription whose every attempt failed for this long is disabled, its reason shown to its owner.
    WEBHOOKS_DISABLE_AFTER_DAYS = float(os.environ.get("WEBHOOKS_DISABLE_AFTER_DAYS", 5))
    # How often an idle worker looks for new changes and due retries.
    WEBHOOKS_POLL_SECONDS = float(os.environ.get("WEBHOOKS_POLL_SECONDS", 1))
    # Lets receivers on loopback, private and other non-public addresses, and plain http, be subscribed:
    # for development and tests only, as it lets any key make the server call into its own network.
    WEBHOOKS_ALLOW_PRIVATE_URLS = _env_flag("WEBHOOKS_ALLOW_PRIVATE_URLS", True)

    API_TITLE = "Saarijärvi–Viitasaari business directory API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/assets/swagger-ui/"
    OPENAPI_REDOC_PATH = "redoc"
    OPENAPI_REDOC_URL = "/api/assets/redoc/redoc.standalone.js"
    OPENAPI_SWAGGER_UI_CONFIG = {"deepLinking": True, "persistAuthorization": True}
    API_SPEC_OPTIONS = {
        "info": {"description": OPENAPI_DESCRIPTION, "license": {"name": "MIT", "identifier": "MIT"}},
        # Relative: the API is wherever this document was fetched from (RFC 3986 resolution).
        "servers": [{"url": "/", "description": "The server that serves this document."}],
    }


class TestConfig(Config):
    TESTING = True
    # The tests' webhook receivers listen on loopback; tests of the production rule turn it off.
    WEBHOOKS_ALLOW_PRIVATE_URLS = True


class UnsafeConfiguration(RuntimeError):
    pass


class ProductionConfig(Config):
    """Chosen with APP_ENV=production; refuses to start on settings that only suit one laptop."""

    CORS_ORIGINS = _env_list("CORS_ORIGINS")
    WEBHOOKS_ALLOW_PRIVATE_URLS = _env_flag("WEBHOOKS_ALLOW_PRIVATE_URLS", False)

    @staticmethod
    def unsafe_settings(environ) -> list[str]:
        reasons = []
        if not environ.get("DATABASE_URL", "").startswith("postgresql"):
            reasons.append(
                "DATABASE_URL must name the PostgreSQL database: the SQLite default serves one machine only."
            )
        if "*" in [origin.strip() for origin in environ.get("CORS_ORIGINS", "").split(",")]:
            reasons.append(
                "CORS_ORIGINS=* lets any web page call the API on behalf of its visitors; list the platform's origins."
            )
        base = urlsplit(environ.get("PUBLIC_BASE_URL", ""))
        if base.scheme not in ("http", "https") or not base.netloc or base.path.strip("/") or base.query:
            reasons.append(
                "PUBLIC_BASE_URL must be the public origin of absolute links, such as https://directory.example."
            )
        if environ.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://"):
            reasons.append(
                "RATELIMIT_STORAGE_URI=memory:// counts per worker process, multiplying every limit; use redis://…"
            )
        return reasons


def config_for_environment(environ) -> type[Config]:
    return ProductionConfig if environ.get("APP_ENV") == "production" else Config
