"""The rules a write obeys before it is made: merge patch, references, unique values, and what counts as a change."""

from typing import Any

import marshmallow as ma
from flask_smorest import abort as abort_with
from sqlalchemy import inspect, select

from api.extensions import db
from api.i18n import _
from api.models.base import LocalizedText
from api.serialization import plan_for

# The records the writes of a session resolved, held for as long as it lives (or until a bulk writer
# empties it): its identity map holds them only weakly, and a write's answer takes their stamps for its
# ETag from the session (api.resources.records.record_etag) rather than reading them again.
RESOLVED = "records.resolved"


def invalid(field: str, message: str):
    """Answer 422 naming one field, as schema validation does."""
    abort_with(422, message=_("The request has invalid fields: %(fields)s.", fields=field), errors={field: [message]})


def conflict(field: str, message: str):
    abort_with(409, message=message, errors={field: [message]})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def writable_values(schema: ma.Schema, record) -> dict:
    """The record as the body a client would write: what a merge patch applies to."""
    # Through the schema's dump plan (api.serialization): the same fields and hooks, without marshmallow's slow path.
    return {
        name: value
        for name, value in plan_for(type(schema)).dump(record).items()
        if name in schema.load_fields and value is not None
    }


def merged(schema: ma.Schema, record, patch) -> dict:
    """Apply a JSON merge patch to the record's writable fields (none for a new record) and validate the result.

    Raises marshmallow's ValidationError naming each bad field.
    """
    if not isinstance(patch, dict):
        raise ma.ValidationError({"_body": [_("A merge patch is a JSON object.")]})
    current = writable_values(schema, record) if record is not None else {}
    return schema.load(merge_patch(current, patch))


def resolve(model, key_column, keys: list[str], field: str) -> list:
    """Turn the keys a client wrote into live records, or answer 422 naming the unknown ones."""
    if not keys:
        return []
    found = {
        getattr(record, key_column.key): record
        for record in db.session.scalars(
            select(model).where(key_column.in_(keys), model.deleted_at.is_(None))
        )
    }
    unknown = [key for key in keys if key not in found]
    if unknown:
        invalid(field, _("Unknown: %(keys)s.", keys=", ".join(unknown)))
    db.session.info.setdefault(RESOLVED, set()).update(found.values())
    return [found[key] for key in keys]


def _plain(value):
    """Values as compared: a multilingual text with no language is the same as none."""
    return value.to_dict() if isinstance(value, LocalizedText) else value


def _keys(linked: list) -> set:
    return {item.__mapper__.primary_key_from_instance(item)[0] for item in linked}


def differs(record, values: dict) -> bool:
    """Whether writing these model values would change the record; a write that changes nothing is no write at all."""
    links = inspect(type(record)).relationships.keys()
    for name, value in values.items():
        current = getattr(record, name)
        if name in links:
            # Linked records are a set, shown in their own order whatever order the writer gave.
            if _keys(current) != _keys(value):
                return True
        elif _plain(current) != _plain(value):
            return True
    return False
