"""A record's audit trail as a paginated list, newest first: the `…/history` endpoints."""

import marshmallow as ma
from flask import abort, request
from sqlalchemy import ColumnElement, select

from api.audit import RECORD_TYPES, plain
from api.conditional import answer_304_if_fresh, make_etag
from api.extensions import db
from api.models import AuditEntry
from api.pagination import paginate
from api.smorest import Schema


class AuditEntrySchema(Schema):
    at = ma.fields.AwareDateTime(metadata={"description": "When the change committed (the record's updated_at)."})
    actor = ma.fields.String(metadata={"description": "The API key's name, or the command that wrote.", "example": "karstula-editor"})
    action = ma.fields.String(metadata={"enum": ["create", "update", "delete"]})
    changes = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.Raw(), validate=ma.validate.Length(equal=2)),
        metadata={
            "description": "`{field: [old, new]}` for each field the change set; a create has null old values.",
            "example": {"name": ["Karstulan Puutuote Oy", "Karstulan Puu Oy"], "tags": [["saha"], ["saha", "vienti"]]},
        },
    )


def read_history(model, identifies: ColumnElement[bool], not_found: str, args: dict):
    """The trail of a record, also once it is deleted (its delete is the newest entry); 404 if it never was."""
    query = select(model).where(identifies).order_by(model.deleted_at.is_not(None), model.deleted_at.desc())
    record = db.session.scalars(query).first()
    if record is None:
        abort(404, not_found)
    entries = (
        select(AuditEntry)
        .where(AuditEntry.record_type == RECORD_TYPES[model.__tablename__], AuditEntry.record_id == str(plain(record)))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    # Every write adds an entry stamped with the record's new updated_at, which thus validates the trail.
    etag = make_etag(request.full_path, record.updated_at)
    answer_304_if_fresh(etag)
    page = paginate(entries, args, record.updated_at)
    return page.items, 200, {**page.headers(), "ETag": f'"{etag}"'}
