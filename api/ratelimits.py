"""Rate limits with Flask-Limiter: one count per API key (per address without one), a limit per role."""

import functools
import math
import threading
import time

from cachetools import TLRUCache
from flask import Flask, current_app, g, has_request_context, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, WindowStats, parse_many
from limits.storage import RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from werkzeug.exceptions import Unauthorized

from api.context import current_g, current_request
from api.data_version import VersionWatcher, random_start
from api.errors import problem
from api.i18n import _, library_gettext
from api.keys import request_principal
from api.smorest import ACCESS_CONTROLLED_PREFIX

# Admins share the editors' limit; a request without a valid key counts as anonymous.
LIMIT_SETTINGS = {
    None: "RATELIMIT_ANONYMOUS",
    "partner": "RATELIMIT_PARTNER",
    "editor": "RATELIMIT_EDITOR",
    "admin": "RATELIMIT_EDITOR",
}


# limits' own incr_expire.lua, answering the window's remaining time and the data version
# (api.data_version) as well.
_INCREMENT_AND_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
redis.call("set", KEYS[2], ARGV[3], "NX")
return {current, redis.call("pttl", KEYS[1]), redis.call("get", KEYS[2])}
"""
# The channel has the key's name: every process subscribed to it hears of the write (api.data_version).
_NEXT_DATA_VERSION = """
redis.call("set", KEYS[1], ARGV[1], "NX")
local version = redis.call("incr", KEYS[1])
redis.call("publish", KEYS[1], version)
return version
"""
DATA_VERSION_KEY = "data-version"

# A client that keeps asking is counted in leases: a process adds several hits to the client's count in
# Redis at once and spends them on the client's next requests without asking Redis again. A lease
# starts at one hit, doubles while the client keeps using them up, up to MAX_LEASE, and never exceeds
# 1/LEASE_SHARE of what the limit had left at the process's last count, so near the limit every hit is
# counted alone. Every hit a client is let through was counted in Redis before it was answered, so no
# client ever gets more than its limit; hits leased and not used before the window ends are lost to the
# client (at most one lease per process, one hit near the limit). Once Redis has refused a client, the
# process refuses it until the window ends without asking again (the count only grows in a window).
MAX_LEASE = 64
LEASE_SHARE = 16


class _Lease:
    __slots__ = ("left", "count", "reset", "size")

    def __init__(self, left: int, count: int, reset: float, size: int):
        # Hits still to spend; the count after the last one spent; the window's end (time.time()); the
        # lease's size, which the next lease may double.
        self.left, self.count, self.reset, self.size = left, count, reset, size


# Processes and apps that count in the same Redis under the same prefix share one watcher.
_watchers: dict[tuple, VersionWatcher] = {}
_watchers_lock = threading.Lock()


def _watcher(redis, key: str) -> VersionWatcher:
    where = (tuple(sorted((name, str(value)) for name, value in redis.connection_pool.connection_kwargs.items())), key)
    with _watchers_lock:
        return _watchers.setdefault(where, VersionWatcher(redis, key))


class FixedWindowWithStats(FixedWindowRateLimiter):
    """limits' fixed window, remembering what each hit learnt for the answer's RateLimit-* headers.

    The stock strategy asks the store three times per request: INCR for the decision, then GET and
    TTL for the headers. With Redis, one script answers the count and the time left together, in
    leases (above), and the data version comes from the process's watcher (api.data_version), so a
    client's requests mostly make no round trip at all. Other stores (in-process) are asked as before.
    """

    def __init__(self, storage):
        super().__init__(storage)
        # Registering sends nothing; redis-py loads the script on first use (and again after a Redis restart).
        redis = storage.get_connection() if isinstance(storage, RedisStorage) else None
        self.increment_and_ttl = redis.register_script(_INCREMENT_AND_TTL) if redis else None
        self.next_data_version = redis.register_script(_NEXT_DATA_VERSION) if redis else None
        self.data_version_key = storage.prefixed_key(DATA_VERSION_KEY) if redis else None
        self.watcher = _watcher(redis, self.data_version_key) if redis else None
        self._leases: TLRUCache = TLRUCache(maxsize=100_000, ttu=lambda _key, lease, _now: lease.reset, timer=time.time)
        self._leases_lock = threading.Lock()

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key = item.key_for(*identifiers)
        if self.increment_and_ttl is not None:
            allowed, stats, version = self._hit_in_redis(item, key, cost)
            if has_request_context():
                g.data_version = version
                g.rate_limit_window = (key, stats)
            return allowed
        count = self.storage.incr(key, item.get_expiry(), amount=cost)
        if has_request_context():
            g.rate_limit_window = (key, WindowStats(self.storage.get_expiry(key), max(0, item.amount - int(count))))
        return int(count) <= item.amount

    def _hit_in_redis(self, item: RateLimitItem, key: str, cost: int) -> tuple[bool, WindowStats, bytes | None]:
        with self._leases_lock:
            lease = self._leases.get(key)
            spent_locally = lease is not None and (lease.left >= cost or lease.count > item.amount)
            if spent_locally:
                # A count past the limit only grows until the window ends: refused here without asking.
                allowed = lease.left >= cost
                lease.left -= cost if allowed else 0
                lease.count += cost
                stats = WindowStats(lease.reset, max(0, item.amount - lease.count))
        if spent_locally:
            return allowed, stats, self.watcher.current()
        size = cost
        if lease is not None and cost == 1:
            size = max(1, min(lease.size * 2, MAX_LEASE, (item.amount - lease.count) // LEASE_SHARE))
        count, ttl_ms, version = self.increment_and_ttl(
            [self.storage.prefixed_key(key), self.data_version_key], [item.get_expiry(), size, random_start()]
        )
        reset = time.time() + max(int(ttl_ms), 0) / 1000
        spent = int(count) - size + cost  # the count with this request's hit, the lease's others unspent
        with self._leases_lock:
            self._leases[key] = _Lease(max(0, min(int(count), item.amount) - spent), spent, reset, size)
        return spent <= item.amount, WindowStats(reset, max(0, item.amount - spent)), version

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        remembered = g.get("rate_limit_window") if has_request_context() else None
        if remembered and remembered[0] == item.key_for(*identifiers):
            return remembered[1]
        return super().get_window_stats(item, *identifiers)

    def bump_data_version(self) -> bool:
        """Count a committed write (api.freshness); False when there is no Redis to count it in."""
        if self.next_data_version is None:
            return False
        try:
            self.watcher.saw(self.next_data_version([self.data_version_key], [random_start()]))
        except Exception:
            self.watcher.forget()
            raise
        return True

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        with self._leases_lock:
            self._leases.pop(item.key_for(*identifiers), None)
        super().clear(item, *identifiers)

    def forget_leases(self) -> None:
        """The counts were reset: hits leased before are gone with them."""
        with self._leases_lock:
            self._leases.clear()


STRATEGIES["fixed-window-with-stats"] = FixedWindowWithStats


def bump_data_version() -> bool:
    """Tell every instance that data changed; raises when Redis cannot be reached (see api.freshness)."""
    strategy = limiter.limiter if limiter.initialized and limiter.enabled else None
    return isinstance(strategy, FixedWindowWithStats) and strategy.bump_data_version()


def _limited() -> bool:
    # CORS preflights carry no key and are not the client's own requests.
    req = current_request()
    return req.path.startswith(ACCESS_CONTROLLED_PREFIX) and req.method != "OPTIONS"


def _principal():
    if not _limited():
        # Probes must not need the database.
        return None
    try:
        return request_principal()
    except Unauthorized:
        # Counted per address like any anonymous request, then answered 401: guessing keys costs quota.
        return None


def _identify_first() -> None:
    """Read the request's key before Flask-Limiter's check, which needs it for the count's key and limit.

    Flask-Limiter takes any error raised inside its check for an outage of its store (and falls back
    to memory); an error of the database must reach the app's own answer (a 503 problem) instead.
    """
    _principal()


def client_key() -> str:
    principal = _principal()
    return f"key:{principal.key_id}" if principal else f"address:{get_remote_address()}"


def client_limit() -> str:
    principal = _principal()
    return current_app.config[LIMIT_SETTINGS[principal and principal.role]]


# The application-wide limit, one per role, shared by all routes (a default limit would count each
# endpoint apart).
APPLICATION_LIMIT = ApplicationLimit(client_limit, key_function=client_key)


@functools.lru_cache(maxsize=32)
def _application_limits(setting: str) -> tuple:
    """What APPLICATION_LIMIT yields for a role's setting, smallest first: parsed once, not on every request."""
    return tuple(sorted(ApplicationLimit(setting, key_function=client_key), key=lambda runtime: runtime.limit))


