"""Property-based testing of every operation against the app's own OpenAPI document (schemathesis).

FUZZ_EXAMPLES sets the examples per operation: a few in the suite, more in the separate fuzz run
that the README documents.
"""

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# Rules the document cannot express (a Business ID's check digit, known municipality codes, an event
# ending after it starts) make some schema-valid requests a 422, which the document lists; so the one
# check that demands 2xx for every schema-valid request is left out. Every other check runs:
# no server error, documented status codes, content types, headers and response schemas, and
# schema-invalid requests rejected with a 4xx.
EXCLUDED = [positive_data_acceptance]


def _describe(failure: BaseException) -> str:
    parts = [str(failure)]
    for inner in getattr(failure, "exceptions", ()):
        parts.append(f"  - {type(inner).__name__}: {inner}")
    return "\n".join(parts)[:3000]


def _fuzz(client, operation, examples: int, sent: set[str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def run(case):
        sent.update(case.query or {})
        if case.method in {"PUT", "PATCH", "DELETE"}:
            # Writes carry the record's real ETag, so they reach validation and the write itself.
            current = client.get(case.formatted_path)
            if current.status_code == 200:
                case.headers = {**(case.headers or {}), "If-Match": current.headers["ETag"]}
        case.call_and_validate(headers=dict(client.environ_base.get("HTTP_AUTHORIZATION") and {"Authorization": client.environ_base["HTTP_AUTHORIZATION"]} or {}), excluded_checks=EXCLUDED)

    run()


def test_every_operation_conforms_to_the_document(app, client, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = {}
    sent: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        declared[operation.label] = {parameter.name for parameter in operation.query}
        examples = EXAMPLES
        # An operation with many optional parameters may leave one out of a few examples: it gets more,
        # within a bound, until each parameter has been sent.
        while True:
            try:
                _fuzz(client, operation, examples, sent.setdefault(operation.label, set()))
            except (Exception, BaseExceptionGroup) as failure:  # collect every operation's failure, then report them together
                failures[operation.label] = _describe(failure)
                break
            if declared[operation.label] <= sent[operation.label] or examples >= 8 * EXAMPLES:
                break
            examples *= 2
    # Every query parameter of the document (each list filter among them) was sent by at least one case.
    never_sent = set().union(*declared.values()) - set().union(*sent.values())
    assert not never_sent, f"never fuzzed: {sorted(never_sent)}; raise the examples per operation"
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
