"""Webhook subscriptions, the messages queued for them, and the delivery counts /metrics reports."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.models.api_key import ApiKey
from api.models.base import Base, UTCDateTime, new_id, utcnow

MESSAGE_STATUSES = ("pending", "delivered", "failed")


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # The key that subscribed: messages show what this key may read, and only it (or an admin) sees them.
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    key: Mapped[ApiKey] = relationship(lazy="joined")
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    # Municipality codes a change must touch to be sent; empty sends every change.
    municipalities: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(String(200))
    # Kept as given, not hashed like API keys: signing a message needs the secret itself, and the
    # receiver never presents it back to us for a hash to be compared with.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first failed attempt since the last delivered message: failing for too long disables.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The change feed's position up to which changes have been turned into this subscription's messages.
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class WebhookMessage(Base):
    """One message to one subscription: the body is fixed when queued, so every retry sends the same bytes."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        # The workers' queue, due messages first; whether a message has an earlier one still waiting;
        # and a subscription's delivery log, newest first.
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_waiting", "subscription_id", "status", "seq"),
        Index("ix_webhook_messages_line", "subscription_id", "seq"),
    )

    # Queue order: a subscription's messages are delivered in this order (feed order).
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    # The webhook-id header: the same on every attempt, so receivers can drop repeats.
    id: Mapped[str] = mapped_column(String(40), unique=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    cursor: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker sending the message holds it until then; a worker killed mid-delivery lets it go this way.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDeliveryCount(Base):
    """Attempts by outcome, counted in the database so that every worker on every host adds to one total."""

    __tablename__ = "webhook_delivery_counts"

    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