COUNTED = "ratelimits.counted"


class ApiLimiter(Limiter):
    def reset(self) -> None:
        if isinstance(self.limiter, FixedWindowWithStats):
            self.limiter.forget_leases()
        super().reset()

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        # Flask-Limiter's own exemptions are decided after it has resolved every limit and meta limit,
        # which cost the probes a fifth of their time; requests outside the API skip the check at once.
        if not _limited():
            return
        if in_middleware and self._counts_directly():
            try:
                return self._count_application_limit()
            except RateLimitExceeded:
                raise
            except Exception:  # the store failed: Flask-Limiter's own check falls back to memory
                pass
        super()._check_request_limit(callable_name, in_middleware)

    def _counts_directly(self) -> bool:
        """Whether Redis counts (not the in-memory fallback): the check before the view is the application limit's alone."""
        strategy = self.limiter
        return isinstance(strategy, FixedWindowWithStats) and strategy.increment_and_ttl is not None

    def _count_application_limit(self) -> None:
        """Count the request as Flask-Limiter's check would (the same keys, in the same store), without
        resolving every limit, exemption and meta limit anew: that took a sixth of a cached read's time."""
        # The prefix Flask-Limiter puts before its keys (RATELIMIT_KEY_PREFIX of the app it first served).
        prefix = self._key_prefix
        for limit in _application_limits(client_limit()):
            arguments = [*([prefix] if prefix else []), limit.key_func(), limit.scope_for(request.endpoint or "", request.method)]
            allowed = self.limiter.hit(limit.limit, *arguments, cost=limit.deduction_amount)
            if not allowed or g.get(COUNTED) is None:
                # The headers tell of the breached limit, else of the first (Flask-Limiter's choice too).
                setattr(g, COUNTED, (limit.limit, self.limiter.get_window_stats(limit.limit, *arguments)))
            if not allowed:
                raise RateLimitExceeded(limit)


