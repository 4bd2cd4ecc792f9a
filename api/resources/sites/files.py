"""Sites in bulk: GET /api/v1/sites.csv, the list's filters as a spreadsheet."""

from flask.views import MethodView

from api.formats import csv
from api.resources import exports
from api.resources.sites import routes as sites
from api.resources.sites.schemas import SiteQueryArgsSchema, SiteSchema
from api.smorest import Blueprint

blp = Blueprint("site_files", __name__, url_prefix="/api/v1", description="Sites in bulk: a CSV export that a spreadsheet opens.")
CSV_EXAMPLE = (
    ",".join(csv.SITES.columns) + "\r\n"
    "3d2f7c1e-5b4a-4c8e-9f10-2a6b7c8d9e01,plot,Teollisuustontti Kiertotie 4,,Industrial plot,,,,226,Kiertotie 4,43500,"
    "KARSTULA,62.881,24.79,,12000.0,industry|warehouse,industrial,available,sale,4.0,per_m2,2027-01-01,"
    "electricity|water|road,Karstulan kunta,,Elinkeinoasiamies,,,'+358144591111,yritys@karstula.example,"
    "https://www.karstula.example/tontti.jpg,energy,published\r\n"
)


class SiteCsvExportArgsSchema(SiteQueryArgsSchema):
    """The list's filters and order, without paging: every matching site is exported."""

    class Meta(SiteQueryArgsSchema.Meta):
        exclude = exports.NOT_EXPORTED

    delimiter = exports.Delimiter()


@blp.route("/sites.csv")
class SitesCsvViews(MethodView):
    @blp.arguments(SiteCsvExportArgsSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type=csv.MEDIA_TYPE, example=CSV_EXAMPLE,
                  description="The sites, streamed: texts, price, owner and contact spread over `<field>_<key>` "
                  "columns, lists joined with `|`, spearheads by slug. Cells starting with `=`, `+`, `-`, `@`, a tab "
                  "or a carriage return are prefixed with `'`, so that no spreadsheet runs them as formulas.")
    @blp.errors(406)
    @blp.doc(operationId="exportSitesCsv")
    def get(self, args):
        """Export sites as CSV (the list's filters, streamed)"""
        delimiter = args.pop("delimiter")
        return exports.csv_answer(sites.filtered({**args, "include_deleted": False}), SiteSchema, csv.SITES, delimiter, "sites.csv")
