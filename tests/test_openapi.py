"""The OpenAPI document is valid, complete, and its two viewers work offline."""

import io
import re

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests import payloads


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_api_route_is_documented(app, spec):
    documented = {
        (re.sub(r"{(\w+)}", r"<\1>", path), method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.rule, method) in documented


def test_every_operation_documents_errors_as_problems(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            assert operation["summary"], (path, method)
            errors = [code for code in operation["responses"] if code.startswith(("4", "5")) or code == "default"]
            assert errors, (path, method)
            if method in {"put", "patch", "delete"}:
                assert {"404", "412", "428"} <= set(operation["responses"]), (path, method)
            if method in {"post", "put", "patch"} and "requestBody" in operation:
                assert "422" in operation["responses"], (path, method)
    for name in ("UNPROCESSABLE_ENTITY", "NOT_FOUND", "PRECONDITION_FAILED"):
        assert "application/problem+json" in spec["components"]["responses"][name]["content"]


def test_patch_bodies_are_merge_patches(spec):
    for path, operations in spec["paths"].items():
        if "patch" in operations:
            assert "application/merge-patch+json" in operations["patch"]["requestBody"]["content"], path


@pytest.mark.parametrize("page", ["/api/docs", "/api/redoc"])
def test_viewers_load_only_local_assets(client, page):
    html = client.get(page).get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/api/") for source in sources), sources
    for source in sources:
        if source.endswith((".js", ".css")):
            answer = client.get(source)
            assert answer.status_code == 200 and len(answer.data) > 10_000, source


OPERATIONS = {"get", "post", "put", "patch", "delete"}
# The contract's list parameters; the events' filters hold for the calendar feed too, the companies' for their
# facets, CSV export and a spearhead's companies.
PAGING = {"page", "page_size"}
SYNC = {"sort", "updated_since", "include_deleted"}
COMPANY_FILTERS = {
    "q", "municipality", "industry", "industry_section", "spearhead", "tag", "size_class", "growth_seeking",
    "international", "business_id", "bbox", "near", "radius_km",
}
EVENT_FILTERS = {"start", "end", "upcoming", "registration_open", "municipality", "spearhead", "q", "is_online"}
SITE_FILTERS = {
    "q", "municipality", "kind", "use", "availability", "offer", "zoning", "spearhead", "connection",
    "min_area_m2", "max_area_m2", "max_price", "price_unit", "status", "bbox", "near", "radius_km",
}
ACTION_FILTERS = {"q", "spearhead", "kind", "stage", "municipality", "due_before", "overdue", "status"}
LISTED_PARAMETERS = {
    ("/api/v1/actions", "get"): PAGING | SYNC | ACTION_FILTERS,
    ("/api/v1/spearheads/{id_or_slug}/actions", "get"): PAGING | SYNC | ACTION_FILTERS - {"spearhead"},
    ("/api/v1/actions/{action_id}/history", "get"): PAGING,
    ("/api/v1/actions.ics", "get"): ACTION_FILTERS - {"status"} | {"updated_since"},
    ("/api/v1/sites", "get"): PAGING | SYNC | SITE_FILTERS,
    ("/api/v1/sites/facets", "get"): SITE_FILTERS,
    ("/api/v1/sites.csv", "get"): SITE_FILTERS | {"sort", "updated_since", "delimiter"},
    ("/api/v1/spearheads/{id_or_slug}/sites", "get"): PAGING | SYNC | SITE_FILTERS - {"spearhead"},
    ("/api/v1/sites/{site_id}/history", "get"): PAGING,
    ("/api/v1/companies", "get"): PAGING | SYNC | COMPANY_FILTERS,
    ("/api/v1/companies/facets", "get"): COMPANY_FILTERS,
    ("/api/v1/companies.csv", "get"): COMPANY_FILTERS | {"sort", "updated_since"},
    ("/api/v1/spearheads/{id_or_slug}/companies", "get"): PAGING | SYNC | COMPANY_FILTERS - {"spearhead"},
    ("/api/v1/companies/{company_id}/history", "get"): PAGING,
    ("/api/v1/companies/review", "get"): PAGING | {"municipality"},
    ("/api/v1/companies/duplicates", "get"): PAGING | {"municipality"},
    ("/api/v1/events", "get"): PAGING | SYNC | EVENT_FILTERS,
    ("/api/v1/events.ics", "get"): EVENT_FILTERS | {"updated_since"},
    ("/api/v1/spearheads/{id_or_slug}/events", "get"): PAGING | SYNC | EVENT_FILTERS - {"spearhead"},
    ("/api/v1/events/{event_id}/history", "get"): PAGING,
    ("/api/v1/spearheads", "get"): PAGING | SYNC | {"municipality", "status", "q"},
    ("/api/v1/spearheads/{id_or_slug}/history", "get"): PAGING,
    ("/api/v1/municipalities", "get"): PAGING | SYNC | {"q"},
    ("/api/v1/webhooks", "get"): PAGING,
    ("/api/v1/inquiries", "get"): PAGING | {"status", "municipality"},
    ("/api/v1/webhooks/{webhook_id}/deliveries", "get"): PAGING | {"status"},
}


def _operations(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in OPERATIONS:
                yield path, method, operation


def _parameter_names(operation, location):
    return {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == location}


@pytest.mark.parametrize(("path", "method"), sorted(LISTED_PARAMETERS))
def test_lists_declare_every_query_parameter(spec, path, method):
    operation = spec["paths"][path][method]
    assert LISTED_PARAMETERS[path, method] <= _parameter_names(operation, "query"), path
    if "/spearheads/{id_or_slug}/" in path:
        assert "spearhead" not in _parameter_names(operation, "query")
    assert "If-None-Match" in _parameter_names(operation, "header") or path.endswith(".csv")


def test_every_list_is_known_to_this_test(spec):
    """A new list must be added above; the hostile-input tests find lists by their `page` parameter."""
    paged = {(path, method) for path, method, operation in _operations(spec) if "page" in _parameter_names(operation, "query")}
    assert paged == {key for key, names in LISTED_PARAMETERS.items() if "page" in names}


def test_every_operation_has_a_unique_stable_operation_id(spec):
    ids = [operation.get("operationId") for _, _, operation in _operations(spec)]
    assert all(ids) and len(set(ids)) == len(ids), ids
    assert all(re.fullmatch(r"[a-z]+[A-Za-z]*", operation_id) for operation_id in ids), ids
    assert spec["paths"]["/api/v1/companies"]["get"]["operationId"] == "listCompanies"
    assert spec["paths"]["/api/v1/companies/{company_id}"]["get"]["operationId"] == "getCompany"
    assert spec["paths"]["/api/v1/companies"]["post"]["operationId"] == "createCompany"


def test_every_operation_states_its_security(spec):
    assert spec["servers"] and all(server["url"] for server in spec["servers"])
    for path, method, operation in _operations(spec):
        assert "security" in operation, (path, method)
        if path == "/metrics":
            assert operation["security"] == [{}, {"MetricsToken": []}], path  # open unless METRICS_TOKEN is set
        elif not path.startswith("/api/"):
            assert operation["security"] == [], path


def _schemas(node, where=""):
    """Every schema object in the document, with where it is."""
    if isinstance(node, dict):
        if "type" in node or "$ref" in node or "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas(value, f"{where}/{index}")


def test_no_field_is_an_untyped_object(spec):
    for where, schema in _schemas(spec):
        types = schema.get("type")
        if types == "object" or (isinstance(types, list) and "object" in types):
            assert {"properties", "additionalProperties", "oneOf", "anyOf", "allOf"} & set(schema), where
    industry = spec["components"]["schemas"]["Company"]["properties"]["industry"]
    assert set(industry["properties"]) == {"fi", "sv", "en"}


# Python-only regular expression syntax that ECMAScript (OpenAPI's `pattern` dialect) reads otherwise or refuses.
PYTHON_ONLY = re.compile(r"\\[AZ]|\(\?P[<=]|\(\?[aiLmsux]+[):]|\(\?#")


def test_patterns_are_ecmascript(spec):
    patterns = [(where, schema["pattern"]) for where, schema in _schemas(spec) if "pattern" in schema]
    assert patterns
    for where, pattern in patterns:
        assert not PYTHON_ONLY.search(pattern), (where, pattern)
        assert pattern.startswith("^") and pattern.endswith("$"), (where, pattern)


def _examples(node, where=""):
    """(where, example, schema) for each example beside a schema: in schemas, parameters, media types, headers."""
    if isinstance(node, dict):
        if "example" in node and ("type" in node or "$ref" in node or "oneOf" in node):
            yield where, node["example"], {key: value for key, value in node.items() if key != "example"}
        elif "example" in node and "schema" in node:
            yield where, node["example"], node["schema"]
        for key, value in node.items():
            if key != "example":
                yield from _examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{where}/{index}")


def test_examples_validate_against_their_schemas(spec):
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(spec))
    checked = 0
    for where, example, schema in _examples(spec):
        validator = jsonschema.Draft202012Validator(
            _rebase_refs(schema), registry=registry, format_checker=jsonschema.FormatChecker()
        )
        errors = [error.message for error in validator.iter_errors(example)]
        assert not errors, (where, errors)
        checked += 1
    assert checked > 50


def _rebase_refs(node):
    """Local references (`#/components/…`) point into the document held by the registry."""
    if isinstance(node, dict):
        return {key: "urn:openapi" + value if key == "$ref" else _rebase_refs(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_rebase_refs(value) for value in node]
    return node


def test_the_import_takes_every_body_type_it_documents(spec, client):
    client.post("/api/v1/municipalities", json=payloads.municipality())
    csv = b"business_id,name,municipality\r\n0112038-9,Karstulan Puutuote Oy,226\r\n"
    json_array = b'[{"business_id": "0112038-9", "name": "Karstulan Puutuote Oy", "municipality": "226"}]'
    documented = spec["paths"]["/api/v1/companies/import"]["post"]["requestBody"]["content"]
    assert set(documented) == {"multipart/form-data", "application/octet-stream", "application/json"}
    uploads = [
        {"data": {"file": (io.BytesIO(csv), "companies.csv", "text/csv")}, "content_type": "multipart/form-data"},
        {"data": {"file": (io.BytesIO(json_array), "companies.json")}, "content_type": "multipart/form-data"},
        {"data": b"\xef\xbb\xbf" + csv, "content_type": "application/octet-stream"},
        {"data": b"\n " + json_array, "content_type": "application/octet-stream"},
        {"data": json_array, "content_type": "application/json"},
        {"data": csv, "content_type": "text/csv"},
    ]
    for upload in uploads:
        answer = client.post("/api/v1/companies/import?dry_run=true", **upload)
        assert answer.status_code == 200 and answer.get_json()["created"] == 1, (upload["content_type"], answer.get_json())
    no_file = client.post("/api/v1/companies/import", data={"other": "x"}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and "file" in no_file.get_json()["detail"]


def test_an_empty_value_of_any_list_parameter_is_a_422(spec, client):
    """`tag=` would filter for nothing; every parameter of every list answers the same way."""
    client.post("/api/v1/spearheads", json=payloads.spearhead())
    checked = 0
    for path, method, operation in _operations(spec):
        if method != "get" or "{" in path.replace("{id_or_slug}", ""):
            continue
        concrete = path.replace("{id_or_slug}", "wood-bioeconomy")
        for name in _parameter_names(operation, "query"):
            answer = client.get(f"{concrete}?{name}=")
            assert answer.status_code == 422, (path, name, answer.status_code)
            assert answer.get_json()["errors"] == {name: ["Give a value, or leave the parameter out."]}, (path, name)
            checked += 1
    assert checked > 100


def test_doc_and_alt_response_document_the_view_without_wrapping_it(spec):
    """Readiness.get has blp.doc and blp.errors (alt_response) beneath blp.response: the view that the
    response's wrapper calls is the method as written, and the operation keeps their documentation."""
    from api.health import Readiness

    written = Readiness.get.__wrapped__
    assert written.__qualname__ == "Readiness.get" and not hasattr(written, "__wrapped__")
    operation = spec["paths"]["/readyz"]["get"]
    assert operation["operationId"] == "getReadiness" and {"200", "503"} <= set(operation["responses"])
