"""Schema pieces shared by the resources: record metadata, tombstones, contacts, list arguments."""

import marshmallow as ma

from api.fields import Email, Name, Phone, Text
from api.models.base import STATUSES
from api.smorest import Schema


class RecordSchema(Schema):
    """Fields every record has; a deleted record is dumped as its tombstone."""

    TOMBSTONE_KEY = "id"
    # Fields shown to editors and admins only.
    PRIVATE_FIELDS: tuple[str, ...] = ()

    status = ma.fields.String(
        load_default="published",
        validate=ma.validate.OneOf(STATUSES),
        metadata={"description": "Anonymous readers see published records only."},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.post_dump(pass_original=True)
    def tombstone_if_deleted(self, data, original, **kwargs):
        if getattr(original, "deleted_at", None) is None:
            return data
        return {
            self.TOMBSTONE_KEY: data[self.TOMBSTONE_KEY],
            "deleted_at": original.deleted_at.isoformat(),
            "updated_at": data["updated_at"],
        }


class ContactSchema(Schema):
    name = Name(required=True)
    title = Text(max_length=200, allow_none=True)
    organization = Text(max_length=200, allow_none=True)
    phone = Phone(allow_none=True)
    email = Email(allow_none=True)
