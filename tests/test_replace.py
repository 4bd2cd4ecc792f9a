"""PUT replaces a record whole: every optional field the body omits is cleared, as if created from that body."""

import pytest

from tests import payloads

# Per resource: a full body, a minimal body and the field naming a record; each body takes that field's value.
RESOURCES = {
    "companies": (
        lambda key: payloads.company(key, municipality="226", ended_on="2024-01-31", status="draft", international=True),
        lambda key: {"business_id": key, "name": "Karstulan Puutuote Oy"},
        "business_id", ("0112038-9", "2331972-7"),
    ),
    "events": (
        lambda title: payloads.event(
            title={"fi": title}, description={"fi": "Kuvaus."}, location_name="Kunnantalo", street_address="Keskustie 1",
            municipalities=["226"], registration_url="https://example.org/ilmoittaudu",
            registration_deadline="2020-12-02T16:00:00+02:00", participation_url="https://example.org/kokous",
            target_groups=[{"fi": "yrittäjät"}], facilitator="MDI", event_status="postponed",
        ),
        lambda title: {"title": {"fi": title}, "start_time": "2020-12-08T09:00:00+02:00", "end_time": "2020-12-08T12:00:00+02:00"},
        None, ("Työpaja", "Toinen työpaja"),
    ),
    "spearheads": (
        lambda slug: payloads.spearhead(slug, summary={"fi": "Lyhyesti."}, description={"fi": "Pitkästi."}),
        lambda slug: {"slug": slug, "title": {"fi": "Puu"}},
        "slug", ("wood", "energy"),
    ),
    "municipalities": (
        lambda code: payloads.municipality(code, description={"fi": "Kunta."}),
        lambda code: {"code": code, "name": {"fi": "Kunta"}},
        "code", ("931", "601"),
    ),
}
GENERATED = {"id", "created_at", "updated_at", "last_verified_at"}


@pytest.mark.parametrize("resource", RESOURCES)
def test_put_clears_every_optional_field_it_omits(client, resource):
    full, minimal, key, (replaced_key, control_key) = RESOURCES[resource]
    path = f"/api/v1/{resource}"
    client.post("/api/v1/municipalities", json=payloads.municipality())
    created = client.post(path, json=full(replaced_key))
    assert created.status_code == 201, created.get_json()
    control = client.post(path, json=minimal(control_key))
    assert control.status_code == 201, control.get_json()

    replaced = client.put(created.headers["Location"], json=minimal(replaced_key), headers={"If-Match": created.headers["ETag"]})
    assert replaced.status_code == 200, replaced.get_json()

    def content(record: dict) -> dict:
        return {field: value for field, value in record.items() if field not in GENERATED and field != key}

    # Every field the full body sets and the minimal one omits holds a value other than its default.
    for field in set(full(replaced_key)) - set(minimal(replaced_key)):
        assert created.get_json().get(field) != control.get_json().get(field), field
    # As if created from the minimal body (the control was), apart from its own key and title.
    expected = content(control.get_json())
    if resource == "events":
        expected["title"] = {"fi": replaced_key}
    assert content(replaced.get_json()) == expected
    assert content(client.get(created.headers["Location"]).get_json()) == expected
