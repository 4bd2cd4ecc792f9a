"""The fast path of answers gives byte for byte what the documented marshmallow schemas give."""

import orjson
import pytest
from sqlalchemy import select

from api.cli.synthetic import add_synthetic
from api.extensions import db
from api.models import Company, Event, Municipality, Site, Spearhead
from api.resources.companies.schemas import CompanySchema
from api.resources.events.schemas import EventSchema
from api.resources.municipalities.schemas import MunicipalitySchema
from api.resources.sites.schemas import SiteSchema
from api.resources.spearheads.schemas import SpearheadSchema
from api.serialization import plan_for
from tests import payloads


@pytest.mark.parametrize(
    ("model", "schema"),
    [(Company, CompanySchema), (Event, EventSchema), (Municipality, MunicipalitySchema), (Site, SiteSchema), (Spearhead, SpearheadSchema)],
)
def test_plan_matches_schema_dump(app, client, seeded, model, schema):
    with app.app_context():
        add_synthetic(200, 3)
    # A deleted record (a tombstone) and a record with every optional field empty, too.
    created = client.post("/api/v1/companies", json={"business_id": "0737546-2", "name": "Tyhjä Oy"})
    client.delete(created.headers["Location"], headers={"If-Match": created.headers["ETag"]})
    client.post("/api/v1/events", json=payloads.event(participation_url="https://meet.example/x", contact={"name": "N"}))
    with app.test_request_context("/"):
        records = list(db.session.scalars(select(model)))
        assert records
        expected = orjson.dumps(schema(many=True).dump(records))
        assert orjson.dumps([plan_for(schema).dump(record) for record in records]) == expected


def test_answers_are_the_schema_dump(client, seeded):
    listed = client.get("/api/v1/companies?page_size=100")
    single = client.get(f"/api/v1/companies/{listed.get_json()[0]['id']}")
    assert single.get_json() == listed.get_json()[0]
    assert listed.content_type == single.content_type == "application/json"
