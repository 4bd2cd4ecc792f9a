"""API keys: issuing and revoking them, and finding the principal behind a request's Bearer key."""

import hashlib
import hmac
import re
import secrets

from flask import Flask, g, request
from sqlalchemy import select
from werkzeug.exceptions import Unauthorized

from api.auth import ROLES, Principal, unauthorized
from api.extensions import db
from api.i18n import _
from api.models import ApiKey, Municipality
from api.models.base import utcnow
from api.smorest import ACCESS_CONTROLLED_PREFIX

PREFIX = "rdk_"
# `rdk_<key id>.<secret>`: the key id finds the row, the 256-bit secret proves possession.
KEY_PATTERN = re.compile(rf"{PREFIX}(?P<key_id>[0-9a-f]{{16}})\.(?P<secret>[A-Za-z0-9_-]{{43}})")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")


class KeyRefused(ValueError):
    """A key cannot be issued or revoked as asked; the message says why."""


def _hash(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is as safe as a slow one and keeps requests fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(name: str, role: str, municipalities: list[str]) -> tuple[ApiKey, str]:
    """Create a key; the key itself is returned once and never stored."""
    if not NAME_PATTERN.fullmatch(name):
        raise KeyRefused("A key name is 1–100 letters, digits or . _ @ -, starting with a letter or digit.")
    if role not in ROLES:
        raise KeyRefused(f"Unknown role {role!r}; roles: {', '.join(ROLES)}.")
    if municipalities and role != "editor":
        raise KeyRefused("Only editor keys are limited to municipalities.")
    if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise KeyRefused(f"A key named {name!r} exists already (names are never reused, even after revoking).")
    codes = sorted(set(municipalities))
    known = set(db.session.scalars(select(Municipality.code).where(Municipality.code.in_(codes), Municipality.deleted_at.is_(None))))
    if unknown := [code for code in codes if code not in known]:
        raise KeyRefused(f"Unknown municipality codes: {', '.join(unknown)}.")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_id=key_id, secret_hash=_hash(secret), role=role, municipalities=codes)
    db.session.add(key)
    db.session.commit()
    return key, f"{PREFIX}{key_id}.{secret}"


def revoke(name: str) -> ApiKey:
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise KeyRefused(f"No key is named {name!r}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    return key


def all_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


# The columns a request needs, as a row read by a Core statement on the session's connection: every
# authenticated request reads it, and the ORM's handling of a statement costs more than the row.
_keys = ApiKey.__table__.c
_KEY_ROW = select(_keys.name, _keys.key_id, _keys.role, _keys.municipalities, _keys.secret_hash, _keys.revoked_at)


def authenticate(authorization: str | None) -> Principal | None:
    """The principal of an Authorization header; None without one; 401 for anything but a live key.

    Every request reads the key's row, so a revoked key stops working at once on every worker.
    """
    if authorization is None:
        return None
    scheme, _space, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized(_("Send the API key as Authorization: Bearer <key>."))
    match = KEY_PATTERN.fullmatch(token.strip())
    key = match and db.session.connection().execute(_KEY_ROW.where(_keys.key_id == match["key_id"])).first()
    if not key or not hmac.compare_digest(key.secret_hash, _hash(match["secret"])) or key.revoked_at is not None:
        raise unauthorized(_("The API key is unknown or revoked."), invalid_token=True)
    return Principal(key.name, key.key_id, key.role, frozenset(key.municipalities))


def request_principal() -> Principal | None:
    """The request's principal, resolved once per request (the result lives in `g`, never longer)."""
    if "authentication" not in g:
        try:
            g.authentication = authenticate(request.headers.get("Authorization"))
        except Unauthorized as error:  # remembered, so the rate limiter and the check below agree
            g.authentication = error
    if isinstance(g.authentication, Unauthorized):
        raise g.authentication
    return g.authentication


def _identify() -> None:
    if request.path.startswith(ACCESS_CONTROLLED_PREFIX):
        g.principal = request_principal()


def register_authentication(app: Flask) -> None:
    """Identify the key of every API request; runs after the rate limiter, which counts bad keys per address."""
    app.before_request(_identify)
