"""The OpenAPI document is valid, complete, and its two viewers work offline."""

import re

import pytest
from openapi_spec_validator import validate


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
