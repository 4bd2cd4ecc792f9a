"""Inquiry bodies: what a sender writes, what the sender gets back, what editors read and set."""

import re

import marshmallow as ma

from api.fields import Email, JsonBoolean, MunicipalityCode, Name, Phone, Text
from api.i18n import _
from api.models.inquiry import INQUIRY_STATUSES
from api.pagination import PageArgsSchema
from api.smorest import Schema

MESSAGE_LENGTH = 5000
MAX_MESSAGE_LINKS = 5
# What a reader would follow as a link: a URL with a scheme, or an address starting www.
LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
EXAMPLE_ID = "9b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"


def _no_link(value: str) -> None:
    if LINK.search(value):
        raise ma.ValidationError(_("A name may not contain a link."))


def _few_links(value: str) -> None:
    if len(LINK.findall(value)) > MAX_MESSAGE_LINKS:
        raise ma.ValidationError(_("A message may contain at most %(count)s links.", count=MAX_MESSAGE_LINKS))


def _consented(value: bool) -> None:
    if value is not True:
        raise ma.ValidationError(_("Consent to store these details to answer the inquiry is required (true)."))


class InquiryRequestSchema(Schema):
    """What the platform's form sends."""

    name = Name(required=True, validate=[_no_link], metadata={"example": "Maria Virtanen"})
    email = Email(required=True, metadata={"example": "maria.virtanen@example.com"})
    phone = Phone(load_default=None, allow_none=True)
    organisation = Text(max_length=200, load_default=None, allow_none=True, metadata={"example": "Nordic Timber Ab"})
    message = Text(
        required=True,
        min_length=1,
        max_length=MESSAGE_LENGTH,
        one_line=False,
        validate=[_few_links],
        metadata={"description": "At most 5,000 characters and 5 links.", "example": "We look for 2,000 m² of production space with rail."},
    )
    site = Text(
        max_length=36,
        load_default=None,
        allow_none=True,
        metadata={"description": "The id of the site it is about.", "example": "3d2f7c1e-5b4a-4c8e-9f10-2a6b7c8d9e01"},
    )
    spearhead = Text(
        max_length=100,
        load_default=None,
        allow_none=True,
        metadata={"description": "The id or slug of the spearhead it is about.", "example": "bioeconomy"},
    )
    municipality = MunicipalityCode(load_default=None, allow_none=True, metadata={"description": "The code of the municipality it is about."})
    consent = JsonBoolean(
        required=True,
        validate=_consented,
        metadata={"description": "Must be true: the sender agrees that these details are stored to answer the inquiry."},
    )
    website = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Leave out or empty. A hidden form field that only robots fill in: such an inquiry is answered 202 and dropped."},
    )

    @ma.validates_schema
    def about_something(self, data, **kwargs):
        if not any(data.get(name) for name in ("site", "spearhead", "municipality")):
            raise ma.ValidationError(_("Say what the inquiry is about: a site, a spearhead or a municipality."), "site")


class InquiryReceivedSchema(Schema):
    id = ma.fields.String(metadata={"example": EXAMPLE_ID})
    received_at = ma.fields.AwareDateTime()


class InquirySchema(Schema):
    """An inquiry as its editors read it; only `status` can be changed."""

    id = ma.fields.String(dump_only=True, metadata={"example": EXAMPLE_ID})
    received_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(INQUIRY_STATUSES), metadata={"example": "in_progress"})
    name = ma.fields.String(dump_only=True, metadata={"example": "Maria Virtanen"})
    email = ma.fields.String(dump_only=True, metadata={"example": "maria.virtanen@example.com"})
    phone = ma.fields.String(dump_only=True, allow_none=True, metadata={"example": "+358401234567"})
    organisation = ma.fields.String(dump_only=True, allow_none=True, metadata={"example": "Nordic Timber Ab"})
    message = ma.fields.String(dump_only=True)
    site = ma.fields.String(dump_only=True, allow_none=True, attribute="site_id")
    spearhead = ma.fields.String(dump_only=True, allow_none=True, attribute="spearhead_id")
    municipality = ma.fields.String(dump_only=True, allow_none=True)
    municipalities = ma.fields.List(
        ma.fields.String(),
        dump_only=True,
        metadata={"description": "Every municipality it concerns: the one named, the site's, the spearhead's.", "example": ["601"]},
    )


class InquiryQueryArgsSchema(PageArgsSchema):
    status = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(INQUIRY_STATUSES)), metadata={"description": "Repeatable; any of these statuses."}
    )
    municipality = ma.fields.List(MunicipalityCode(), metadata={"description": "Repeatable; inquiries concerning any of these."})
