"""Who may do what: API keys from `flask keys`, 401 and 403, roles, drafts, private fields, editors' municipalities."""

import pytest
from sqlalchemy import text

from api.extensions import db
from tests import payloads

COMPANIES = "/api/v1/companies"
EVENTS = "/api/v1/events"


def _problem(answer, status):
    assert answer.status_code == status, answer.data
    assert answer.content_type == "application/problem+json"
    return answer.get_json()


@pytest.fixture
def region(client):
    for code, name in (("226", "Karstula"), ("931", "Viitasaari"), ("601", "Pihtipudas")):
        client.post("/api/v1/municipalities", json=payloads.municipality(code, name={"fi": name}))


def _company(client, business_id="0112038-9", **changes):
    answer = client.post(COMPANIES, json=payloads.company(business_id, **changes))
    assert answer.status_code == 201, answer.data
    return answer.get_json(), answer.headers["ETag"]


# --- keys -------------------------------------------------------------------------------------------------


def test_create_prints_a_long_random_key_last_and_stores_only_its_hash(app, runner):
    first = runner.invoke(args=["keys", "create", "--name", "kehitys-karstula", "--role", "admin"])
    second = runner.invoke(args=["keys", "create", "--name", "kumppani", "--role", "partner"])
    assert first.exit_code == 0 and second.exit_code == 0
    key, other = first.output.strip().splitlines()[-1], second.output.strip().splitlines()[-1]
    assert len(key) >= 40 and key != other
    assert app.test_client().get(COMPANIES, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with app.app_context():
        stored = db.session.execute(text("SELECT * FROM api_keys")).mappings().all()
    secret = key.split(".")[-1]
    assert all(secret not in str(value) for row in stored for value in row.values())
    listed = runner.invoke(args=["keys", "list"])
    assert listed.exit_code == 0
    assert "kehitys-karstula" in listed.output and "kumppani" in listed.output and secret not in listed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--role", "partner", "--municipality", "226"], "Only editor keys"),
        (["--name", "x", "--role", "editor", "--municipality", "999"], "Unknown municipality"),
        (["--name", "x", "--role", "superuser"], "superuser"),
        (["--name", "", "--role", "admin"], "key name"),
    ],
)
def test_create_refuses_bad_keys(runner, region, args, message):
    result = runner.invoke(args=["keys", "create", *args])
    assert result.exit_code != 0 and message in result.output


def test_names_are_never_reused(runner, create_key):
    create_key("partner", name="kumppani")
    runner.invoke(args=["keys", "revoke", "kumppani"])
    result = runner.invoke(args=["keys", "create", "--name", "kumppani", "--role", "partner"])
    assert result.exit_code != 0 and "exists already" in result.output


