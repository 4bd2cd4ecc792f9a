"""`flask seed`: load a region's seed data files (the region is data, not code)."""

import json
import time
from pathlib import Path

import click
import marshmallow as ma
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from api import records
from api.cli.synthetic import add_synthetic
from api.extensions import db
from api.models import Company, Municipality, Spearhead
from api.records import ACTION, COMPANY, EVENT, MUNICIPALITY, SITE, SPEARHEAD, Kind, Writes
from api.resources.actions.schemas import ActionSchema
from api.resources.companies.schemas import CompanySchema
from api.resources.events.schemas import EventSchema
from api.resources.municipalities.schemas import MunicipalitySchema
from api.resources.sites.schemas import SiteSchema
from api.resources.spearheads.schemas import SpearheadSchema

SEED_ROOT = Path(__file__).resolve().parent.parent / "seed"


class SeedError(click.ClickException):
    pass


def _read(region_dir: Path, name: str) -> list[dict]:
    path = region_dir / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _spearhead_ids(slugs: list[str]) -> list[str]:
    found = dict(db.session.execute(select(Spearhead.slug, Spearhead.id).where(Spearhead.slug.in_(slugs))).all())
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise SeedError(f"unknown spearhead slugs: {', '.join(missing)}")
    return [found[slug] for slug in slugs]


def _load(schema: ma.Schema, record: dict, what: str) -> dict:
    try:
        return schema.load(record)
    except ma.ValidationError as error:
        raise SeedError(f"{what}: {error.normalized_messages()}") from error


def _add(writes: Writes, kind: Kind, data: dict, what: str) -> None:
    try:
        writes.create(kind, records.prepare(kind, data))
    except HTTPException as error:
        raise SeedError(f"{what}: {getattr(error, 'data', {}).get('errors') or error.description}") from error


def seed_region(region_dir: Path) -> dict[str, int]:
    """Add the records of a region that are missing (in one transaction); records already present are left as they are."""
    added = {"municipalities": 0, "spearheads": 0, "companies": 0, "events": 0, "sites": 0, "actions": 0}
    with records.transaction() as writes:
        for record in _read(region_dir, "municipalities"):
            if db.session.get(Municipality, record["code"]) is None:
                _add(writes, MUNICIPALITY, _load(MunicipalitySchema(), record, f"municipality {record['code']}"), record["code"])
                added["municipalities"] += 1

        for record in _read(region_dir, "spearheads"):
            if db.session.scalar(select(Spearhead.id).where(Spearhead.slug == record["slug"])) is None:
                _add(writes, SPEARHEAD, _load(SpearheadSchema(), record, f"spearhead {record['slug']}"), record["slug"])
                added["spearheads"] += 1

        for record in _read(region_dir, "companies"):
            if db.session.scalar(select(Company.id).where(Company.business_id == record["business_id"])) is None:
                record = {**record, "spearheads": _spearhead_ids(record.get("spearheads", []))}
                _add(writes, COMPANY, _load(CompanySchema(), record, f"company {record['business_id']}"), record["business_id"])
                added["companies"] += 1

        # Events, sites and actions have no natural key: the seed gives each its id. An action names
        # its spearhead by slug, which its schema accepts.
        for name, kind, schema in (("events", EVENT, EventSchema()), ("sites", SITE, SiteSchema()), ("actions", ACTION, ActionSchema())):
            for record in _read(region_dir, name):
                record_id = record["id"]
                if db.session.get(kind.model, record_id) is None:
                    fields = {key: value for key, value in record.items() if key != "id"}
                    if "spearheads" in fields:
                        fields["spearheads"] = _spearhead_ids(fields["spearheads"])
                    data = _load(schema, fields, f"{kind.name} {record_id}")
                    _add(writes, kind, {**data, "id": record_id}, f"{kind.name} {record_id}")
                    added[name] += 1
    return added


@click.command("seed")
@click.option("--region", help="Directory name under api/seed/ (default: SEED_REGION).")
@click.option("--synthetic", type=click.IntRange(min=0), default=0, help="Also add N synthetic companies (and N/100 events).")
@click.option("--sites", type=click.IntRange(min=0), default=0, help="With --synthetic, also add N synthetic sites.")
@click.option("--random-seed", type=int, default=2020, show_default=True, help="The same value gives the same synthetic data.")
@with_appcontext
def seed_command(region: str | None, synthetic: int, sites: int, random_seed: int) -> None:
    """Load the region's seed data; running it again adds only what is missing."""
    region_dir = SEED_ROOT / (region or current_app.config["SEED_REGION"])
    if not region_dir.is_dir():
        raise SeedError(f"no seed data at {region_dir}")
    added = seed_region(region_dir)
    click.echo("Seeded " + ", ".join(f"{count} {kind}" for kind, count in added.items()) + ".")
    if synthetic:
        started = time.perf_counter()
        made = add_synthetic(synthetic, random_seed, sites)
        with_sites = f", and {made['sites']} sites" if sites else ""
        click.echo(
            f"Added {made['companies']} synthetic companies and {made['events']} events{with_sites} in {time.perf_counter() - started:.1f} s."
        )
