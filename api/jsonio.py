"""JSON in and out with orjson; request bodies nested deeper than the limit are refused."""

from datetime import date, datetime

import orjson
from flask import Request
from flask.json.provider import JSONProvider
from werkzeug.exceptions import BadRequest

from api.i18n import _

MAX_DEPTH = 64
CONTAINERS = (dict, list)


class TooDeeplyNested(ValueError):
    pass


def _check_depth(document) -> None:
    # Level by level, containers only: recursion would itself overflow on the documents it must
    # refuse, and a megabyte of small containers is walked in a few hundredths of a second.
    level = [document] if isinstance(document, CONTAINERS) else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise TooDeeplyNested(_("JSON nested deeper than %(depth)s levels.", depth=MAX_DEPTH))
        children: list = []
        for node in level:
            children += [child for child in (node.values() if isinstance(node, dict) else node) if isinstance(child, CONTAINERS)]
        level = children


def loads(data: bytes | str):
    """Parse JSON (orjson raises ValueError on invalid UTF-8, NaN and the like)."""
    document = orjson.loads(data)
    _check_depth(document)
    return document


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value) -> bytes:
    return orjson.dumps(value, default=_default)


class OrjsonProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj, **kwargs) -> str:
        return dumps(obj).decode()

    def loads(self, s, **kwargs):
        return loads(s)

    def response(self, *args, **kwargs):
        payload = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(dumps(payload), mimetype=self.mimetype)


class ApiRequest(Request):
    def on_json_loading_failed(self, error: ValueError | None):
        raise BadRequest(_("The body is not valid JSON: %(error)s.", error=error) if error else _("The body must be JSON."))
