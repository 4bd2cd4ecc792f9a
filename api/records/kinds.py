"""The kinds of directory record and what the write path needs to know of each: a new kind is one entry here."""

from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma
from sqlalchemy import or_, select

from api.domain.industry import CODE_SET
from api.extensions import db
from api.i18n import _
from api.models import Action, Company, Event, Municipality, Site, Spearhead
from api.records.rules import conflict, invalid, resolve
from api.resources.actions.schemas import ActionSchema
from api.resources.companies.schemas import CompanySchema
from api.resources.events.schemas import EventSchema
from api.resources.municipalities.schemas import MunicipalitySchema
from api.resources.sites.schemas import SiteSchema
from api.resources.spearheads.schemas import SpearheadSchema

Resolve = Callable[..., list]


@dataclass(frozen=True)
class Kind:
    """One kind of record: its model, its representation and its own rules.

    `name` names it in the audit trail and the change feed. `references(data, resolve)` checks the
    related records a loaded body names and turns the body into model values; `unique(data, record)`
    refuses a value another live record holds (`record` is None for a new one). `area(record)` is the
    set of municipality codes the record belongs to (the feed's `municipality` filter).
    """

    name: str
    model: type
    schema: type[ma.Schema]
    area: Callable[[object], set[str]]
    references: Callable[[dict, Resolve], dict] = lambda data, _resolve: data
    unique: Callable[[dict, object], None] = lambda _data, _record: None
    # (model, link): deleting a record of this kind takes it off the records of `model` that link it in
    # `link`, each as a write of its own in the same transaction.
    cascade: tuple[tuple[type, str], ...] = field(default=())
    # Carries `last_verified_at`: set by each editor's write of the record and by its verification.
    verifiable: bool = False
    # (model, column): deleting a record of this kind deletes the live records of `model` whose
    # `column` names it (they cannot exist without it), each as a write of its own in the same transaction.
    owns: tuple[tuple[type, str], ...] = field(default=())


def _codes(linked) -> set[str]:
    return {municipality.code for municipality in linked}


def _company_references(data: dict, resolve: Resolve = resolve) -> dict:
    if data["municipality"] is not None:
        resolve(Municipality, Municipality.code, [data["municipality"]], "municipality")
    data["spearheads"] = resolve(Spearhead, Spearhead.id, data["spearheads"], "spearheads")
    data["industry_code_set"] = CODE_SET if data["industry_code"] else None
    return data


def _company_unique(data: dict, record) -> None:
    if record is not None and record.deleted_at is None and data["business_id"] == record.business_id:
        return  # a live record keeps its own Business ID: the unique index on live ones holds it for it alone
    query = select(Company.id).where(Company.business_id == data["business_id"], Company.deleted_at.is_(None))
    if db.session.scalars(query).first() not in (None, getattr(record, "id", None)):
        conflict("business_id", _("A company with the Business ID %(business_id)s is already listed.", business_id=data["business_id"]))


def _event_references(data: dict, resolve: Resolve = resolve) -> dict:
    data["municipalities"] = resolve(Municipality, Municipality.code, data["municipalities"], "municipalities")
    data["spearheads"] = resolve(Spearhead, Spearhead.id, data["spearheads"], "spearheads")
    company_id = (data["organizer"] or {}).get("company_id")
    if company_id:
        resolve(Company, Company.id, [company_id], "organizer.company_id")
    return data


def _site_references(data: dict, resolve: Resolve = resolve) -> dict:
    resolve(Municipality, Municipality.code, [data["municipality"]], "municipality")
    data["spearheads"] = resolve(Spearhead, Spearhead.id, data["spearheads"], "spearheads")
    company_id = (data["owner"] or {}).get("company")
    if company_id:
        resolve(Company, Company.id, [company_id], "owner.company")
    return data


def _action_references(data: dict, resolve: Resolve = resolve) -> dict:
    # A slug is accepted on write and stored as the spearhead's id.
    named = data["spearhead"]
    query = select(Spearhead.id).where(or_(Spearhead.id == named, Spearhead.slug == named), Spearhead.deleted_at.is_(None))
    spearhead_id = db.session.scalars(query).first()
    if spearhead_id is None:
        invalid("spearhead", _("Unknown: %(keys)s.", keys=named))
    data["spearhead"] = spearhead_id
    data["municipalities"] = resolve(Municipality, Municipality.code, data["municipalities"], "municipalities")
    data["events"] = resolve(Event, Event.id, data["events"], "events")
    if data["proposed_at_event"]:
        resolve(Event, Event.id, [data["proposed_at_event"]], "proposed_at_event")
    company_id = (data["responsible"] or {}).get("company")
    if company_id:
        resolve(Company, Company.id, [company_id], "responsible.company")
    return data


def _action_area(action) -> set[str]:
    """An action for the whole sub-region (no municipalities) belongs to every municipality's feed."""
    return _codes(action.municipalities) or set(db.session.scalars(select(Municipality.code).where(Municipality.deleted_at.is_(None))))


def _spearhead_references(data: dict, resolve: Resolve = resolve) -> dict:
    data["municipalities"] = resolve(Municipality, Municipality.code, data["municipalities"], "municipalities")
    return data


def _spearhead_unique(data: dict, record) -> None:
    query = select(Spearhead.id).where(Spearhead.slug == data["slug"], Spearhead.deleted_at.is_(None))
    if db.session.scalars(query).first() not in (None, getattr(record, "id", None)):
        conflict("slug", _("The slug %(slug)s is taken by another spearhead.", slug=data["slug"]))


def _municipality_unique(data: dict, record) -> None:
    if record is None:
        if db.session.get(Municipality, data["code"]) is not None:
            conflict("code", _("A municipality with the code %(code)s exists already.", code=data["code"]))
    elif data["code"] != record.code:
        invalid("code", _("A municipality's code cannot change."))


COMPANY = Kind(
    "company", Company, CompanySchema,
    area=lambda company: {company.municipality} - {None},
    references=_company_references, unique=_company_unique, verifiable=True,
)
EVENT = Kind("event", Event, EventSchema, area=lambda event: _codes(event.municipalities), references=_event_references)
SPEARHEAD = Kind(
    "spearhead", Spearhead, SpearheadSchema,
    area=lambda spearhead: _codes(spearhead.municipalities),
    references=_spearhead_references, unique=_spearhead_unique,
    cascade=((Company, "spearheads"), (Event, "spearheads"), (Site, "spearheads")),
    owns=((Action, "spearhead"),),
)
SITE = Kind("site", Site, SiteSchema, area=lambda site: {site.municipality}, references=_site_references, verifiable=True)
ACTION = Kind("action", Action, ActionSchema, area=_action_area, references=_action_references)
MUNICIPALITY = Kind("municipality", Municipality, MunicipalitySchema, area=lambda municipality: {municipality.code}, unique=_municipality_unique)

KINDS = {kind.model: kind for kind in (COMPANY, EVENT, SPEARHEAD, SITE, ACTION, MUNICIPALITY)}


def kind_of(record) -> Kind:
    return KINDS[type(record)]
