"""Bulk import (CSV and JSON, endpoint and CLI): all or nothing, upsert on business_id, exports round-trip."""

import json

import pytest

from api.domain.business_id import business_ids
from tests import payloads
from tests.dump import database_dump
from tests.live import gunicorn, send_truncated

HEADER = "business_id,name,municipality,postal_code,latitude,longitude,tags,growth_seeking"


def _import(client, body: bytes | str, content_type="text/csv", dry_run=False):
    data = body.encode() if isinstance(body, str) else body
    return client.post(f"/api/v1/companies/import{'?dry_run=true' if dry_run else ''}", data=data, content_type=content_type)


def _ok(answer) -> dict:
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _rejected(answer) -> list[dict]:
    assert answer.status_code == 422, answer.data
    assert answer.content_type == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"] == "/problems/validation-error" and "nothing was written" in problem["detail"]
    return problem["errors"]


def _by_business_id(client) -> dict:
    return {company["business_id"]: company for company in client.get("/api/v1/companies?page_size=100").get_json()}


@pytest.fixture
def karstula(client):
    client.post("/api/v1/municipalities", json=payloads.municipality())


@pytest.mark.parametrize("delimiter", ["comma", "semicolon"])
def test_export_then_import_changes_nothing(app, client, seeded, delimiter):
    spearhead = client.get("/api/v1/spearheads").get_json()[0]["id"]
    client.post("/api/v1/companies", json=payloads.company(
        municipality="226", spearheads=[spearhead], ended_on="2024-05-31", phone=None,
        description={"fi": "Rivi\nja toinen; \"lainaus\", pilkku", "sv": "Sågat virke."}, tags=["saha", "vienti"],
    ))
    client.post("/api/v1/companies", json=payloads.company("2331972-7", name="Luonnos Oy", status="draft", tags=[]))
    client.post("/api/v1/companies", json=payloads.formula_like_company("0737546-2", latitude=-20.5, longitude=-45.25))
    client.post("/api/v1/companies", json=payloads.company("1572860-0", name="'=jo lainattu Oy", post_office="'kylä"))
    before = database_dump(app)
    exported = client.get(f"/api/v1/companies.csv?delimiter={delimiter}")
    counted = len(_by_business_id(client))
    assert _ok(_import(client, exported.data)) == {"created": 0, "updated": 0, "unchanged": counted}
    assert database_dump(app) == before  # not even updated_at or the version moved


def test_an_export_names_spearheads_by_slug_so_it_imports_where_ids_differ(client, seeded):
    """Another copy of the region's data has the same spearhead slugs under other ids."""
    old = client.get("/api/v1/spearheads/wood-bioeconomy")
    client.post("/api/v1/companies", json=payloads.company(spearheads=[old.get_json()["id"]]))
    exported = client.get("/api/v1/companies.csv?business_id=0112038-9").data
    assert b",wood-bioeconomy," in exported
    client.delete(f"/api/v1/spearheads/{old.get_json()['id']}", headers={"If-Match": old.headers["ETag"]})
    new = client.post("/api/v1/spearheads", json=payloads.spearhead("wood-bioeconomy")).get_json()
    assert new["id"] != old.get_json()["id"]
    assert _ok(_import(client, exported))["updated"] == 1
    assert client.get("/api/v1/companies?business_id=0112038-9").get_json()[0]["spearheads"] == [new["id"]]


def test_a_file_may_name_spearheads_by_slug_title_or_id(client, seeded):
    spearheads = {item["slug"]: item["id"] for item in client.get("/api/v1/spearheads").get_json()}
    body = ("business_id,name,municipality,spearheads\n"
            f"0112038-9,Karstulan Puutuote Oy,226,wood-bioeconomy|{spearheads['food-agriculture']}|PUU JA BIOTALOUS\n")
    assert _ok(_import(client, body))["created"] == 1
    [company] = client.get("/api/v1/companies?business_id=0112038-9").get_json()
    assert set(company["spearheads"]) == {spearheads["wood-bioeconomy"], spearheads["food-agriculture"]}