def test_revoked_key_is_401_at_once_also_for_reads(app, runner, create_key):
    key = create_key("editor", name="entinen")
    headers = {"Authorization": f"Bearer {key}"}
    reader = app.test_client()
    assert reader.get(COMPANIES, headers=headers).status_code == 200
    result = runner.invoke(args=["keys", "revoke", "entinen"])
    assert result.exit_code == 0 and "Revoked" in result.output
    body = _problem(reader.get(COMPANIES, headers=headers), 401)
    assert "revoked" in body["detail"]
    (listed,) = [line for line in runner.invoke(args=["keys", "list"]).output.splitlines() if line.startswith("entinen ")]
    assert not listed.endswith("-")  # the REVOKED column holds the time
    assert runner.invoke(args=["keys", "revoke", "nobody"]).exit_code != 0


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer rdk_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # well-formed, unknown
        "Bearer not-a-key",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "rdk_0123456789abcdef",
    ],
)
def test_a_bad_key_is_401_on_every_request_never_anonymous(anonymous, authorization):
    for method, url in (("GET", COMPANIES), ("GET", "/api/v1/municipalities"), ("POST", COMPANIES)):
        answer = anonymous.open(url, method=method, headers={"Authorization": authorization}, json={})
        _problem(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_known_key_id_with_a_wrong_secret_is_401(anonymous, admin_key):
    key_id, secret = admin_key.split(".")
    forged = f"{key_id}.{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
    _problem(anonymous.get(COMPANIES, headers={"Authorization": f"Bearer {forged}"}), 401)
    assert anonymous.get(COMPANIES, headers={"Authorization": f"Bearer {admin_key}"}).status_code == 200
    # The scheme name is case-insensitive (RFC 7235).
    assert anonymous.get(COMPANIES, headers={"Authorization": f"bearer {admin_key}"}).status_code == 200


# --- roles ------------------------------------------------------------------------------------------------


def test_writes_without_a_key_are_401(anonymous, client, region):
    company, etag = _company(client)
    url = f"{COMPANIES}/{company['id']}"
    for answer in (
        anonymous.post(COMPANIES, json=payloads.company("2077474-0")),
        anonymous.patch(url, json={"name": "Uusi Oy"}, headers={"If-Match": etag}),
        anonymous.delete(url, headers={"If-Match": etag}),
        anonymous.post(EVENTS, json=payloads.event()),
        anonymous.post("/api/v1/spearheads", json=payloads.spearhead()),
        anonymous.post("/api/v1/municipalities", json=payloads.municipality("216")),
    ):
        assert _problem(answer, 401)["detail"].startswith("This operation needs an API key")
    assert anonymous.get(url).get_json()["name"] == company["name"]


def test_partners_read_but_never_write(partner, client, region):
    company, etag = _company(client)
    url = f"{COMPANIES}/{company['id']}"
    assert partner.get(url).status_code == 200
    _problem(partner.post(COMPANIES, json=payloads.company("2077474-0")), 403)
    _problem(partner.patch(url, json={"name": "Uusi Oy"}, headers={"If-Match": etag}), 403)
    _problem(partner.delete(url, headers={"If-Match": etag}), 403)
    _problem(partner.post(EVENTS, json=payloads.event()), 403)


def test_editors_write_companies_and_events_not_municipalities_or_spearheads(editor, client, region):
    assert editor.post(COMPANIES, json=payloads.company(municipality="226")).status_code == 201
    assert editor.post(EVENTS, json=payloads.event(municipalities=["931"])).status_code == 201
    _problem(editor.post("/api/v1/municipalities", json=payloads.municipality("216")), 403)
    read = editor.get("/api/v1/municipalities/226")
    _problem(editor.patch("/api/v1/municipalities/226", json={"population": 1}, headers={"If-Match": read.headers["ETag"]}), 403)
    _problem(editor.post("/api/v1/spearheads", json=payloads.spearhead()), 403)
    spearhead = client.post("/api/v1/spearheads", json=payloads.spearhead())
    url = f"/api/v1/spearheads/{spearhead.get_json()['slug']}"
    etag = {"If-Match": spearhead.headers["ETag"]}
    _problem(editor.patch(url, json={"priority": 1}, headers=etag), 403)
    _problem(editor.put(url, json=payloads.spearhead(), headers=etag), 403)
    _problem(editor.delete(url, headers=etag), 403)
    assert client.patch(url, json={"priority": 1}, headers=etag).status_code == 200


def test_the_key_is_checked_before_the_body(anonymous, partner):
    """An invalid body from a client without the right is still 401/403, not a 422 that probes the schema."""
    _problem(anonymous.post(COMPANIES, json={"nope": 1}), 401)
    _problem(partner.post(COMPANIES, json={"nope": 1}), 403)


# --- drafts and private fields ------------------------------------------------------------------------------


def test_drafts_are_404_to_the_public_and_partners_visible_to_editors(client, anonymous, partner, editor, region):
    draft, _ = _company(client, status="draft", municipality="226")
    published, _ = _company(client, "2077474-0", name="Julkinen Oy", municipality="226")
    url = f"{COMPANIES}/{draft['id']}"
    for reader in (anonymous, partner):
        _problem(reader.get(url), 404)
        assert [c["id"] for c in reader.get(COMPANIES).get_json()] == [published["id"]]
        assert reader.get(f"{COMPANIES}?status=draft").get_json() == []
    for reader in (editor, client):
        assert reader.get(url).status_code == 200
        assert {c["id"] for c in reader.get(COMPANIES).get_json()} == {draft["id"], published["id"]}


def test_participation_url_is_for_editors_and_admins_only(client, anonymous, partner, editor):
    created = client.post(EVENTS, json=payloads.event(participation_url="https://meet.example/room"))
    url = f"{EVENTS}/{created.get_json()['id']}"
    for reader in (anonymous, partner):
        assert "participation_url" not in reader.get(url).get_json()
        assert "participation_url" not in reader.get(EVENTS).get_json()[0]
    for reader in (editor, client):
        assert reader.get(url).get_json()["participation_url"] == "https://meet.example/room"
    # Different representations have different validators, so no cache serves one reader's copy to another.
    assert anonymous.get(url).headers["ETag"] != editor.get(url).headers["ETag"]
    assert "Authorization" in anonymous.get(url).headers["Vary"]


# --- editors limited to municipalities ---------------------------------------------------------------------


def test_limited_editor_writes_companies_of_their_municipalities_only(client, client_with, region):
    karstula = client_with("editor", "226")
    assert karstula.post(COMPANIES, json=payloads.company(municipality="226")).status_code == 201
    _problem(karstula.post(COMPANIES, json=payloads.company("2077474-0", municipality="931")), 403)
    _problem(karstula.post(COMPANIES, json=payloads.company("2077474-0")), 403)  # no municipality

    other, etag = _company(client, "2077474-0", municipality="931")
    url = f"{COMPANIES}/{other['id']}"
    assert karstula.get(url).status_code == 200  # reading is not limited
    body = _problem(karstula.patch(url, json={"name": "Kaapattu Oy"}, headers={"If-Match": etag}), 403)
    assert "226" in body["detail"]
    _problem(karstula.patch(url, json={"name": "Kaapattu Oy"}), 403)  # 403 before asking for If-Match
    _problem(karstula.put(url, json=payloads.company("2077474-0", municipality="226"), headers={"If-Match": etag}), 403)
    _problem(karstula.delete(url, headers={"If-Match": etag}), 403)
    assert client.get(url).get_json() == other


def test_limited_editor_cannot_move_a_company_out_of_their_area(client, client_with, region):
    karstula = client_with("editor", "226", "601")
    created = karstula.post(COMPANIES, json=payloads.company(municipality="226"))
    url, etag = f"{COMPANIES}/{created.get_json()['id']}", created.headers["ETag"]
    _problem(karstula.patch(url, json={"municipality": "931"}, headers={"If-Match": etag}), 403)
    _problem(karstula.patch(url, json={"municipality": None}, headers={"If-Match": etag}), 403)
    assert client.get(url).get_json()["municipality"] == "226"
    moved = karstula.patch(url, json={"municipality": "601"}, headers={"If-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["municipality"] == "601"
    assert karstula.delete(url, headers={"If-Match": moved.headers["ETag"]}).status_code == 204


def test_limited_editor_writes_events_with_one_of_their_municipalities(client, client_with, region):
    karstula = client_with("editor", "226")
    shared = karstula.post(EVENTS, json=payloads.event(municipalities=["226", "931"]))
    assert shared.status_code == 201
    _problem(karstula.post(EVENTS, json=payloads.event(municipalities=["931"])), 403)
    _problem(karstula.post(EVENTS, json=payloads.event()), 403)  # no municipality

    url, etag = f"{EVENTS}/{shared.get_json()['id']}", shared.headers["ETag"]
    _problem(karstula.patch(url, json={"municipalities": ["931", "601"]}, headers={"If-Match": etag}), 403)
    kept = karstula.patch(url, json={"municipalities": ["226"]}, headers={"If-Match": etag})
    assert kept.status_code == 200

    other = client.post(EVENTS, json=payloads.event(municipalities=["931"]))
    other_url, other_etag = f"{EVENTS}/{other.get_json()['id']}", other.headers["ETag"]
    _problem(karstula.patch(other_url, json={"municipalities": ["931", "226"]}, headers={"If-Match": other_etag}), 403)
    _problem(karstula.delete(other_url, headers={"If-Match": other_etag}), 403)
    assert client.get(other_url).get_json()["municipalities"] == ["931"]


# --- the OpenAPI document -----------------------------------------------------------------------------------


def test_openapi_documents_the_bearer_scheme_and_each_operations_requirement(anonymous):
    spec = anonymous.get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if path == "/metrics":
                # Open unless the operator sets METRICS_TOKEN, which it then needs (tests/test_operations.py).
                assert operation["security"] == [{}, {"MetricsToken": []}] and "401" in operation["responses"]
                continue
            if not path.startswith("/api/"):
                assert operation["security"] == [] and "401" not in operation["responses"], (path, method)
                continue
            assert {"401", "429"} <= set(operation["responses"]), (path, method)
            any_key = path.startswith("/api/v1/webhooks")
            # Histories and the review lists (the review list, likely duplicates) are for editors; inquiries
            # are the other way round: anyone sends one, editors read them.
            for_editors = path.endswith("/history") or path in {"/api/v1/companies/review", "/api/v1/companies/duplicates"}
            inquiries = path.startswith("/api/v1/inquiries")
            if (method == "get" and not for_editors and not any_key and not inquiries) or (inquiries and method == "post"):
                assert operation["security"] == [{}, {"ApiKey": []}], (path, method)
                assert "403" not in operation["responses"], (path, method)
            else:
                assert operation["security"] == [{"ApiKey": []}], (path, method)
                assert ("403" in operation["responses"]) is not any_key, (path, method)
    assert "admin" in spec["paths"]["/api/v1/municipalities"]["post"]["description"]
    assert "editor" in spec["paths"]["/api/v1/companies"]["post"]["description"]
    assert "Retry-After" in spec["components"]["responses"]["TOO_MANY_REQUESTS"]["headers"]


# --- the company import -------------------------------------------------------------------------------------

IMPORT = "/api/v1/companies/import"


def test_import_is_for_editors(anonymous, partner, editor, region):
    rows = [payloads.company(municipality="226")]
    _problem(anonymous.post(IMPORT, json=rows), 401)
    _problem(partner.post(IMPORT, json=rows), 403)
    assert editor.post(IMPORT, json=rows).get_json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_limited_editor_imports_only_their_companies_row_by_row(client, client_with, region):
    theirs, _ = _company(client, "2077474-0", name="Viitasaaren Oy", municipality="931")
    karstula = client_with("editor", "226")
    new_elsewhere = payloads.company("0112038-9", municipality="931")
    moved_in = {"business_id": theirs["business_id"], "municipality": "226"}
    for rows in ([new_elsewhere], [moved_in], [payloads.company("0112038-9", municipality="226"), {**moved_in, "name": "Uusi"}]):
        for dry_run in ("?dry_run=true", ""):
            body = _problem(karstula.post(IMPORT + dry_run, json=rows), 422)
            assert body["errors"][-1]["row"] == len(rows) and body["errors"][-1]["field"] == "municipality"
    assert [c["business_id"] for c in client.get(COMPANIES).get_json()] == ["2077474-0"]
    # A full export re-imported with only their own rows changed is fine: unchanged rows are no concern.
    rows = [{"business_id": theirs["business_id"], "name": theirs["name"]}, payloads.company("0112038-9", municipality="226")]
    assert karstula.post(IMPORT, json=rows).get_json() == {"created": 1, "updated": 0, "unchanged": 1}
