"""Many-to-many link tables between companies, events, sites, actions, spearheads and municipalities."""

from sqlalchemy import Column, ForeignKey, Table

from api.models.base import Base

company_spearheads = Table(
    "company_spearheads",
    Base.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("spearhead_id", ForeignKey("spearheads.id", ondelete="CASCADE"), primary_key=True, index=True),
)

event_spearheads = Table(
    "event_spearheads",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("spearhead_id", ForeignKey("spearheads.id", ondelete="CASCADE"), primary_key=True, index=True),
)

event_municipalities = Table(
    "event_municipalities",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_code", ForeignKey("municipalities.code"), primary_key=True, index=True),
)

spearhead_municipalities = Table(
    "spearhead_municipalities",
    Base.metadata,
    Column("spearhead_id", ForeignKey("spearheads.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_code", ForeignKey("municipalities.code"), primary_key=True, index=True),
)

site_spearheads = Table(
    "site_spearheads",
    Base.metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("spearhead_id", ForeignKey("spearheads.id", ondelete="CASCADE"), primary_key=True, index=True),
)

action_municipalities = Table(
    "action_municipalities",
    Base.metadata,
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_code", ForeignKey("municipalities.code"), primary_key=True, index=True),
)

action_events = Table(
    "action_events",
    Base.metadata,
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True),
)