def test_json_export_imports_back_unchanged(app, client, seeded):
    listed = client.get("/api/v1/companies?page_size=100").get_json()
    read_only = {"id", "created_at", "updated_at", "industry", "industry_section", "industry_code_set"}
    rows = [{key: value for key, value in company.items() if key not in read_only} for company in listed]
    before = database_dump(app)
    assert _ok(_import(client, json.dumps(rows), "application/json")) == {"created": 0, "updated": 0, "unchanged": len(rows)}
    assert database_dump(app) == before


def test_excel_csv_with_bom_semicolons_and_decimal_commas(client, karstula):
    body = (
        "\ufeffbusiness_id;name;municipality;latitude;longitude;tags;growth_seeking;description_sv\r\n"
        "0112038-9;Karstulan Puutuote Oy;226;62,878;24,8;saha | vienti ;true;Sågat virke\r\n"
        ";;;;;;;\r\n"
        "112038-9X;Virheellinen;;;;;;\r\n"
    )
    errors = _rejected(_import(client, body))
    assert errors == [{"row": 4, "field": "business_id", "message": errors[0]["message"]}]
    body = body.replace("112038-9X", "2331972-7")
    assert _ok(_import(client, body.encode("utf-8"))) == {"created": 2, "updated": 0, "unchanged": 0}
    company = _by_business_id(client)["0112038-9"]
    assert (company["latitude"], company["longitude"]) == (62.878, 24.8)
    assert company["tags"] == ["saha", "vienti"]
    assert company["growth_seeking"] is True
    assert company["description"] == {"sv": "Sågat virke"}
    assert company["name"] == "Karstulan Puutuote Oy" and company["municipality"] == "226"


def test_finnish_excel_csv_in_windows_1252(client, seeded):
    """What Excel set to Finnish saves as "CSV": Windows-1252, semicolons, its own booleans and dates."""
    body = (
        "Business_ID;NAME;Municipality;Description_FI;Growth_Seeking;international;Ended_On;Tags;Phone;Spearheads\r\n"
        "0112038-9;Sähkö-Äijälä Oy;226;Myymme sähkötarvikkeita ja öljyä.;TOSI;epätosi;31.12.2026;"
        "\"saha, sahatavara; höyläämö\";+358 40 123 4567;puu ja biotalous;;\r\n"
        "2331972-7;Kivijärven Kala Oy;265;;kyllä;EI;;kala;'+358441234567;;;;\r\n"
        ";;;;;;;;;;;\r\n"
    ).encode("cp1252")
    assert _ok(_import(client, body)) == {"created": 2, "updated": 0, "unchanged": 0}
    companies = _by_business_id(client)
    first, second = companies["0112038-9"], companies["2331972-7"]
    assert (first["name"], first["description"]["fi"]) == ("Sähkö-Äijälä Oy", "Myymme sähkötarvikkeita ja öljyä.")
    assert (first["growth_seeking"], first["international"], first["ended_on"]) == (True, False, "2026-12-31")
    assert first["tags"] == ["saha", "sahatavara", "höyläämö"] and first["phone"] == "+358401234567"
    assert first["spearheads"] == [client.get("/api/v1/spearheads/wood-bioeconomy").get_json()["id"]]
    assert (second["growth_seeking"], second["international"], second["phone"]) == (True, False, "+358441234567")
    assert "0112038-9" in [company["business_id"] for company in client.get("/api/v1/companies?tag=saha").get_json()]
    assert [company["business_id"] for company in client.get("/api/v1/companies?tag=höyläämö").get_json()] == ["0112038-9"]
    # The same file again changes nothing, UTF-8 as Excel's "CSV UTF-8" too.
    assert _ok(_import(client, body)) == {"created": 0, "updated": 0, "unchanged": 2}
    utf8 = "\ufeff".encode() + body.decode("cp1252").encode()
    assert _ok(_import(client, utf8)) == {"created": 0, "updated": 0, "unchanged": 2}


