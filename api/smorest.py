"""flask-smorest subclassed once for the whole app: problem+json errors, strict schemas, our parser, access."""

import http
from copy import deepcopy
from functools import wraps

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_smorest import Api as ApiBase
from flask_smorest import Blueprint as BlueprintBase
from flask_smorest.utils import deepupdate, prepare_response
from webargs.flaskparser import FlaskParser

from api.auth import require_role
from api.errors import PROBLEM_MIMETYPE, http_exception_as_problem
from api.fields import SearchText
from api.i18n import _

SECURITY_SCHEME = "ApiKey"
# Keys and rate limits apply to the API and its documentation; probes and metrics at the root need neither.
ACCESS_CONTROLLED_PREFIX = "/api/"
# The resources themselves (not the OpenAPI document and its viewers): every request here uses the database.
API_PREFIX = "/api/v1/"
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests allowed in the current window.", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in the current window.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until the window resets.", "schema": {"type": "integer"}},
}
# Every list searched with `q` may correct its words (api.search); the answer then names the corrections.
SEARCH_CORRECTIONS_HEADER = "X-Search-Corrections"
SEARCH_CORRECTIONS_HEADERS = {
    SEARCH_CORRECTIONS_HEADER: {
        "description": "JSON object from each word of `q` that matched nothing to the indexed word it was corrected to "
        "(one edit for words of 4–7 letters, two for longer ones; the records found match the correction). Absent when "
        "no word was corrected: show it as \"Did you mean …\".",
        "schema": {"type": "string"},
        "example": '{"karstla": "karstula"}',
    }
}
# Headers that come with some problem answers, documented once on their shared responses.
PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer realm=\"api\"`, with `error=\"invalid_token\"` for a bad key.", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
        **RATE_LIMIT_HEADERS,
    },
}


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem; `errors` names each bad field of a 422."""

    type = ma.fields.String(metadata={"example": "/problems/validation-error"})
    title = ma.fields.String(metadata={"example": "Unprocessable Content"})
    status = ma.fields.Integer(metadata={"example": 422})
    detail = ma.fields.String(metadata={"example": "The request has invalid fields: business_id."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"example": {"business_id": ["Not a valid Finnish Business ID."]}},
    )


def schema_name(schema) -> str:
    """Component name of a schema; a partial (merge patch) schema gets its own name."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return f"{name}Patch" if getattr(schema, "partial", False) else name


class Api(ApiBase):
    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, *, marshmallow_plugin=None, **kwargs):
        marshmallow_plugin = marshmallow_plugin or MarshmallowPlugin(schema_name_resolver=schema_name)
        super()._init_spec(marshmallow_plugin=marshmallow_plugin, **kwargs)
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key from `flask keys create`, sent as `Authorization: Bearer <key>`. "
                "Without one, requests read published records only.",
            },
        )

    def handle_http_exception(self, error):
        return http_exception_as_problem(error)

    def _register_responses(self):
        """Document every error answer as application/problem+json."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            if status in PROBLEM_HEADERS:
                response["headers"] = PROBLEM_HEADERS[status]
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Unexpected error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


class Parser(FlaskParser):
    """Reads JSON through Flask (orjson, depth limit) so every body error is a 400 problem."""

    DEFAULT_VALIDATION_STATUS = 422
    # Our schemas refuse unknown fields in every location, query strings included.
    DEFAULT_UNKNOWN_BY_LOCATION: dict = {}

    def _raw_load_json(self, req):
        return req.get_json()

    def load_querystring(self, req, schema):
        """Query values as the schema takes them; nothing silently dropped.

        Webargs keeps the first of a repeated parameter unless its field is a list, and an empty value
        would filter for nothing: both are refused by name.
        """
        arguments = super().load_querystring(req, schema)
        known = {field.data_key or name for name, field in schema.fields.items()}
        errors = {}
        for name in known & set(req.args):
            values = req.args.getlist(name)
            if len(values) > 1 and name not in arguments.multiple_keys:
                errors[name] = [_("Give this parameter once; it cannot be repeated.")]
            elif any(not value.strip() for value in values):
                errors[name] = [_("Give a value, or leave the parameter out.")]
        if errors:
            raise ma.ValidationError(errors)
        return arguments


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "An ETag of your last GET of the record, from any of its views (your key's or anonymous, "
    "JSON or JSON-LD): they all name its version. 428 without it, 412 when the record changed since.",
    "schema": {"type": "string"},
    "example": '"3c54f03d2623ec2b4babb631-9b1e4a0c77d2f15e08a6c3d4"',
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "An ETag you hold; 304 with no body while it is still current.",
    "schema": {"type": "string"},
}


def _documentation_only(decorator):
    """A flask-smorest decorator whose wrapper only documents the view (doc, alt_response), applied without
    the wrapper: the view itself is kept and given the wrapper's documentation, so that every request
    does not pay the wrapper's call, its proxy lookup of the app and its ensure_sync."""

    def documented(func):
        func._apidoc = decorator(func)._apidoc
        return func

    return documented


