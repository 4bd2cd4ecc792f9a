"""Event representation and list arguments."""

import marshmallow as ma

from api.auth import sees_private_fields
from api.fields import (
    HelsinkiDateTime,
    JsonBoolean,
    Localized,
    LocalizedColumns,
    LocalizedNameSchema,
    LocalizedTextSchema,
    LocalizedTitleSchema,
    MunicipalityCode,
    Name,
    QueryTime,
    References,
    Repeatable,
    SearchQuery,
    Text,
    Url,
)
from api.i18n import _
from api.models.base import STATUSES
from api.pagination import ListArgsSchema, Sort
from api.resources.schemas import ContactSchema, RecordSchema
from api.smorest import Schema

EVENT_STATUSES = ("scheduled", "postponed", "cancelled")


class OrganizerSchema(Schema):
    name = Name(required=True, metadata={"example": "Kehittämisyhtiö Karstulanseutu Oy"})
    company_id = ma.fields.String(load_default=None, allow_none=True, metadata={"description": "The organiser's id in this directory, if listed."})


class EventSchema(RecordSchema):
    PRIVATE_FIELDS = ("participation_url",)

    id = ma.fields.String(dump_only=True)
    title = LocalizedColumns(LocalizedTitleSchema, required=True)
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    start_time = HelsinkiDateTime(
        required=True,
        metadata={"description": "RFC 3339; without an offset it is Helsinki local time.", "example": "2020-12-08T09:00:00+02:00"},
    )
    end_time = HelsinkiDateTime(required=True, metadata={"description": "After start_time.", "example": "2020-12-08T12:00:00+02:00"})
    is_online = JsonBoolean(load_default=False)
    location_name = Text(max_length=200, load_default=None, allow_none=True)
    street_address = Text(max_length=200, load_default=None, allow_none=True)
    municipalities = References("code", load_default=list, validate=ma.validate.Length(max=100), metadata={"example": ["226"]})
    registration_url = Url(load_default=None, allow_none=True)
    registration_deadline = HelsinkiDateTime(load_default=None, allow_none=True, metadata={"example": "2020-12-02T16:00:00+02:00"})
    participation_url = Url(
        load_default=None,
        allow_none=True,
        metadata={"description": "The meeting link for registrants; shown to editors and admins only."},
    )
    target_groups = ma.fields.List(Localized(LocalizedNameSchema), load_default=list, validate=ma.validate.Length(max=50))
    organizer = ma.fields.Nested(OrganizerSchema, load_default=None, allow_none=True)
    facilitator = Text(max_length=200, load_default=None, allow_none=True)
    contact = ma.fields.Nested(ContactSchema, load_default=None, allow_none=True)
    spearheads = References("id", load_default=list, validate=ma.validate.Length(max=100))
    event_status = ma.fields.String(load_default="scheduled", validate=ma.validate.OneOf(EVENT_STATUSES))

    @ma.validates_schema
    def ends_after_start(self, data, **kwargs):
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            raise ma.ValidationError(_("An event ends after it starts."), "end_time")

    @ma.post_dump
    def hide_private_fields(self, data, **kwargs):
        if not sees_private_fields():
            for name in self.PRIVATE_FIELDS:
                data.pop(name, None)
        return data


class EventQueryArgsSchema(ListArgsSchema):
    q = SearchQuery("the title, description and location (every language)")
    start = QueryTime(
        metadata={"description": "Events that have not ended by this time (overlap); a date alone is the start of that Helsinki day."}
    )
    end = QueryTime(
        day_end=True,
        metadata={"description": "Events that start by this time (overlap); a date alone means until that Helsinki day ends."},
    )
    upcoming = ma.fields.Boolean(metadata={"description": "true: events that have not ended; false: events that have."})
    registration_open = ma.fields.Boolean(
        metadata={"description": "true: the registration deadline (or, without one, the start) is still ahead."}
    )
    municipality = Repeatable(MunicipalityCode(), "Municipality code.")
    spearhead = Repeatable(Text(max_length=100, min_length=1, metadata={"example": "wood-bioeconomy"}), "Spearhead id or slug.")
    is_online = ma.fields.Boolean()
    event_status = Repeatable(ma.fields.String(validate=ma.validate.OneOf(EVENT_STATUSES)), "Event status.")
    status = Repeatable(ma.fields.String(validate=ma.validate.OneOf(STATUSES)), "Status (readers without drafts see published only).")
    sort = Sort(("start_time", "end_time", "registration_deadline", "created_at", "updated_at"))

    @ma.validates_schema
    def start_before_end(self, data, **kwargs):
        if "start" in data and "end" in data and data["start"] > data["end"]:
            raise ma.ValidationError(_("end must not be before start."), "end")
