"""Webhook subscriptions: /api/v1/webhooks, /api/v1/webhooks/{id}, its ping and its delivery log."""

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import func, select

from api import auth
from api.conditional import answer_304_if_fresh, make_etag, require_if_match
from api.extensions import db
from api.i18n import _, lazy_gettext
from api.models import ApiKey, Municipality, WebhookMessage, WebhookSubscription
from api.models.base import utcnow
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, digest_page
from api.resources.webhooks.schemas import (
    DeliveryQueryArgsSchema,
    DeliverySchema,
    InquiryMessageSchema,
    PingMessageSchema,
    PingQueuedSchema,
    WebhookCreatedSchema,
    WebhookMessageSchema,
    WebhookSchema,
)
from api.smorest import Blueprint
from api.webhooks import fanout, queue
from api.webhooks.addresses import RefusedUrl, check_url
from api.webhooks.events import check_patterns
from api.webhooks.signing import new_secret

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Push subscriptions: each change a key may read, sent to its receiver, signed as Standard Webhooks.",
)
NOT_FOUND = lazy_gettext("No webhook subscription of yours has this id.")
# Each subscription multiplies the traffic a change causes: a key cannot point the server at many receivers.
MAX_PER_KEY = 20


def invalid(field: str, message: str):
    abort(422, message=_("The request has invalid fields: %(fields)s.", fields=field), errors={field: [message]})


def _visible():
    """A key's own subscriptions; an admin's are all of them."""
    query = select(WebhookSubscription)
    if not auth.current().has_role("admin"):
        query = query.join(ApiKey, WebhookSubscription.key_id == ApiKey.id).where(ApiKey.key_id == auth.current().key_id)
    return query


def _get(webhook_id: str) -> WebhookSubscription:
    subscription = db.session.scalars(_visible().where(WebhookSubscription.id == webhook_id)).first()
    if subscription is None:
        abort(404, message=NOT_FOUND)
    return subscription


def _etag(subscription: WebhookSubscription) -> str:
    return make_etag("WebhookSubscription", subscription.id, subscription.version)


def _answer(subscription: WebhookSubscription, status: int = 200, headers: dict | None = None):
    return subscription, status, {"ETag": f'"{_etag(subscription)}"', **(headers or {})}


def _check(data: dict) -> None:
    """The rules a schema cannot know: the key's role, live municipalities, and where the URL leads."""
    if "events" in data and (problem := check_patterns(data["events"], auth.current())):
        invalid("events", problem)
    if codes := data.get("municipalities"):
        known = set(db.session.scalars(select(Municipality.code).where(Municipality.code.in_(codes), Municipality.deleted_at.is_(None))))
        if unknown := sorted(set(codes) - known):
            invalid("municipality", _("Unknown municipality codes: %(codes)s.", codes=", ".join(unknown)))
    if "url" in data:
        try:
            check_url(data["url"], allow_private=current_app.config["WEBHOOKS_ALLOW_PRIVATE_URLS"])
        except RefusedUrl as error:
            invalid("url", str(error))


def _set_active(subscription: WebhookSubscription, active: bool) -> None:
    if active == subscription.active:
        return
    subscription.active = active
    if active:
        subscription.disabled_reason = subscription.disabled_at = subscription.failing_since = None
        if fanout.pruned_past(db.session, subscription.position):
            # Inactive for longer than the feed keeps changes: it resumes from now (its owner mirrors again).
            subscription.position = fanout.head(db.session)
    else:
        subscription.disabled_at = utcnow()
        subscription.disabled_reason = f"Turned off by the key {auth.current().name!r}."


@blp.route("")
class WebhooksViews(MethodView):
    @blp.requires("partner")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, WebhookSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.doc(operationId="listWebhooks")
    def get(self, args):
        """List your webhook subscriptions (an admin's list holds every key's)"""
        query = _visible().order_by(WebhookSubscription.created_at.desc(), WebhookSubscription.id)
        return digest_page(query, args, WebhookSchema)

    @blp.requires("partner")
    @blp.arguments(WebhookSchema)
    @blp.response(201, WebhookCreatedSchema)
    @blp.errors(409)
    @blp.doc(operationId="createWebhook")
    def post(self, data):
        """Subscribe: the answer holds the signing secret, shown only this once"""
        _check(data)
        key = db.session.scalar(select(ApiKey).where(ApiKey.key_id == auth.current().key_id))
        held = db.session.scalar(select(func.count()).where(WebhookSubscription.key_id == key.id))
        if held >= MAX_PER_KEY:
            abort(409, message=_("A key may hold %(count)s subscriptions; delete one first.", count=MAX_PER_KEY))
        now = utcnow()
        active = data.pop("active")
        subscription = WebhookSubscription(
            key=key, secret=new_secret(), active=True, position=fanout.head(db.session), created_at=now, updated_at=now, **data
        )
        _set_active(subscription, active)
        db.session.add(subscription)
        db.session.commit()
        location = url_for("webhooks.WebhooksByIdViews", webhook_id=subscription.id)
        return _answer(subscription, 201, {"Location": location})