@pytest.mark.parametrize(
    ("column", "cell", "hint"),
    [
        ("phone", "3,58401E+11", "format the phone column as Text"),
        ("growth_seeking", "joo", "TOSI/EPÄTOSI, kyllä/ei"),
        ("ended_on", "2026/12/31", "31.12.2026"),
        ("ended_on", "31.2.2026", "31.12.2026"),
        ("spearheads", "wood-bioeconomy|puuta", "growth-internationalisation, investment-logistics"),
        ("size_class", "5.9.", "0-4, 5-9"),
    ],
)
def test_a_refused_cell_says_what_would_be_accepted(app, client, seeded, column, cell, hint):
    before = database_dump(app)
    errors = _rejected(_import(client, f"business_id;name;{column}\r\n0112038-9;Uusi Oy;{cell}\r\n"))
    assert [(error["row"], error["field"]) for error in errors] == [(2, column)]
    assert hint in errors[0]["message"], errors[0]["message"]
    assert database_dump(app) == before


def test_plain_comma_csv_without_bom(client, karstula):
    body = f"{HEADER}\n0112038-9,Karstulan Puutuote Oy,226,43500,62.878,24.8,saha,false\n"
    assert _ok(_import(client, body)) == {"created": 1, "updated": 0, "unchanged": 0}
    assert _ok(_import(client, body)) == {"created": 0, "updated": 0, "unchanged": 1}


def test_upsert_changes_only_what_the_file_holds(client, karstula):
    created = client.post("/api/v1/companies", json=payloads.company(municipality="226"))
    untouched = client.post("/api/v1/companies", json=payloads.company("2331972-7", name="Toinen Oy"))
    original = created.get_json()
    body = (
        "business_id,name,postal_code,email,description_en\n"
        "0112038-9,Karstulan Puutuote Oy,43501,,Timber.\n"
        "2331972-7,Toinen Oy,43500,info@puutuote.example,Sawn timber and log houses.\n"
        "0737546-2,Uusi Oy,,,\n"
    )
    assert _ok(_import(client, body, dry_run=True)) == {"created": 1, "updated": 1, "unchanged": 1}
    assert _ok(_import(client, body)) == {"created": 1, "updated": 1, "unchanged": 1}
    companies = _by_business_id(client)
    changed = companies["0112038-9"]
    assert changed["postal_code"] == "43501"
    assert changed["email"] is None  # an empty cell clears
    assert changed["description"] == {"fi": original["description"]["fi"], "en": "Timber."}  # fi kept
    assert changed["tags"] == original["tags"] and changed["phone"] == original["phone"]  # no column: kept
    assert changed["updated_at"] > original["updated_at"]
    assert client.get(f"/api/v1/companies/{original['id']}").headers["ETag"] != created.headers["ETag"]
    # The unchanged row kept its stamp and ETag, so sync clients and caches see no change.
    assert companies["2331972-7"]["updated_at"] == untouched.get_json()["updated_at"]
    assert client.get(f"/api/v1/companies/{untouched.get_json()['id']}").headers["ETag"] == untouched.headers["ETag"]
    stamp_before = untouched.get_json()["updated_at"]
    ordered = client.get("/api/v1/companies?sort=updated_at").get_json()
    assert [c["business_id"] for c in ordered if c["updated_at"] > stamp_before] == ["0112038-9", "0737546-2"]


