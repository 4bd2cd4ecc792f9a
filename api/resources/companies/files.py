"""Companies in bulk: GET /api/v1/companies.csv and .xlsx (exports) and POST /api/v1/companies/import."""

import io
import tempfile

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from werkzeug.exceptions import BadRequest
from werkzeug.wsgi import wrap_file

from api.formats import csv, xlsx
from api.i18n import _
from api.imports.companies import ImportRejected, UnreadableFile, import_companies, kind_of, spool
from api.negotiation import preferred
from api.resources import exports
from api.resources.companies import routes as companies
from api.resources.companies.schemas import CompanyQueryArgsSchema, CompanySchema
from api.smorest import Blueprint, ProblemSchema, Schema

blp = Blueprint(
    "company_files",
    __name__,
    url_prefix="/api/v1",
    description="Companies in bulk: CSV and Excel exports that a spreadsheet opens, and an all-or-nothing "
    "import of CSV, Excel or JSON that upserts on business_id.",
)
CSV_EXAMPLE = (
    ",".join(csv.COLUMNS) + "\r\n"
    "0112038-9,Karstulan Puutuote Oy,Sahatavaraa ja hirsitaloja.,,Sawn timber and log houses.,16100,226,"
    "Keskustie 1,43500,KARSTULA,62.878,24.8,https://www.puutuote.example,info@puutuote.example,"
    "+358144591111,10-19,1987,saha|vienti,true,false,wood-bioeconomy,,published\r\n"
)


class ConfigValue:
    """A class attribute read from the app's configuration (the guards read view classes)."""

    def __init__(self, key: str):
        self.key = key

    def __get__(self, instance, owner):
        return current_app.config[self.key]


class ExportArgsSchema(CompanyQueryArgsSchema):
    """The list's filters and order, without paging: every matching company is exported."""

    class Meta(CompanyQueryArgsSchema.Meta):
        exclude = exports.NOT_EXPORTED


class CsvExportArgsSchema(ExportArgsSchema):
    delimiter = exports.Delimiter()


class ImportArgsSchema(Schema):
    dry_run = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Check the file and count what would change, writing nothing."},
    )


class ImportSummarySchema(Schema):
    created = ma.fields.Integer(metadata={"example": 12})
    updated = ma.fields.Integer(metadata={"example": 3})
    unchanged = ma.fields.Integer(metadata={"example": 140})


ROW_ERROR = {
    "type": "object",
    "properties": {
        "row": {"type": "integer", "description": "The row as the spreadsheet numbers it: the header is row 1, the "
                "first data row 2. For a JSON array, the 1-based item."},
        "field": {"type": "string", "description": "The field (dotted for nested ones), or `_row`."},
        "message": {"type": "string"},
    },
}


class ImportProblemSchema(ProblemSchema):
    errors = ma.fields.Raw(
        metadata={
            "description": "Rows refused: a list of `{row, field, message}`. A bad query parameter is "
            "reported as for any request, as a map of field to messages.",
            "oneOf": [
                {"type": "array", "items": ROW_ERROR},
                {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            ],
            "example": [{"row": 7, "field": "postal_code", "message": "A postal code is five digits, such as 43500."}],
        }
    )


# Generated clients cannot type a text/csv body (openapi-python-client skips the whole operation), so the
# document offers the file as binary, in a form or as the body; the server tells the kind of file itself.
FILE = {"type": "string", "format": "binary", "description": "The .csv, .xlsx or .json file; its kind is told by its type, name or content."}
IMPORT_BODY = {
    "required": True,
    "description": (
        "CSV (UTF-8 with or without a byte order mark, or Windows-1252 as Excel saves \"CSV\" in Finland; comma- "
        "or semicolon-separated; the header names the columns in any case, see the export), an Excel workbook "
        "(`.xlsx`, its first sheet, laid out as the export), or a JSON array of company objects. Send it as the "
        "field `file` of a `multipart/form-data` upload (a browser form) or as `application/octet-stream` (the "
        "kind is told from the content); the server also takes the file with its own type: `text/csv`, "
        "`application/vnd.ms-excel` (what browsers on Windows send for a .csv file), "
        "`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` or `application/json`. Rows are "
        "upserted on `business_id`: a new one is created (as by POST), a listed one updated as by a JSON merge "
        "patch, so columns or keys that a row leaves out keep their values and empty cells or nulls clear them. "
        "In files, booleans may be `true`/`false`, `TOSI`/`EPÄTOSI`, `kyllä`/`ei` or `1`/`0`, dates `31.12.2026` "
        "or `2026-12-31`, tags separated by `|`, `,` or `;`, spearheads (separated by `|`) named by slug, "
        "Finnish title or id. A cell the export prefixed with `'` against formulas is read without it. At most 50 MiB."
    ),
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["file"], "properties": {"file": FILE}},
            "encoding": {"file": {"contentType": f"{csv.MEDIA_TYPE}, {xlsx.MEDIA_TYPE}, application/json, application/octet-stream"}},
        },
        "application/octet-stream": {"schema": FILE, "example": CSV_EXAMPLE},
        "application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/CompanyPatch"}},
            "example": [{"business_id": "0112038-9", "name": "Karstulan Puutuote Oy", "municipality": "226",
                         "tags": ["saha", "vienti"]}],
        },
    },
}
FORM_MEDIA_TYPE = "multipart/form-data"
BINARY_MEDIA_TYPE = "application/octet-stream"


