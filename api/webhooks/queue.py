"""Queuing a message: its body is written once, so every attempt sends (and signs) the same bytes."""

from datetime import datetime

from api.jsonio import dumps
from api.models import WebhookMessage
from api.models.base import utcnow
from api.webhooks import events
from api.webhooks.signing import new_message_id


def message(subscription_id: str, message_type: str, data, at: datetime, cursor: str | None = None) -> WebhookMessage:
    """A pending message, due now; the caller adds it to the session (in the transaction that decides it)."""
    body = dumps({"type": message_type, "timestamp": at.isoformat(), "data": data}).decode()
    now = utcnow()
    return WebhookMessage(
        id=new_message_id(),
        subscription_id=subscription_id,
        type=message_type,
        cursor=cursor,
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def ping(subscription_id: str) -> WebhookMessage:
    return message(subscription_id, events.PING, {"webhook": subscription_id}, utcnow())
