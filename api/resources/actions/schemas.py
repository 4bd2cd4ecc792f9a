"""Action representation and list arguments."""

import marshmallow as ma

from api.fields import (
    LocalizedColumns,
    LocalizedTextSchema,
    LocalizedTitleSchema,
    MunicipalityCode,
    Name,
    Reference,
    References,
    Repeatable,
    SearchQuery,
    Text,
)
from api.i18n import _
from api.models.base import STATUSES
from api.pagination import ListArgsSchema, Sort
from api.resources.schemas import RecordSchema
from api.smorest import Schema

KINDS = ("action", "operating_model", "cooperation")
# In the default order of a list: the work under way first, what is settled last.
STAGES = ("in_progress", "approved", "proposed", "done", "dropped")
CLOSED_STAGES = ("done", "dropped")
EXAMPLE_ID = "7b0e4d2a-1c3f-4e5a-9b6c-8d7e6f5a4b3c"


class ResponsibleSchema(Schema):
    name = Name(required=True, metadata={"example": "Viitasaaren elinkeinopalvelut"})
    company = ma.fields.String(
        load_default=None, allow_none=True, metadata={"description": "The responsible company's id in this directory, if listed."}
    )


class ActionSchema(RecordSchema):
    id = ma.fields.String(dump_only=True, metadata={"example": EXAMPLE_ID})
    spearhead = Reference(
        "spearhead_record",
        required=True,
        metadata={"description": "The spearhead's id (null to readers of a draft spearhead); a slug is accepted on write and stored as the id.", "example": "wood-bioeconomy"},
    )
    kind = ma.fields.String(
        load_default="action",
        validate=ma.validate.OneOf(KINDS),
        metadata={"description": "An action, an operating model or a form of cooperation.", "example": "cooperation"},
    )
    title = LocalizedColumns(LocalizedTitleSchema, required=True, metadata={"example": {"fi": "Yhteinen puurakentamisen hankintarengas"}})
    description = LocalizedColumns(LocalizedTextSchema, load_default=None, allow_none=True)
    stage = ma.fields.String(
        load_default="proposed",
        validate=ma.validate.OneOf(STAGES),
        metadata={"description": "Where the work stands.", "example": "in_progress"},
    )
    responsible = ma.fields.Nested(ResponsibleSchema, load_default=None, allow_none=True)
    municipalities = References(
        "code",
        load_default=list,
        validate=ma.validate.Length(max=100),
        metadata={"description": "Codes; empty means the whole sub-region (written by admins only).", "example": ["931"]},
    )
    starts_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"example": "2027-01-15"})
    due_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "Not before starts_on.", "example": "2027-06-30"})
    progress_note = LocalizedColumns(
        LocalizedTextSchema, load_default=None, allow_none=True, metadata={"example": {"fi": "Kolme yritystä mukana, sopimus valmisteilla."}}
    )
    proposed_at_event = Reference(
        "proposed_at", load_default=None, allow_none=True, metadata={"description": "The id of the event that proposed it, such as the workshop."}
    )
    events = References("id", load_default=list, validate=ma.validate.Length(max=100), metadata={"description": "Related event ids."})

    @ma.validates_schema
    def due_not_before_start(self, data, **kwargs):
        if data.get("starts_on") and data.get("due_on") and data["due_on"] < data["starts_on"]:
            raise ma.ValidationError(_("An action is not due before it starts."), "due_on")


class ActionFilterArgsSchema(ListArgsSchema):
    q = SearchQuery("the title, description and progress note (every language)")
    spearhead = Repeatable(Text(max_length=100, min_length=1, metadata={"example": "wood-bioeconomy"}), "Spearhead id or slug.")
    kind = Repeatable(ma.fields.String(validate=ma.validate.OneOf(KINDS)), "Kind.")
    stage = Repeatable(ma.fields.String(validate=ma.validate.OneOf(STAGES)), "Stage.")
    municipality = Repeatable(MunicipalityCode(), "Municipality code; actions for the whole sub-region match every code.")
    due_before = ma.fields.Date(metadata={"description": "Actions due before this date (those without a due date are left out).", "example": "2027-01-01"})
    overdue = ma.fields.Boolean(
        metadata={"description": "true: due before today (Helsinki) and neither done nor dropped; false: every other action."}
    )
    status = Repeatable(ma.fields.String(validate=ma.validate.OneOf(STATUSES)), "Status (readers without drafts see published only).")


class ActionQueryArgsSchema(ActionFilterArgsSchema):
    sort = Sort(("stage", "due_on", "starts_on", "title", "created_at", "updated_at"))


class SpearheadActionsArgsSchema(ActionQueryArgsSchema):
    """The action list's arguments under /spearheads/{id-or-slug}/actions; the spearhead is the path's."""

    class Meta(ActionQueryArgsSchema.Meta):
        exclude = ("spearhead",)


class ActionCalendarArgsSchema(ActionFilterArgsSchema):
    """The list's filters for the iCalendar feed, which is not paged and holds published actions only."""

    class Meta(ActionFilterArgsSchema.Meta):
        exclude = ("page", "page_size", "include_deleted", "status")
