"""Schema pieces shared by the resources: record metadata, tombstones, places, contacts, list arguments."""

import marshmallow as ma
from flask import g

from api import geo
from api.auth import may_see
from api.fields import BoundingBox, Coordinates, Email, Name, Phone, Text
from api.geo import Box
from api.i18n import _
from api.models.base import STATUSES
from api.pagination import ListArgsSchema
from api.smorest import Schema

DEFAULT_RADIUS_KM = 50
MAX_RADIUS_KM = 1000


class RecordSchema(Schema):
    """Fields every record has; a record this reader may no longer see (deleted, or unpublished) is dumped as its tombstone."""

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
        if may_see(original):
            return data
        return {
            self.TOMBSTONE_KEY: data[self.TOMBSTONE_KEY],
            # An unpublished record left this reader's view with its latest change.
            "deleted_at": (original.deleted_at or original.updated_at).isoformat(),
            "updated_at": data["updated_at"],
        }


def LastVerifiedAt() -> ma.fields.AwareDateTime:
    """When an editor last wrote the record or confirmed it as still true (`POST …/verify`); null while none has."""
    return ma.fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "When an editor (or admin) last changed the record or verified it as still true "
            "(`POST …/{id}/verify`); null while none has. Read-only.",
            "example": "2026-11-28T12:00:00+00:00",
        },
    )


class ContactSchema(Schema):
    name = Name(required=True)
    title = Text(max_length=200, allow_none=True)
    organization = Text(max_length=200, allow_none=True)
    phone = Phone(allow_none=True)
    email = Email(allow_none=True)


class LocatedSchema(RecordSchema):
    """A record with a place: coordinates in pairs (inside REGION when one is set), and its distance in `near` answers."""

    REGION: Box | None = None

    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    distance_km = ma.fields.Method(
        "_distance_km",
        dump_only=True,
        metadata={
            "type": "number",
            "description": "Great-circle kilometres (to the metre) from the `near` point; only in answers to a `near` query.",
            "example": 12.345,
        },
    )

    def _distance_km(self, record):
        origin = g.get("distance_origin")
        distance = origin and geo.haversine_km(record.latitude, record.longitude, origin.lat, origin.lon)
        return None if distance is None else round(distance, 3)

    @ma.post_dump
    def distance_only_near(self, data, **kwargs):
        if "distance_origin" not in g:
            data.pop("distance_km", None)
        return data

    @ma.validates_schema
    def coordinates_come_in_pairs(self, data, **kwargs):
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None):
            raise ma.ValidationError(_("Give both latitude and longitude, or neither."), "longitude")
        if self.REGION and latitude is not None and not geo.contains(self.REGION, latitude, longitude):
            raise ma.ValidationError(_("The place lies outside the area this directory covers (Finland)."), "latitude")


class MapQueryArgsSchema(ListArgsSchema):
    """A list's map filters: a box, or a circle around a point whose distance each answer then carries."""

    bbox = BoundingBox(metadata={"description": "Records inside minLon,minLat,maxLon,maxLat (WGS 84)."})
    near = Coordinates(
        metadata={"description": "lat,lon: records within `radius_km` of this point, each with its `distance_km`."}
    )
    radius_km = ma.fields.Float(
        validate=ma.validate.Range(min=0, max=MAX_RADIUS_KM, min_inclusive=False),
        metadata={"description": f"Radius of a `near` query, up to {MAX_RADIUS_KM} (default {DEFAULT_RADIUS_KM}).", "example": 30},
    )

    @ma.validates_schema
    def distance_needs_a_point(self, data, **kwargs):
        if "radius_km" in data and "near" not in data:
            raise ma.ValidationError(_("radius_km needs near=lat,lon."), "radius_km")
        if any(key.field == "distance_km" for key in data.get("sort") or []) and "near" not in data:
            raise ma.ValidationError(_("Sorting by distance_km needs near=lat,lon."), "sort")