limiter = ApiLimiter(
    key_func=client_key,
    strategy="fixed-window-with-stats",
    # While the shared store (Redis) is unreachable, each process counts in its own memory rather than
    # failing every request; Flask-Limiter checks the store again with a growing interval.
    in_memory_fallback_enabled=True,
    application_limits=[APPLICATION_LIMIT],
)


def per_address(setting: str):
    """A limit of its own for one view method, counted per client address whatever the key, on top of the application's.

    For anonymous forms that write (inquiries): a key does not lift it, and each address has its own count.
    Flask-Limiter checks it when the method is called; the application's limit is counted before, as for
    every request.
    """
    return limiter.limit(lambda: current_app.config[setting], key_func=get_remote_address)


# Per-route limits (see per_address), checked at start like the roles' ones.
ROUTE_LIMIT_SETTINGS = ("RATELIMIT_INQUIRY",)


def rate_limit_headers(response):
    """RateLimit-* headers as the IETF draft defines them (Flask-Limiter's own reset header is a timestamp)."""
    if not _limited():
        return response
    counted = current_g().get(COUNTED)  # the application limit as ApiLimiter counted it, else Flask-Limiter's choice
    if counted is None:
        current = limiter.current_limit
        if current is None:
            return response
        counted = (current.limit, current.window)
    item, (reset_time, remaining) = counted
    reset = max(0, math.ceil(reset_time - time.time()))
    response.headers["RateLimit-Limit"] = str(item.amount)
    response.headers["RateLimit-Remaining"] = str(remaining)
    response.headers["RateLimit-Reset"] = str(reset)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, reset))
    return response


def _too_many_requests(error: RateLimitExceeded):
    item = error.limit.limit
    # The limit as limits writes it ("600 per 1 minute"), with its unit in the reader's language.
    limit = _("%(amount)s per %(multiples)s %(unit)s", amount=item.amount, multiples=item.multiples,
              unit=library_gettext(item.GRANULARITY.name))
    return problem(
        429,
        _("Too many requests: this client may make %(limit)s. Wait the number of seconds in Retry-After, then retry.", limit=limit),
    )


def register_rate_limits(app: Flask) -> None:
    for setting in {*LIMIT_SETTINGS.values(), *ROUTE_LIMIT_SETTINGS}:
        try:
            parse_many(app.config[setting])
        except ValueError as error:
            raise ValueError(f"{setting}={app.config[setting]!r} is not a rate limit such as 600/minute.") from error
    # Stored keys start with the app's prefix (limits' own default is one "LIMITS" for every app), so
    # clearing one app's counts, which deletes the keys under its prefix, leaves the other apps' alone.
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {**app.config["RATELIMIT_STORAGE_OPTIONS"], "key_prefix": app.config["RATELIMIT_KEY_PREFIX"]}
    app.before_request(_identify_first)  # registered first, so it runs before the limiter's check
    # Flask-Limiter's after_request adds its own headers (off: rate_limit_headers writes the IETF draft's)
    # and settles deduct_when limits (none here); its teardown clears a context kept on the request,
    # which goes with it. Both cost every request and do nothing here: only its check is kept.
    hooks = (app.after_request_funcs[None], app.teardown_request_funcs[None])
    kept = [list(funcs) for funcs in hooks]
    limiter.init_app(app)
    for funcs, before in zip(hooks, kept):
        funcs[:] = before
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