def test_a_bad_row_leaves_the_database_exactly_as_it_was(app, client, seeded):
    ids = business_ids(3_000_000)
    existing = next(iter(_by_business_id(client)))
    rows = [f"{existing},Uusi nimi Oy,226,43500,,,,true"]
    rows += [f"{next(ids)},Yritys {n} Oy,931,44500,63.07,25.86,saha|vienti,false" for n in range(30)]
    rows.insert(20, f"{next(ids)},Huono Oy,999,4450,91,25.86,{'x' * 61},false")
    rows.insert(25, f"{next(ids)},Huono Oy,931,44500,,,,maybe")  # a cell that is read before the schema sees the row
    rows.append(f"{rows[3].split(',')[0]},Kaksoiskappale Oy,226,43500,,,,false")
    before = database_dump(app)
    errors = _rejected(_import(client, "\n".join([HEADER, *rows])))
    assert database_dump(app) == before
    by_field = {error["field"]: error for error in errors if error["row"] == 22}
    assert set(by_field) == {"postal_code", "latitude", "tags.0"}
    [boolean] = [error for error in errors if error["row"] == 27]
    assert boolean["field"] == "growth_seeking" and "TOSI/EPÄTOSI, kyllä/ei" in boolean["message"]
    assert {error["row"] for error in errors} == {22, 27, 35}
    duplicate = next(error for error in errors if error["row"] == 35)
    assert duplicate["field"] == "business_id" and "row 5" in duplicate["message"]


def test_row_rules_of_the_api_apply(app, client, karstula):
    body = (
        "business_id,name,municipality,spearheads,tags\n"
        "0112038-9,Oy,999,,\n"
        "2331972-7,Oy,226,no-such-spearhead,\n"
        "0737546-2,Oy,226,,a|b\n"
        "1234567-8,Oy,226,,\n"
        ",Oy,226,,\n"
    )
    errors = _rejected(_import(client, body))
    assert [(error["row"], error["field"]) for error in errors] == [
        (2, "municipality"), (3, "spearheads"), (5, "business_id"), (6, "business_id")
    ]


def test_header_problems(client, karstula):
    errors = _rejected(_import(client, "business_id,name,colour,id\n0112038-9,Oy,blue,x\n"))
    assert {(error["row"], error["field"]) for error in errors} == {(1, "colour"), (1, "id")}
    errors = _rejected(_import(client, "name\nOy\n"))
    assert errors == [{"row": 1, "field": "business_id", "message": errors[0]["message"]}]
    errors = _rejected(_import(client, "business_id,name\n0112038-9,Oy,extra\n"))
    assert errors[0]["row"] == 2 and errors[0]["field"] == "_row" and "past the last column" in errors[0]["message"]


def test_json_rows(client, karstula):
    rows = [payloads.company(municipality="226"), payloads.company("2331972-7", name="Toinen Oy", id="mine"), "text"]
    errors = _rejected(_import(client, json.dumps(rows), "application/json"))
    assert [(error["row"], error["field"]) for error in errors] == [(2, "id"), (3, "_row")]
    assert _ok(_import(client, json.dumps(rows[:1]), "application/json")) == {"created": 1, "updated": 0, "unchanged": 0}
    patch = [{"business_id": "0112038-9", "website": None, "description": {"sv": "Sågat virke."}}]
    assert _ok(_import(client, json.dumps(patch), "application/json")) == {"created": 0, "updated": 1, "unchanged": 0}
    company = _by_business_id(client)["0112038-9"]
    assert company["website"] is None and company["description"]["sv"] == "Sågat virke."
    assert company["description"]["fi"] == payloads.company()["description"]["fi"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{\"business_id\": \"0112038-9\"}", "application/json"),
        (b"[{\"business_id\": ", "application/json"),
        (b"[1, 2] x", "application/json"),
        (b"business_id,name\n0112038-9,Oy \x81\x8d\n", "text/csv"),  # neither UTF-8 nor Windows-1252
    ],
)
def test_unreadable_files_are_400(app, client, body, content_type):
    before = database_dump(app)
    answer = _import(client, body, content_type)
    assert answer.status_code == 400, answer.data
    assert answer.content_type == "application/problem+json"
    assert database_dump(app) == before


def test_a_nul_character_in_a_cell_is_an_invalid_row(app, client, karstula):
    """A readable file whose cell holds a NUL: the row is named, as the API refuses NUL in any text field."""
    before = database_dump(app)
    errors = _rejected(_import(client, b"business_id,name\n0112038-9,\"Oy\x00\"\n"))
    assert errors == [{"row": 2, "field": "name", "message": "NUL characters are not allowed in text."}]
    assert database_dump(app) == before


