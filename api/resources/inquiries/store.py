"""The one place inquiries are written: received, given a status, erased, purged.

Inquiries are not directory records: they hold personal data, so they stay out of api.records (its
stamps, change feed, search and exports). Their audit entries name only the action and the status.
"""

from datetime import datetime

from sqlalchemy import delete, or_, select

from api import audit
from api.extensions import db
from api.models import Inquiry, WebhookMessage
from api.models.base import new_id, utcnow
from api.resources.inquiries.schemas import InquirySchema
from api.webhooks import events, fanout

# Statements stay short however many inquiries a purge erases.
ERASED_PER_STATEMENT = 500


def receive(values: dict, codes: set[str]) -> Inquiry:
    """Store an inquiry about these municipalities and queue it for the editors' webhooks, in one transaction."""
    now = utcnow()
    inquiry = Inquiry(id=new_id(), received_at=now, updated_at=now, status="new", municipality_codes=f" {' '.join(sorted(codes))} ", **values)
    db.session.add(inquiry)
    audit.add_entry(inquiry, "create", {}, now)
    fanout.queue_inquiry(db.session, codes, InquirySchema().dump(inquiry), now)
    db.session.commit()
    return inquiry


def set_status(inquiry: Inquiry, status: str) -> Inquiry:
    if status != inquiry.status:
        now = utcnow()
        audit.add_entry(inquiry, "update", {"status": [inquiry.status, status]}, now)
        inquiry.status, inquiry.updated_at = status, now
        db.session.commit()
    return inquiry


def _forget_messages(ids: list[str]) -> None:
    """Its `inquiry.created` webhook messages hold a copy of it (the delivery log keeps them): they go too."""
    for start in range(0, len(ids), ERASED_PER_STATEMENT):
        copies = or_(*(WebhookMessage.body.contains(f'"id":"{inquiry_id}"') for inquiry_id in ids[start : start + ERASED_PER_STATEMENT]))
        db.session.execute(delete(WebhookMessage).where(WebhookMessage.type == events.INQUIRY_CREATED, copies))


def erase(inquiry: Inquiry) -> None:
    """Gone from the database: no tombstone, no webhook copy, and the audit trail says only that it was erased."""
    audit.add_entry(inquiry, "delete", {}, utcnow())
    _forget_messages([inquiry.id])
    db.session.delete(inquiry)
    db.session.commit()


def purge(received_before: datetime) -> int:
    """Erase every inquiry received before the given time; how many."""
    ids = db.session.scalars(select(Inquiry.id).where(Inquiry.received_at < received_before)).all()
    now = utcnow()
    for inquiry_id in ids:
        audit.add_entry(Inquiry(id=inquiry_id), "delete", {}, now)
    _forget_messages(ids)
    for start in range(0, len(ids), ERASED_PER_STATEMENT):
        db.session.execute(delete(Inquiry).where(Inquiry.id.in_(ids[start : start + ERASED_PER_STATEMENT])))
    db.session.commit()
    return len(ids)
