"""The PATCH scenario's floor: a bare write of the same row, with none of the app's write path.

Served under the same gunicorn settings as the app, against the app's database (DATABASE_URL), it
answers bench/patch.lua as the app does: a GET of a company gives its version as the ETag; a PATCH
with that ETag in If-Match checks the editor's key (its row read, its secret hashed), then sets the
English description with one UPDATE that checks and counts the version, and answers the row as
JSON with the new ETag (412 when the version moved on). What it leaves out is what the app's write
adds: validation of the merged record, the scope and reference checks, the stamp in commit order,
the audit entry, the change feed, the search document, and the ETag of the linked records.
"""

import hashlib
import hmac
import os

import orjson
from flask import Flask, Response, request
from sqlalchemy import create_engine, text

from api.keys import KEY_PATTERN

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], pool_size=8, pool_pre_ping=False)
KEY_ROW = text("SELECT role, secret_hash, revoked_at FROM api_keys WHERE key_id = :key_id")
READ = text("SELECT * FROM companies WHERE id = :id AND deleted_at IS NULL")
WRITE = text(
    "UPDATE companies SET description_en = :description, updated_at = now(), version = version + 1 "
    "WHERE id = :id AND version = :version AND deleted_at IS NULL RETURNING *"
)


def answer(row, status: int = 200) -> Response:
    return Response(orjson.dumps(dict(row), default=str), status=status, content_type="application/json",
                    headers={"ETag": f'"{row["version"]}"'})


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/api/v1/companies/<company_id>")
def read(company_id):
    with engine.connect() as connection:
        row = connection.execute(READ, {"id": company_id}).mappings().first()
    return answer(row) if row else Response(status=404)


@app.patch("/api/v1/companies/<company_id>")
def write(company_id):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    key = KEY_PATTERN.fullmatch(token) if scheme.lower() == "bearer" else None
    version = request.headers.get("If-Match", "").strip('"')
    with engine.begin() as connection:
        found = key and connection.execute(KEY_ROW, {"key_id": key["key_id"]}).first()
        secret_hash = hashlib.sha256(key["secret"].encode()).hexdigest() if key else ""
        if not found or found.revoked_at is not None or not hmac.compare_digest(found.secret_hash, secret_hash):
            return Response(status=401)
        description = (request.get_json(force=True).get("description") or {}).get("en")
        row = connection.execute(WRITE, {"description": description, "id": company_id, "version": int(version or 0)}).mappings().first()
    return answer(row) if row else Response(status=412)
