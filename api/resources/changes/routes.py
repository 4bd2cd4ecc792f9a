"""The change feed: /api/v1/changes."""

import orjson
from flask import abort, current_app, request, url_for
from flask.views import MethodView
from sqlalchemy import func, or_, select

from api.auth import sees_drafts, view_name
from api.conditional import answer_304_if_fresh, make_etag
from api.extensions import db
from api.jsonio import dumps
from api.models import Change
from api.resources.changes.schemas import ChangeQueryArgsSchema, ChangeSchema, cursor
from api.smorest import Blueprint

blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/api/v1/changes",
    description="Every committed change of a company, event, spearhead or municipality, in commit order: mirror the directory incrementally.",
)
FEED_HEADERS = {
    "Link": {"description": 'RFC 8288 `rel="next"` while more changes are waiting.', "schema": {"type": "string"}},
    "ETag": {"description": "Strong validator of this answer.", "schema": {"type": "string"}},
}
RESYNC = (
    "The cursor is older than the oldest change kept (CHANGES_RETENTION_DAYS), or this feed never gave it: "
    "start again from a full listing of the records, then read the feed from its oldest change."
)


def _check_cursor(after: int) -> None:
    """410 for a cursor before the oldest change kept (positions are consecutive) or past the newest."""
    oldest, newest = db.session.execute(select(func.min(Change.position), func.max(Change.position))).one()
    if newest is None or after > newest or after < oldest - 1:
        abort(410, RESYNC)


def _item(row, private: bool) -> dict:
    action = row.action if private else row.public_action
    data = None if action == "deleted" else (row.data if private else row.public_data or row.data)
    return {
        "cursor": cursor(row.position),
        "resource": row.resource,
        "id": row.record_id,
        "action": action,
        "version": row.version,
        "at": row.at,
        "data": orjson.Fragment(data) if data is not None else None,
    }


def _next_link(last_cursor: str) -> str:
    args = request.args.to_dict(flat=False)
    args["after"] = [last_cursor]
    return f'<{url_for(request.endpoint, **args)}>; rel="next"'


@blp.route("")
class ChangesViews(MethodView):
    @blp.arguments(ChangeQueryArgsSchema, location="query")
    @blp.response(200, ChangeSchema(many=True), headers=FEED_HEADERS)
    @blp.conditional_read
    @blp.errors(410)
    def get(self, args):
        """List the changes after a cursor, oldest first (the change feed)

        An empty array means you are up to date. Each change is in the feed once, in commit order, with
        the record as this key could read it then; apply them in order to keep a mirror equal to a full listing.
        """
        private = sees_drafts()
        after = args.get("after")
        if after is not None:
            _check_cursor(after)
        query = select(Change).where(Change.position > (after or 0)).order_by(Change.position).limit(args["limit"] + 1)
        if not private:
            query = query.where(Change.public_action.is_not(None))
        if "resource" in args:
            query = query.where(Change.resource.in_(args["resource"]))
        if "municipality" in args:
            query = query.where(or_(*(Change.municipalities.contains(f" {code} ") for code in args["municipality"])))
        rows = db.session.scalars(query).all()
        page = rows[: args["limit"]]
        body = dumps([_item(row, private) for row in page])
        headers = {"Link": _next_link(cursor(page[-1].position))} if len(rows) > len(page) else {}
        etag = make_etag(view_name(), body)
        answer_304_if_fresh(etag)
        return current_app.response_class(body, headers={**headers, "ETag": f'"{etag}"'}, mimetype="application/json")
