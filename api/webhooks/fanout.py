"""Fan-out: each change of the feed becomes a message to every subscription whose key may see it and that asks for it.

Each subscription keeps its own position in the feed. A worker locks a few subscriptions that are
behind (`FOR UPDATE SKIP LOCKED`, so workers never fan out the same one twice), reads the changes after
each one's position as the feed shows them to its key, queues the wanted ones and moves the position,
all in one transaction: a change is queued once, and a worker killed midway leaves the position where
it was. Feed positions are given in commit order, so reading after a position never skips a change
that commits late.
"""

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from api.auth import ROLE_RANK
from api.models import ApiKey, Change, WebhookSubscription
from api.models.base import utcnow
from api.records.feed import seen as as_seen
from api.webhooks import events, queue

SUBSCRIPTIONS_PER_STEP = 20
CHANGES_PER_STEP = 500
# Core tables: the worker runs these statements at every step (see delivery).
changes, subscriptions, api_keys = Change.__table__, WebhookSubscription.__table__, ApiKey.__table__


def head(session: Session) -> int:
    """The feed's latest position (0 before the first change): where a new subscription starts."""
    return session.scalar(select(func.coalesce(func.max(changes.c.position), 0)))


def pruned_past(session: Session, position: int) -> bool:
    """Whether changes after `position` have been pruned (CHANGES_RETENTION_DAYS) before it read them."""
    oldest = session.scalar(select(func.min(changes.c.position)))
    return oldest is not None and position < oldest - 1


BEHIND_RETENTION = (
    "The change feed pruned changes (CHANGES_RETENTION_DAYS) before they were sent: mirror the records again "
    "from a full listing, then set active to true to receive changes from then on."
)


def disable_revoked(session: Session) -> None:
    """A revoked key's subscriptions stop, saying why (fan-out and delivery skip them already)."""
    subscription = subscriptions.c
    now = utcnow()
    revoked = select(api_keys.c.id).where(api_keys.c.revoked_at.is_not(None))
    session.execute(
        update(subscriptions)
        .where(subscription.active, subscription.key_id.in_(revoked))
        .values(
            active=False,
            disabled_reason="The subscribing API key was revoked.",
            disabled_at=now,
            updated_at=now,
            version=subscription.version + 1,
        )
    )


def _changes_for(session: Session, subscription, private: bool, newest: int) -> list:
    change = changes.c
    query = (
        select(changes)
        .where(change.position > subscription.position, change.position <= newest)
        .order_by(change.position)
        .limit(CHANGES_PER_STEP)
    )
    if not private:
        query = query.where(change.public_action.is_not(None))
    if subscription.municipalities:
        query = query.where(or_(*(change.municipalities.contains(f" {code} ") for code in subscription.municipalities)))
    return session.execute(query).all()


def fan_out(session: Session) -> bool:
    """Queue the changes some subscriptions have not had yet; True when more may be waiting."""
    subscription = subscriptions.c
    newest = head(session)
    behind = (
        select(subscription.id, subscription.events, subscription.municipalities, subscription.position, api_keys.c.role)
        .select_from(subscriptions.join(api_keys, api_keys.c.id == subscription.key_id))
        .where(subscription.active, subscription.position < newest, api_keys.c.revoked_at.is_(None))
        .order_by(subscription.position)
        .limit(SUBSCRIPTIONS_PER_STEP)
        .with_for_update(of=subscriptions, skip_locked=True)
    )
    rows = session.execute(behind).all()
    more = len(rows) == SUBSCRIPTIONS_PER_STEP
    for row in rows:
        if pruned_past(session, row.position):
            now = utcnow()
            session.execute(
                update(subscriptions)
                .where(subscription.id == row.id)
                .values(active=False, disabled_reason=BEHIND_RETENTION, disabled_at=now, updated_at=now, version=subscription.version + 1)
            )
            continue
        # Drafts and private fields follow the feed's own reading rule for the key's role.
        private = ROLE_RANK[row.role] >= ROLE_RANK["editor"]
        found = _changes_for(session, row, private, newest)
        for change in found:
            item = as_seen(change, private)
            message_type = f"{item['resource']}.{item['action']}"
            if events.wanted(row.events, message_type):
                session.add(queue.message(row.id, message_type, item, change.at, cursor=item["cursor"]))
        more = more or len(found) == CHANGES_PER_STEP
        # A full page: more may follow; otherwise every change up to `newest` has been considered.
        position = found[-1].position if len(found) == CHANGES_PER_STEP else newest
        session.execute(update(subscriptions).where(subscription.id == row.id).values(position=position))
    return more


def queue_inquiry(session: Session, codes: set[str], data: dict, at) -> None:
    """Queue `inquiry.created` for the editors' and admins' subscriptions that asked for it and whose area it touches.

    Inquiries are not in the change feed (they hold personal data), so they are queued when received,
    in the same transaction: a partner's subscription never gets one, nor an editor's outside their municipalities.
    """
    subscription = subscriptions.c
    rows = session.execute(
        select(subscription.id, subscription.events, subscription.municipalities, api_keys.c.role, api_keys.c.municipalities.label("area"))
        .select_from(subscriptions.join(api_keys, api_keys.c.id == subscription.key_id))
        .where(subscription.active, api_keys.c.revoked_at.is_(None), api_keys.c.role.in_(("editor", "admin")))
    ).all()
    for row in rows:
        limited_to = [set(row.municipalities or ())]
        if row.role == "editor":
            limited_to.append(set(row.area or ()))
        if events.wanted(row.events, events.INQUIRY_CREATED) and all(not area or area & codes for area in limited_to):
            session.add(queue.message(row.id, events.INQUIRY_CREATED, data, at))
