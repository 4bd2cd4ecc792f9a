"""A Python client generated from the served OpenAPI document pages a filtered list of a real server and creates a record."""

import importlib
import subprocess
import sys
from pathlib import Path

import orjson

from tests import payloads
from tests.live import gunicorn

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def _generate(spec: bytes, directory: Path) -> str:
    """Generate the client package into `directory`; answers the generator's output."""
    (directory / "openapi.json").write_bytes(spec)
    # No formatter run afterwards: the generated code is only imported.
    (directory / "config.yml").write_text("post_hooks: []\n")
    result = subprocess.run(
        [GENERATOR, "generate", "--path", "openapi.json", "--config", "config.yml", "--meta", "none", "--output-path", "directory_client"],
        cwd=directory, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_generated_python_client_calls_a_filtered_paged_list(app, database_url, client, seeded, create_key, tmp_path):
    output = _generate(client.get("/api/openapi.json").data, tmp_path)
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("directory_client")
        list_companies = importlib.import_module("directory_client.api.companies.list_companies")
        create_action = importlib.import_module("directory_client.api.actions.create_action")
        list_actions = importlib.import_module("directory_client.api.actions.list_actions")
        models = importlib.import_module("directory_client.models")
    finally:
        sys.path.remove(str(tmp_path))
    expected = client.get("/api/v1/companies?municipality=226&municipality=931&sort=name&page=2&page_size=1")
    assert expected.status_code == 200 and expected.get_json(), expected.get_json()

    with gunicorn(database_url, workers=1) as server:
        api = package.AuthenticatedClient(base_url=server.base_url, token=create_key("partner"))
        with api:
            answer = list_companies.sync_detailed(client=api, municipality=["226", "931"], sort="name", page=2, page_size=1)
        # A frontend's flow for strategy actions: an admin adds one, the list by stage shows it.
        admin = package.AuthenticatedClient(base_url=server.base_url, token=create_key("admin"))
        with admin:
            body = models.Action.from_dict(payloads.action(stage="in_progress", title={"fi": "Generoidun asiakkaan toimenpide"}))
            created = create_action.sync_detailed(client=admin, body=body)
            listed = list_actions.sync_detailed(
                client=admin, stage=[models.ListActionsStageItem("in_progress")], municipality=["931"], page_size=100
            )
    assert answer.status_code == 200, answer.content
    assert [company.to_dict() for company in answer.parsed] == expected.get_json()
    assert orjson.loads(answer.headers["X-Pagination"]) == orjson.loads(expected.headers["X-Pagination"])
    assert created.status_code == 201, created.content
    assert created.parsed.title.fi == "Generoidun asiakkaan toimenpide" and created.parsed.due_on.isoformat() == "2027-06-30"
    assert listed.status_code == 200, listed.content
    assert created.parsed.id in [action.id for action in listed.parsed]
    assert {action.stage for action in listed.parsed} == {"in_progress"}
