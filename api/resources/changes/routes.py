"""The change feed: /api/v1/changes."""

from flask import abort, current_app, request, url_for
from flask.views import MethodView

from api.auth import sees_drafts, view_name
from api.conditional import answer_304_if_fresh, make_etag
from api.extensions import db
from api.i18n import lazy_gettext
from api.jsonio import dumps
from api.records import feed
from api.resources.changes.schemas import ChangeQueryArgsSchema, ChangeSchema
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
RESYNC = lazy_gettext(
    "The cursor is older than the oldest change kept (CHANGES_RETENTION_DAYS), or this feed never gave it: "
    "start again from a full listing of the records, then read the feed from its oldest change."
)


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
    @blp.doc(operationId="listChanges")
    def get(self, args):
        """List the changes after a cursor, oldest first (the change feed)

        An empty array means you are up to date. Each change is in the feed once, in commit order, with
        the record as this key could read it then; apply them in order to keep a mirror equal to a full listing.
        """
        try:
            changes, more = feed.read(
                db.session, args.get("after"), args["limit"], drafts=sees_drafts(),
                resources=args.get("resource", ()), municipalities=args.get("municipality", ()),
            )
        except feed.CursorGone:
            abort(410, RESYNC)
        body = dumps(changes)
        headers = {"Link": _next_link(changes[-1]["cursor"])} if more else {}
        etag = make_etag(view_name(), body)
        answer_304_if_fresh(etag)
        return current_app.response_class(body, headers={**headers, "ETag": f'"{etag}"'}, mimetype="application/json")
