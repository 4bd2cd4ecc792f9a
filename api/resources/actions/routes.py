"""Strategy actions: /api/v1/actions and /api/v1/actions/{id}."""

from datetime import date
from functools import partial

from flask import url_for
from flask.views import MethodView
from sqlalchemy import case, exists, func, not_, or_, select

from api import search
from api.domain.event_time import HELSINKI
from api.extensions import db
from api.i18n import lazy_gettext
from api.models import Action
from api.models.associations import action_municipalities
from api.pagination import PAGINATION_HEADERS, PageArgsSchema, SortKey
from api.records import ACTION, create, delete, update
from api.resources import records, writes
from api.resources.actions.schemas import CLOSED_STAGES, STAGES, ActionQueryArgsSchema, ActionSchema
from api.resources.history import AuditEntrySchema, read_history
from api.resources.spearheads import identity
from api.smorest import Blueprint

blp = Blueprint(
    "actions",
    __name__,
    url_prefix="/api/v1/actions",
    description="Strategy actions: the workshop's proposals, operating models and forms of cooperation under each spearhead, followed until done.",
)
# An action without a due date sorts after every dated one, on both databases.
DUE = func.coalesce(Action.due_on, date.max)
SORT_COLUMNS = {
    "stage": case({stage: rank for rank, stage in enumerate(STAGES)}, value=Action.stage),
    "due_on": DUE,
    "starts_on": func.coalesce(Action.starts_on, date.max),
    "title": Action.__table__.c.title_fi,
    "created_at": Action.created_at,
    "updated_at": Action.updated_at,
}
DEFAULT_SORT = [SortKey("stage", False), SortKey("due_on", False)]
# The arguments that select by time alone; any other is a content filter.
LIST_ARGUMENTS = {"page", "page_size", "sort", "updated_since", "include_deleted"}


def lookup(action_id: str):
    return records.live(Action, Action.id == action_id), lazy_gettext("No action has the id %(id)s.", id=action_id)


def get_action(action_id: str) -> Action:
    return records.get_or_404(*lookup(action_id))


def today() -> date:
    """The request's day in Helsinki, where the region's deadlines fall."""
    return records.clock().astimezone(HELSINKI).date()


def uses_clock(args: dict) -> bool:
    """`overdue` compares with today."""
    return args.get("overdue") is not None


def in_municipalities(codes: list[str]):
    """Actions of any of these municipalities, and those of the whole sub-region (no municipalities)."""
    linked = select(action_municipalities.c.action_id).where(action_municipalities.c.municipality_code.in_(codes))
    whole = not_(exists().where(action_municipalities.c.action_id == Action.id))
    return or_(Action.id.in_(linked), whole)


def filtered(args: dict):
    """The action list's query under the request's filters: the one place they are applied.

    Ordered as a follow-up board (work under way first, then by due date) even with `q`.
    """
    query = records.list_query(Action, args, SORT_COLUMNS, DEFAULT_SORT)
    if set(args) - LIST_ARGUMENTS:
        query = query.where(Action.deleted_at.is_(None))
    if "q" in args:
        found = search.matches("action", args["q"], db.engine.dialect.name)
        query = query.join(found, found.c.record_id == Action.id)
    for name in ("kind", "stage", "status"):
        if name in args:
            query = query.where(getattr(Action, name).in_(args[name]))
    if "spearhead" in args:
        query = query.where(Action.spearhead.in_(identity.seen_ids(*args["spearhead"])))
    if "municipality" in args:
        query = query.where(in_municipalities(args["municipality"]))
    if "due_before" in args:
        query = query.where(Action.due_on < args["due_before"])
    if args.get("overdue") is not None:
        overdue = (Action.due_on < today()) & Action.stage.not_in(CLOSED_STAGES)
        query = query.where(overdue if args["overdue"] else not_(overdue) | Action.due_on.is_(None))
    return query


def list_answer(args: dict, query):
    return records.read_page(Action, args, ActionSchema, query, uses_clock=uses_clock(args))


@blp.route("")
class ActionsViews(MethodView):
    @blp.arguments(ActionQueryArgsSchema, location="query")
    @blp.response(200, ActionSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(406)
    @blp.doc(operationId="listActions")
    def get(self, args):
        """List strategy actions (by stage: in_progress, approved, proposed, done, dropped; then by due date, none last)"""
        return list_answer(args, lambda: filtered(args))

    @blp.requires("editor")
    @blp.arguments(ActionSchema)
    @blp.response(201, ActionSchema)
    @blp.doc(operationId="createAction")
    def post(self, data):
        """Add an action (admins; editors when all its municipalities are theirs)"""
        action = create(ACTION, data)
        return writes.created(action, url_for("actions.ActionsByIdViews", action_id=action.id))


@blp.route("/<action_id>")
class ActionsByIdViews(MethodView):
    @blp.response(200, ActionSchema)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="getAction")
    def get(self, action_id):
        """Get an action"""
        return records.read(partial(lookup, action_id), ActionSchema)

    @blp.requires("editor")
    @blp.arguments(ActionSchema)
    @blp.response(200, ActionSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="replaceAction")
    def put(self, data, action_id):
        """Replace an action"""
        action = get_action(action_id)
        writes.check_writable(action)
        return writes.updated(update(action, data))

    @blp.requires("editor")
    @blp.arguments(ActionSchema(partial=True), content_type="application/merge-patch+json")
    @blp.response(200, ActionSchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="updateAction")
    def patch(self, _patch, action_id):
        """Update an action (JSON merge patch), such as its stage and progress note"""
        action = get_action(action_id)
        writes.check_writable(action)
        return writes.updated(update(action, writes.load_merged(ActionSchema, action)))

    @blp.requires("editor")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="deleteAction")
    def delete(self, action_id):
        """Delete an action (soft: it leaves reads, a tombstone stays for sync)"""
        action = get_action(action_id)
        writes.check_writable(action)
        delete(action)


@blp.route("/<action_id>/history")
class ActionHistoryViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="listActionHistory")
    def get(self, args, action_id):
        """List the changes of an action, newest first"""
        return read_history(Action, Action.id == action_id, lazy_gettext("No action has the id %(id)s.", id=action_id), args)
