"""Inquiries: /api/v1/inquiries and /api/v1/inquiries/{id}."""

from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import ColumnElement, or_, select

from api import auth
from api.conditional import answer_304_if_fresh, make_etag, require_if_match
from api.extensions import db
from api.i18n import _
from api.models import Inquiry, Municipality, Site, Spearhead
from api.models.base import new_id, utcnow
from api.pagination import PAGINATION_HEADERS, digest_page
from api.ratelimits import per_address
from api.records import invalid
from api.resources import records
from api.resources.inquiries import store
from api.resources.inquiries.schemas import InquiryQueryArgsSchema, InquiryReceivedSchema, InquiryRequestSchema, InquirySchema
from api.smorest import Blueprint

blp = Blueprint(
    "inquiries",
    __name__,
    url_prefix="/api/v1/inquiries",
    description="Investors' contact requests: anyone sends one; the editors of the municipalities it concerns read and handle it.",
)


def touching(codes) -> ColumnElement[bool]:
    """The inquiries that concern any of these municipalities."""
    return or_(*(Inquiry.municipality_codes.contains(f" {code} ") for code in codes))


def _readable():
    """An editor limited to some municipalities reads the inquiries that concern one of them; others read all."""
    query = select(Inquiry)
    principal = auth.current()
    if principal.role == "editor" and principal.municipalities:
        query = query.where(touching(principal.municipalities))
    return query


def _get(inquiry_id: str) -> Inquiry:
    inquiry = db.session.scalars(_readable().where(Inquiry.id == inquiry_id)).first()
    if inquiry is None:
        abort(404, message=_("No inquiry of your municipalities has this id."))
    return inquiry


def _etag(inquiry: Inquiry) -> str:
    return make_etag("Inquiry", inquiry.id, inquiry.version)


def _answer(inquiry: Inquiry):
    return inquiry, 200, {"ETag": f'"{_etag(inquiry)}"'}


def _about(data: dict) -> tuple[dict, set[str]]:
    """The inquiry's subjects as column values, and every municipality they give (422 for an unknown one)."""
    codes = set()
    values = {"site_id": None, "spearhead_id": None, "municipality": data["municipality"]}
    if data["site"]:
        site = db.session.scalars(records.live(Site, Site.id == data["site"])).first()
        if site is None:
            invalid("site", _("No published site has this id."))
        values["site_id"] = site.id
        codes.add(site.municipality)
    if data["spearhead"]:
        key = data["spearhead"]
        spearhead = db.session.scalars(records.live(Spearhead, or_(Spearhead.id == key, Spearhead.slug == key))).first()
        if spearhead is None:
            invalid("spearhead", _("No published spearhead has this id or slug."))
        values["spearhead_id"] = spearhead.id
        codes |= {municipality.code for municipality in spearhead.municipalities}
    if data["municipality"]:
        if db.session.scalars(records.live(Municipality, Municipality.code == data["municipality"])).first() is None:
            invalid("municipality", _("No municipality has this code."))
        codes.add(data["municipality"])
    return values, codes


@blp.route("")
class InquiriesViews(MethodView):
    # On the method, not the class: the list's GET is counted like any read, by the application limit alone.
    @per_address("RATELIMIT_INQUIRY")
    @blp.arguments(InquiryRequestSchema)
    @blp.response(202, InquiryReceivedSchema)
    @blp.doc(operationId="sendInquiry")
    def post(self, data):
        """Send an inquiry (no key needed; at most RATELIMIT_INQUIRY per address, 5 an hour by default)"""
        if data.pop("website"):
            # A robot filled the hidden field: it is told what a person is told, and nothing is kept.
            return {"id": new_id(), "received_at": utcnow()}
        values, codes = _about(data)
        for name in ("site", "spearhead", "municipality", "consent"):
            data.pop(name)
        return store.receive({**data, **values}, codes)

    @blp.requires("editor")
    @blp.arguments(InquiryQueryArgsSchema, location="query")
    @blp.response(200, InquirySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.doc(operationId="listInquiries")
    def get(self, args):
        """List the inquiries of your municipalities, newest first"""
        query = _readable()
        if args.get("status"):
            query = query.where(Inquiry.status.in_(args["status"]))
        if args.get("municipality"):
            query = query.where(touching(args["municipality"]))
        return digest_page(query.order_by(Inquiry.received_at.desc(), Inquiry.id), args, InquirySchema)


@blp.route("/<inquiry_id>")
class InquiriesByIdViews(MethodView):
    @blp.requires("editor")
    @blp.response(200, InquirySchema)
    @blp.conditional_read
    @blp.errors(404)
    @blp.doc(operationId="getInquiry")
    def get(self, inquiry_id):
        """Get an inquiry"""
        inquiry = _get(inquiry_id)
        answer_304_if_fresh(_etag(inquiry))
        return _answer(inquiry)

    @blp.requires("editor")
    @blp.arguments(InquirySchema, content_type="application/merge-patch+json")
    @blp.response(200, InquirySchema)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="updateInquiry")
    def patch(self, data, inquiry_id):
        """Set an inquiry's status (new, in_progress, answered, closed)"""
        inquiry = _get(inquiry_id)
        require_if_match(_etag(inquiry))
        return _answer(store.set_status(inquiry, data["status"]))

    @blp.requires("editor")
    @blp.response(204)
    @blp.conditional_write
    @blp.errors(404)
    @blp.doc(operationId="eraseInquiry")
    def delete(self, inquiry_id):
        """Erase an inquiry: gone from the database, nothing of it kept"""
        inquiry = _get(inquiry_id)
        require_if_match(_etag(inquiry))
        store.erase(inquiry)