class Blueprint(BlueprintBase):
    ARGUMENTS_PARSER = Parser()

    @staticmethod
    def doc(**kwargs):
        return _documentation_only(BlueprintBase.doc(**kwargs))

    def alt_response(self, status_code, *args, **kwargs):
        return _documentation_only(super().alt_response(status_code, *args, **kwargs))

    def documented_response(self, status_code, *args, **kwargs):
        """`response`'s documentation for a view that returns its own Response (no schema dump, no wrapper)."""
        return _documentation_only(self.response(status_code, *args, **kwargs))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks += [self._prepare_header_parameters_doc, self._prepare_access_doc, self._prepare_search_doc]

    def arguments(self, schema, **kwargs):
        # webargs would build a new schema from a class on every request; build it once.
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)

    def requires(self, role: str):
        """Only keys with `role` (or admin) may call the operation: 401 without a key, 403 below the role.

        Put it above the other decorators, so that the key is checked before the body is read.
        """

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                require_role(role)
                return func(*args, **kwargs)

            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
            wrapper._apidoc["role"] = role
            return wrapper

        return decorator

    @staticmethod
    def header_parameters(*parameters: dict):
        """Document request headers of an operation beside its query arguments.

        `doc(parameters=...)` would replace the parameters that `arguments` documents.
        """

        def decorator(func):
            func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            func._apidoc["header_parameters"] = [*func._apidoc.get("header_parameters", []), *parameters]
            return func

        return decorator

    @staticmethod
    def _prepare_header_parameters_doc(doc, doc_info, **kwargs):
        if doc_info.get("header_parameters"):
            doc["parameters"] = [*doc.get("parameters", []), *doc_info["header_parameters"]]
        return doc

    def _prepare_access_doc(self, doc, doc_info, **kwargs):
        """Every API operation: 401 for a bad key, 429 past the rate limit; role-bound ones also 403."""
        if not (self.url_prefix or "").startswith(ACCESS_CONTROLLED_PREFIX):
            # The probes outside the API take no key.
            doc["security"] = []
            return doc
        responses = {401: "UNAUTHORIZED", 429: "TOO_MANY_REQUESTS"}
        role = doc_info.get("role")
        if role == "partner":
            # Every key has at least the partner role: a key is needed, and no key is refused for its role.
            doc["security"] = [{SECURITY_SCHEME: []}]
            doc["description"] = "Needs an API key (any role)."
        elif role:
            responses[403] = "FORBIDDEN"
            doc["security"] = [{SECURITY_SCHEME: []}]
            roles = "an admin key" if role == "admin" else f"an {role} or admin key"
            doc["description"] = f"Needs {roles}."
        else:
            # The empty requirement makes the key optional: anonymous readers see published records.
            doc["security"] = [{}, {SECURITY_SCHEME: []}]
        return deepupdate(doc, {"responses": responses})

    @staticmethod
    def _prepare_search_doc(doc, doc_info, **kwargs):
        """A list with a `q` argument documents X-Search-Corrections on its answer."""
        query_schemas = [
            parameter["schema"]
            for parameter in doc_info.get("arguments", {}).get("parameters", [])
            if isinstance(parameter, dict) and parameter.get("in") == "query"
        ]
        success = doc.get("responses", {}).get(200)
        searched = any(isinstance(field, SearchText) for schema in query_schemas for field in getattr(schema, "fields", {}).values())
        if success and searched:
            success.setdefault("headers", {}).update(SEARCH_CORRECTIONS_HEADERS)
        return doc

    def errors(self, *statuses: int):
        """Document the error answers an operation can give (all are problem+json)."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=http.HTTPStatus(status).name)(func)
            return func

        return decorator

    def conditional_read(self, func):
        """A GET that answers 304 to a current If-None-Match."""
        return self.header_parameters(IF_NONE_MATCH)(self.errors(304)(func))

    def conditional_write(self, func):
        """A PUT, PATCH or DELETE that needs If-Match: 428 without it, 412 when stale."""
        return self.header_parameters(IF_MATCH)(self.errors(412, 428)(func))


class Schema(ma.Schema):
    """Unknown fields are refused; writing a read-only field says so by name."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def refuse_read_only(self, data, **kwargs):
        if isinstance(data, dict):
            read_only = [name for name in data if name in self.dump_fields and name not in self.load_fields]
            if read_only:
                raise ma.ValidationError({name: [_("Read-only field; it cannot be written.")] for name in read_only})
        return data

    @ma.pre_load
    def refuse_overlong_lists(self, data, **kwargs):
        """A list past its maximum length is refused before its items are checked one by one, so a
        body of 200,000 items costs neither the time to check them nor an answer naming each."""
        if not isinstance(data, dict):
            return data
        errors = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            if not isinstance(field, ma.fields.List) or not isinstance(data.get(key), list):
                continue
            for rule in field.validators:
                if isinstance(rule, ma.validate.Length) and rule.max is not None and len(data[key]) > rule.max:
                    errors[key] = [_("At most %(count)s items.", count=rule.max)]
        if errors:
            raise ma.ValidationError(errors)
        return data