def test_media_type_and_size(app, client):
    assert _import(client, "x=1", "application/x-www-form-urlencoded").status_code == 415
    limit = app.config["IMPORT_MAX_CONTENT_LENGTH"]
    app.config["IMPORT_MAX_CONTENT_LENGTH"] = 100
    try:
        assert _import(client, HEADER + "\n" + "0112038-9,x" * 20).status_code == 413
    finally:
        app.config["IMPORT_MAX_CONTENT_LENGTH"] = limit
    # The import's limit is its own: past the 1 MiB of other bodies, within its 50 MiB.
    big = HEADER + "\n" + "\n" * (2 * 1024 * 1024)
    assert _ok(_import(client, big)) == {"created": 0, "updated": 0, "unchanged": 0}


def test_command_line(app, client, karstula, runner, tmp_path):
    ids = business_ids(4_000_000)
    path = tmp_path / "yritykset.csv"
    lines = [HEADER] + [f"{next(ids)},Yritys {n} Oy,226,43500,62.878,24.8,{'saha|vienti'},true" for n in range(5)]
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    dry = runner.invoke(args=["import", "companies", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would have created 5, updated 0, unchanged 0" in dry.output
    assert _by_business_id(client) == {}
    done = runner.invoke(args=["import", "companies", str(path)])
    assert done.exit_code == 0 and "Imported: created 5, updated 0, unchanged 0." in done.output
    assert len(_by_business_id(client)) == 5

    path.write_text("\n".join([*lines, "0112038-9,Huono,226,1,,,,"]), encoding="utf-8")
    before = database_dump(app)
    failed = runner.invoke(args=["import", "companies", str(path)])
    assert failed.exit_code == 1
    assert "row 7, postal_code:" in failed.output and "1 row is invalid; nothing was written." in failed.output
    assert database_dump(app) == before

    data = tmp_path / "yritykset.json"
    data.write_text(json.dumps([{"business_id": "0112038-9", "name": "Json Oy"}]), encoding="utf-8")
    assert "created 1" in runner.invoke(args=["import", "companies", str(data)]).output


def test_command_line_progress_bar_on_a_large_file(client, karstula, runner, tmp_path):
    ids = business_ids(5_000_000)
    path = tmp_path / "iso.csv"
    filler = "x" * 200
    lines = [HEADER + ",description_fi"]
    lines += [f"{next(ids)},Yritys {n} Oy,226,43500,62.878,24.8,saha,true,{filler}" for n in range(6000)]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(args=["import", "companies", str(path)])
    assert result.exit_code == 0, result.output
    assert "Importing iso.csv" in result.output and "created 6000" in result.output


def test_tags_cannot_hold_the_list_separator(client):
    for separated in ("saha|vienti", "saha, vienti", "saha;vienti"):
        answer = client.post("/api/v1/companies", json=payloads.company(tags=[separated]))
        assert answer.status_code == 422 and "tags.0" in answer.get_json()["errors"]
    spaced = client.post("/api/v1/companies", json=payloads.company(tags=["  saha "]))
    assert spaced.get_json()["tags"] == ["saha"]


def test_a_body_shorter_than_its_content_length_is_400(database_url, client, admin_key):
    # The import streams its body, so the cut must come over a real socket.
    body = f"{HEADER}\n0112038-9,Karstulan Puutuote Oy,,43500,,,,true\n".encode()
    head = (
        b"POST /api/v1/companies/import HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
        + f"Authorization: Bearer {admin_key}\r\n".encode()
        + b"Content-Length: 5000\r\nConnection: close\r\n\r\n"
    )
    with gunicorn(database_url, workers=1) as server:
        status, rest = send_truncated(server.base_url, head, body)
    assert status == b"400", rest
    assert b"application/problem+json" in rest
    assert client.get("/api/v1/companies").get_json() == []