@blp.route("/<webhook_id>")
class WebhooksByIdViews(MethodView):
    @blp.requires("partner")
    @blp.response(200, WebhookSchema)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="getWebhook")
    def get(self, webhook_id):
        """Get a webhook subscription"""
        subscription = _get(webhook_id)
        answer_304_if_fresh(_etag(subscription))
        return _answer(subscription)

    @blp.requires("partner")
    @blp.arguments(WebhookSchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, WebhookSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="updateWebhook")
    def patch(self, data, webhook_id):
        """Change a webhook subscription (JSON merge patch); `active: true` resumes a disabled one"""
        subscription = _get(webhook_id)
        require_if_match(_etag(subscription))
        _check(data)
        _set_active(subscription, data.pop("active", subscription.active))
        for name, value in data.items():
            setattr(subscription, name, value)
        if db.session.is_modified(subscription):
            subscription.updated_at = utcnow()
        db.session.commit()
        return _answer(subscription)

    @blp.requires("partner")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="deleteWebhook")
    def delete(self, webhook_id):
        """Unsubscribe: the subscription and its delivery log are removed"""
        subscription = _get(webhook_id)
        require_if_match(_etag(subscription))
        db.session.delete(subscription)
        db.session.commit()


@blp.route("/<webhook_id>/ping")
class WebhookPingViews(MethodView):
    # A ping takes no body; clients that always send JSON may send one, which is ignored.
    body_media_types = frozenset({"", "application/json"})

    @blp.requires("partner")
    @blp.response(202, PingQueuedSchema)
    @blp.errors(404, 409)
    @blp.doc(operationId="pingWebhook")
    def post(self, webhook_id):
        """Queue a `ping` message, delivered after the messages already waiting"""
        subscription = _get(webhook_id)
        if not subscription.active:
            abort(409, message=_("The subscription is not active; set active to true first."))
        message = queue.ping(subscription.id)
        db.session.add(message)
        db.session.commit()
        return {"id": message.id}


@blp.route("/<webhook_id>/deliveries")
class WebhookDeliveriesViews(MethodView):
    @blp.requires("partner")
    @blp.arguments(DeliveryQueryArgsSchema, location="query")
    @blp.response(200, DeliverySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="listWebhookDeliveries")
    def get(self, args, webhook_id):
        """List the messages to a subscription and how their delivery went, newest first"""
        subscription = _get(webhook_id)
        query = select(WebhookMessage).where(WebhookMessage.subscription_id == subscription.id)
        if args.get("status"):
            query = query.where(WebhookMessage.status.in_(args["status"]))
        return digest_page(query.order_by(WebhookMessage.seq.desc()), args, DeliverySchema)


SIGNATURE_HEADERS = [
    {
        "in": "header",
        "name": "webhook-id",
        "required": True,
        "description": "The message's id, the same on every retry: drop a message whose id you have processed.",
        "schema": {"type": "string"},
        "example": "msg_6f1c0e3b9a2d4e5f8a7b6c5d4e3f2a1b",
    },
    {
        "in": "header",
        "name": "webhook-timestamp",
        "required": True,
        "description": "When this attempt was sent, in Unix seconds; refuse messages more than 5 minutes off your clock.",
        "schema": {"type": "integer"},
        "example": 1795852800,
    },
    {
        "in": "header",
        "name": "webhook-signature",
        "required": True,
        "description": "`v1,` + base64 HMAC-SHA256, keyed with the secret's base64-decoded bytes (after `whsec_`), "
        "of `{webhook-id}.{webhook-timestamp}.{body}`. Standard Webhooks libraries check it for you.",
        "schema": {"type": "string"},
        "example": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    },
]
RECEIVER_RESPONSES = {
    "2XX": {"description": "Delivered: the next message of the subscription follows."},
    "410": {"description": "Gone: the subscription is disabled (active false, with its reason); nothing more is sent."},
    "default": {
        "description": "Anything else, a redirect, no answer within 10 s or a broken connection: retried on "
        "WEBHOOKS_RETRY_SCHEDULE (5 s, 5 min, 30 min, 2 h, 5 h, 10 h), then marked failed."
    },
}


def _receiver_operation(summary: str, schema_name: str, description: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "description": description,
            "operationId": f"receive{schema_name}",
            "parameters": SIGNATURE_HEADERS,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
            },
            "responses": RECEIVER_RESPONSES,
            "security": [],
        }
    }


def document_messages(spec) -> None:
    """Describe what receivers are sent, as OpenAPI 3.1 `webhooks`."""
    spec.components.schema("WebhookMessage", schema=WebhookMessageSchema)
    spec.components.schema("PingMessage", schema=PingMessageSchema)
    spec.components.schema("InquiryMessage", schema=InquiryMessageSchema)
    spec.options["webhooks"] = {
        "change": _receiver_operation(
            "A change the subscribing key may read",
            "WebhookMessage",
            "Sent for each change of the change feed that the subscribing key may see and that matches the "
            "subscription's `events` and `municipality`: type `<resource>.<action>`, `data` the change as "
            "GET /api/v1/changes shows it to that key. At least once, in feed order per subscription.",
        ),
        "inquiry": _receiver_operation(
            "A new investor's inquiry",
            "InquiryMessage",
            "Sent for each inquiry received about the subscribing editor's municipalities (an admin's: any, within the "
            "subscription's `municipality`) when `events` names `inquiry.created` or `inquiry.*`. It holds personal data.",
        ),
        "ping": _receiver_operation(
            "A test message", "PingMessage", "Queued by POST /api/v1/webhooks/{id}/ping, after the messages already waiting."
        ),
    }
