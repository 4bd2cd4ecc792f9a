"""Companies in bulk: GET /api/v1/companies.csv (export) and POST /api/v1/companies/import."""

from typing import BinaryIO

import marshmallow as ma
from flask import current_app, request, stream_with_context
from flask.views import MethodView
from flask_smorest import abort
from werkzeug.exceptions import BadRequest

from api.extensions import db
from api.formats import csv
from api.imports.companies import ImportRejected, UnreadableFile, import_companies, spearhead_slugs, spool
from api.negotiation import preferred
from api.resources.companies import routes as companies
from api.resources.companies.schemas import CompanyQueryArgsSchema, CompanySchema
from api.serialization import DumpPlan
from api.smorest import Blueprint, ProblemSchema, Schema

blp = Blueprint(
    "company_files",
    __name__,
    url_prefix="/api/v1",
    description="Companies in bulk: a CSV export that a spreadsheet opens, and an all-or-nothing import "
    "of CSV or JSON that upserts on business_id.",
)
EXPORT_ROWS_PER_QUERY = 500
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
    class Meta(CompanyQueryArgsSchema.Meta):
        exclude = ("page", "page_size", "include_deleted")

    delimiter = ma.fields.String(
        load_default="comma",
        validate=ma.validate.OneOf(csv.DELIMITERS),
        metadata={"description": "`semicolon` for spreadsheets set to a Finnish locale, where the comma is the decimal sign."},
    )


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
        "row": {"type": "integer", "description": "1-based data row (the line after the header is 1); 0 is the header."},
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
# document offers the file as binary, in a form or as the body; the server tells CSV from JSON itself.
FILE = {"type": "string", "format": "binary", "description": "The CSV or JSON file."}
IMPORT_BODY = {
    "required": True,
    "description": (
        "The file: CSV (UTF-8 with or without a byte order mark, comma- or semicolon-separated, as Excel saves it; "
        "the header names the columns, see the export) or a JSON array of company objects. Send it as "
        "`multipart/form-data` in the field `file`, as `application/octet-stream`, or with its own type: "
        "`text/csv` or `application/json` (a JSON array starts with `[`; anything else is read as CSV). Rows are "
        "upserted on `business_id`: a new one is created (as by POST), a listed one updated as by a JSON "
        "merge patch, so columns or keys that a row leaves out keep their values and empty cells or nulls "
        "clear them. Spearheads may be named by slug (as the export writes them) or by id. At most 50 MiB."
    ),
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["file"], "properties": {"file": FILE}},
            "encoding": {"file": {"contentType": f"{csv.MEDIA_TYPE}, application/json, application/octet-stream"}},
        },
        "application/octet-stream": {"schema": FILE, "example": CSV_EXAMPLE},
        "application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/CompanyPatch"}},
            "example": [{"business_id": "0112038-9", "name": "Karstulan Puutuote Oy", "municipality": "226",
                         "tags": ["saha", "vienti"]}],
        },
    },
}


def _uploaded_file() -> tuple[BinaryIO, int | None, str]:
    """The file of an import request, its declared length and its media type."""
    if request.mimetype != "multipart/form-data":
        return request.stream, request.content_length, request.mimetype
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest('Send the file in the form field "file".')
    return upload.stream, None, upload.mimetype


def _kind(media_type: str, source: BinaryIO) -> str:
    """csv or json: as the media type says, or, for a file sent as bytes, as its first character says."""
    if media_type in (csv.MEDIA_TYPE, "application/json"):
        return "csv" if media_type == csv.MEDIA_TYPE else "json"
    start = source.read(64).removeprefix(b"\xef\xbb\xbf").lstrip()
    source.seek(0)
    return "json" if start.startswith(b"[") else "csv"


@blp.route("/companies.csv")
class CompaniesCsvViews(MethodView):
    @blp.arguments(ExportArgsSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type=csv.MEDIA_TYPE, example=CSV_EXAMPLE,
                  description="The companies, streamed; the columns and their order are the import's format.")
    @blp.errors(406)
    @blp.doc(operationId="exportCompaniesCsv")
    def get(self, args):
        """Export companies as CSV (the list's filters, streamed)"""
        preferred(csv.MEDIA_TYPE)
        delimiter = csv.DELIMITERS[args.pop("delimiter")]
        query = companies.filtered({**args, "include_deleted": False})
        plan = DumpPlan(CompanySchema(only=csv.FIELDS))
        # Spearheads by slug, so the file imports into any copy of the region's data.
        slugs = spearhead_slugs()

        def rows():
            # yield_per streams from a server-side cursor, so memory stays flat at any size.
            for company in db.session.scalars(query.execution_options(yield_per=EXPORT_ROWS_PER_QUERY)):
                data = plan.dump(company)
                data["spearheads"] = [slugs.get(spearhead, spearhead) for spearhead in data["spearheads"]]
                yield csv.row(data)

        response = current_app.response_class(stream_with_context(csv.write(rows(), delimiter)), mimetype=csv.MEDIA_TYPE)
        response.headers["Content-Disposition"] = 'attachment; filename="companies.csv"'
        return response


@blp.route("/companies/import")
class CompaniesImportViews(MethodView):
    body_media_types = frozenset({csv.MEDIA_TYPE, "application/json", "application/octet-stream", "multipart/form-data"})
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
        """Import companies from CSV or a JSON array (all or nothing, upsert on business_id)"""
        stream, length, media_type = _uploaded_file()
        try:
            with spool(stream, length) as source:
                summary = import_companies(source, _kind(media_type, source), dry_run=args["dry_run"])
        except UnreadableFile as error:
            raise BadRequest(str(error)) from error
        except ImportRejected as error:
            abort(422, message=str(error), errors=error.errors)
        return summary.as_dict()
