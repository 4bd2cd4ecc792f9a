"""/api/v1/companies/review, /api/v1/companies/duplicates and dismissals of duplicate pairs."""

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from api import audit, review
from api.extensions import db
from api.i18n import _
from api.models import Company, DismissedDuplicate
from api.models.base import utcnow
from api.pagination import PAGINATION_HEADERS, Page, paginate
from api.records import invalid
from api.resources import records
from api.resources.review.schemas import DismissalSchema, DuplicatePairSchema, ReviewArgsSchema, ReviewedCompanySchema
from api.review import duplicates, queue
from api.serialization import serialize
from api.smorest import Blueprint

blp = Blueprint(
    "review", __name__, url_prefix="/api/v1/companies",
    description="Keeping the data true: companies that need a business developer's look, and likely duplicates.",
)


class Reviewed:
    """A company of the review list with its reasons, dumped as the company and `reasons`."""

    def __init__(self, row):
        self._company = row[0]
        self.reasons = queue.reasons(row)

    def __getattr__(self, name):
        return getattr(self._company, name)


def review_page(args: dict, municipalities: list[str] | None, stamps) -> Page:
    """One page of the review list (see api.review.queue) as Reviewed companies."""
    page = paginate(queue.query(municipalities, records.clock()), args, stamps, rows=True)
    page.items = [Reviewed(row) for row in page.items]
    return page


@blp.route("/review")
class ReviewViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(ReviewArgsSchema, location="query")
    @blp.response(200, ReviewedCompanySchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.doc(operationId="listCompaniesToReview")
    def get(self, args):
        """List the companies that need a look, never verified first, then the oldest check"""
        municipalities = review.area(args.get("municipality"))

        def build(stamps):
            page = review_page(args, municipalities, stamps)
            return serialize(ReviewedCompanySchema, page.items), page.headers()

        after_days = current_app.config["REVIEW_AFTER_DAYS"]
        return records.read_derived(Company, build, uses_clock=True, varies_on=(municipalities, after_days))


@blp.route("/duplicates")
class DuplicatesViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(ReviewArgsSchema, location="query")
    @blp.response(200, DuplicatePairSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.conditional_read
    @blp.doc(operationId="listDuplicateCompanies")
    def get(self, args):
        """List pairs of live companies that are probably the same, best first"""
        municipalities = review.area(args.get("municipality"))

        def build(stamps):
            pairs = duplicates.listed(municipalities, stamps)
            start = (args["page"] - 1) * args["page_size"]
            page = Page(pairs[start:start + args["page_size"]], len(pairs), args["page"], args["page_size"])
            return serialize(DuplicatePairSchema, page.items), page.headers()

        return records.read_derived(Company, build, varies_on=(municipalities, duplicates.dismissals_stamp()))


@blp.route("/duplicates/dismissed")
class DismissalViews(MethodView):
    @blp.requires("editor")
    @blp.arguments(DismissalSchema)
    @blp.response(201, DismissalSchema)
    @blp.alt_response(204, description="The pair was dismissed already.")
    @blp.doc(operationId="dismissDuplicatePair")
    def post(self, data):
        """Mark two companies as distinct: the pair is never listed as duplicates again (either order)"""
        pair = tuple(sorted(data["companies"]))
        found = db.session.execute(select(Company.id, Company.municipality).where(Company.id.in_(pair), Company.deleted_at.is_(None))).all()
        if len(found) < 2:
            unknown = sorted(set(pair) - {row.id for row in found})
            invalid("companies", _("No company has the id %(ids)s.", ids=", ".join(unknown)))
        review.check_pair_area({row.municipality for row in found})
        row = {"company_id": pair[0], "other_company_id": pair[1], "dismissed_at": utcnow(), "dismissed_by": audit.actor()}
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        # RETURNING rather than rowcount, which psycopg does not report as 0 for a conflict skipped.
        statement = dialect.insert(DismissedDuplicate).values(row).on_conflict_do_nothing().returning(DismissedDuplicate.company_id)
        added = db.session.execute(statement).first() is not None
        db.session.commit()
        if not added:
            return None, 204
        return {"companies": list(pair), "dismissed_at": row["dismissed_at"], "dismissed_by": row["dismissed_by"]}, 201