def _query(args: dict):
    return companies.filtered({**args, "include_deleted": False})


@blp.route("/companies.csv")
class CompaniesCsvViews(MethodView):
    @blp.arguments(CsvExportArgsSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type=csv.MEDIA_TYPE, example=CSV_EXAMPLE,
                  description="The companies, streamed; the columns and their order are the import's format. "
                  "Cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return are prefixed with `'`, so "
                  "that no spreadsheet runs them as formulas; the import removes the prefix.")
    @blp.errors(406)
    @blp.doc(operationId="exportCompaniesCsv")
    def get(self, args):
        """Export companies as CSV (the list's filters, streamed)"""
        delimiter = args.pop("delimiter")
        return exports.csv_answer(_query(args), CompanySchema, csv.COMPANIES, delimiter, "companies.csv")


@blp.route("/companies.xlsx")
class CompaniesXlsxViews(MethodView):
    @blp.arguments(ExportArgsSchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=xlsx.MEDIA_TYPE,
                  description="The CSV export as an Excel workbook: the same companies and columns on one sheet, "
                  "a bold, frozen header row; Business IDs, codes, postal codes and phones are text cells (leading "
                  "zeros and `+` kept), booleans booleans, dates dates, and no cell is a formula. It imports back "
                  "unchanged.")
    @blp.errors(406)
    # Also offered as plain bytes, which generated clients can type (openapi-python-client skips the
    # workbook's own media type).
    @blp.doc(operationId="exportCompaniesXlsx",
             responses={200: {"content": {BINARY_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args):
        """Export companies as an Excel workbook (the list's filters)"""
        media_type = preferred(xlsx.MEDIA_TYPE, BINARY_MEDIA_TYPE)
        # The workbook is zipped once its rows are written, so it is built in a temporary file (openpyxl's
        # write-only mode keeps memory flat) and then sent from there.
        target = tempfile.TemporaryFile()
        try:
            xlsx.write((csv.values(data, csv.COMPANIES) for data in exports.dumped(_query(args), CompanySchema, csv.COMPANIES)), target)
            size = target.seek(0, io.SEEK_END)
            target.seek(0)
        except BaseException:
            target.close()
            raise
        response = current_app.response_class(wrap_file(request.environ, target), mimetype=media_type,
                                               direct_passthrough=True)
        response.content_length = size
        response.headers["Content-Disposition"] = 'attachment; filename="companies.xlsx"'
        return response


@blp.route("/companies/import")
class CompaniesImportViews(MethodView):
    body_media_types = frozenset({
        csv.MEDIA_TYPE, csv.EXCEL_MEDIA_TYPE, xlsx.MEDIA_TYPE, "application/json", FORM_MEDIA_TYPE, "application/octet-stream",
    })
    max_body_bytes = ConfigValue("IMPORT_MAX_CONTENT_LENGTH")
    streams_body = True

    @blp.requires("editor")
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.doc(requestBody=IMPORT_BODY)
    @blp.response(200, ImportSummarySchema, description="Every row was valid and written (or, with dry_run, would be).")
    @blp.alt_response(422, schema=ImportProblemSchema, content_type="application/problem+json",
                      description="Rows are invalid and nothing was written; `errors` lists row, field and message.")
    @blp.errors(400, 413, 415)
    @blp.doc(operationId="importCompanies")
    def post(self, args):
        """Import companies from CSV, an Excel workbook or a JSON array (all or nothing, upsert on business_id)"""
        try:
            if request.mimetype == FORM_MEDIA_TYPE:
                upload = request.files.get("file")
                if upload is None:
                    raise BadRequest(_("Send the file in the form field `file`."))
                summary = import_companies(upload.stream, kind_of(upload.mimetype, upload.filename, upload.stream),
                                           dry_run=args["dry_run"])
            else:
                with spool(request.stream, request.content_length) as source:
                    summary = import_companies(source, kind_of(request.mimetype, None, source), dry_run=args["dry_run"])
        except UnreadableFile as error:
            raise BadRequest(str(error)) from error
        except ImportRejected as error:
            abort(422, message=str(error), errors=error.errors)
        return summary.as_dict()
