"""Webhook subscription, delivery log and message representations."""

import marshmallow as ma

from api.fields import MunicipalityCode, Text
from api.models.webhook import MESSAGE_STATUSES
from api.pagination import PageArgsSchema
from api.resources.changes.schemas import ChangeSchema
from api.resources.inquiries.schemas import InquirySchema
from api.smorest import Schema
from api.webhooks.events import MAX_PATTERNS, PATTERN_HELP

URL_EXAMPLE = "https://crm.example.fi/hooks/directory"


class WebhookSchema(Schema):
    id = ma.fields.String(dump_only=True, metadata={"example": "5b0c1e0e-8f3a-4d7e-9a51-2f0e6f3c9b11"})
    url = Text(
        required=True,
        max_length=2000,
        metadata={
            "description": "The receiver: an https URL on a public address (checked now and at every delivery).",
            "example": URL_EXAMPLE,
        },
    )
    events = ma.fields.List(
        Text(max_length=40),
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_PATTERNS),
        metadata={"description": PATTERN_HELP, "example": ["company.*", "event.created", "site.*"]},
    )
    municipality = ma.fields.List(
        MunicipalityCode(),
        attribute="municipalities",
        load_default=list,
        allow_none=True,
        validate=ma.validate.Length(max=100),
        metadata={
            "description": "Send only changes of records in one of these municipalities, before or after the change "
            "(empty: every change).",
            "example": ["226"],
        },
    )
    description = Text(max_length=200, load_default=None, allow_none=True, metadata={"example": "Karstula CRM sync"})
    active = ma.fields.Boolean(
        load_default=True,
        metadata={
            "description": "Messages are sent while true. Turned off by a 410 answer or days of failures "
            "(see disabled_reason); set true again to resume from where delivery stopped."
        },
    )
    disabled_reason = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"example": "The receiver answered 410 Gone at 2026-11-28T09:12:03+00:00."}
    )
    disabled_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    key = ma.fields.Function(
        lambda subscription: subscription.key.name,
        dump_only=True,
        metadata={"description": "The API key that subscribed: messages show what it may read.", "example": "karstula-crm"},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.post_load
    def no_municipality_is_every_municipality(self, data, **kwargs):
        if "municipalities" in data and data["municipalities"] is None:
            data["municipalities"] = []
        return data


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The signing secret, `whsec_` + base64 of 32 random bytes; shown in this answer only. "
            "Give it to a Standard Webhooks library to verify each message.",
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw9lqsMEFu8yI=",
        },
    )


class DeliverySchema(Schema):
    """One message to a subscription and how its delivery went."""

    id = ma.fields.String(metadata={"description": "The message's webhook-id header, the same on every retry.", "example": "msg_6f1c0e3b9a2d4e5f8a7b6c5d4e3f2a1b"})
    type = ma.fields.String(metadata={"example": "company.updated"})
    cursor = ma.fields.String(allow_none=True, metadata={"description": "The change's feed cursor (null for ping)."})
    status = ma.fields.String(metadata={"enum": list(MESSAGE_STATUSES)})
    attempts = ma.fields.Integer(metadata={"example": 1})
    last_status_code = ma.fields.Integer(allow_none=True, metadata={"example": 200})
    last_error = ma.fields.String(allow_none=True, metadata={"example": "HTTP 503: upstream unavailable"})
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "When a pending message is tried next."})
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime(metadata={"description": "When the message was queued."})


class DeliveryQueryArgsSchema(PageArgsSchema):
    status = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(MESSAGE_STATUSES)),
        metadata={"description": "Repeatable; any of these statuses."},
    )


class WebhookMessageSchema(Schema):
    """The body of every message (signed as Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)."""

    type = ma.fields.String(metadata={"description": "`<resource>.<action>`, `inquiry.created` or `ping`.", "example": "company.updated"})
    timestamp = ma.fields.AwareDateTime(metadata={"description": "When the change committed (RFC 3339)."})
    data = ma.fields.Nested(ChangeSchema, metadata={"description": "The change as GET /api/v1/changes shows it to the subscribing key."})


class InquiryMessageSchema(Schema):
    """The body of an `inquiry.created` message, sent to editors' and admins' subscriptions that ask for it by name."""

    type = ma.fields.String(metadata={"enum": ["inquiry.created"]})
    timestamp = ma.fields.AwareDateTime(metadata={"description": "When the inquiry was received."})
    data = ma.fields.Nested(InquirySchema, metadata={"description": "The inquiry as GET /api/v1/inquiries/{id} shows it."})


class PingDataSchema(Schema):
    webhook = ma.fields.String(metadata={"description": "The subscription's id."})


class PingMessageSchema(Schema):
    """The body of a ping, queued by POST /api/v1/webhooks/{id}/ping."""

    type = ma.fields.String(metadata={"enum": ["ping"]})
    timestamp = ma.fields.AwareDateTime()
    data = ma.fields.Nested(PingDataSchema)


class PingQueuedSchema(Schema):
    id = ma.fields.String(metadata={"description": "The ping's webhook-id; follow it in the delivery log."})
