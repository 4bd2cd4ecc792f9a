"""What every CSV export shares: the list's filters without paging, every match streamed as spreadsheet rows."""

from collections.abc import Iterator

import marshmallow as ma
from flask import Response, current_app, stream_with_context

from api.database import read_in_transaction
from api.extensions import db
from api.formats import csv
from api.imports.companies import spearhead_slugs
from api.negotiation import preferred
from api.serialization import DumpPlan

ROWS_PER_QUERY = 500
# The list's arguments an export leaves out: it holds every matching live record.
NOT_EXPORTED = ("page", "page_size", "include_deleted")


def Delimiter() -> ma.fields.String:
    return ma.fields.String(
        load_default="comma",
        validate=ma.validate.OneOf(csv.DELIMITERS),
        metadata={"description": "`semicolon` for spreadsheets set to a Finnish locale, where the comma is the decimal sign."},
    )


def dumped(query, schema: type[ma.Schema], table: csv.Table) -> Iterator[dict]:
    """The records of `query` as the export's JSON rows (the table's fields), spearheads by slug."""
    # A server-side cursor needs a transaction, which reads otherwise go without (api.database.Session).
    read_in_transaction(db.session)
    plan = DumpPlan(schema(only=table.fields))
    # Spearheads by slug, so the file imports into any copy of the region's data.
    slugs = spearhead_slugs()
    # yield_per streams from a server-side cursor, so memory stays flat at any size.
    for record in db.session.scalars(query.execution_options(yield_per=ROWS_PER_QUERY)):
        data = plan.dump(record)
        data["spearheads"] = [slugs.get(spearhead, spearhead) for spearhead in data["spearheads"]]
        yield data


def csv_answer(query, schema: type[ma.Schema], table: csv.Table, delimiter: str, filename: str) -> Response:
    """The records of `query` as a streamed CSV attachment.

    The query is built by the caller before the rows are streamed, so that its search corrections
    reach the answer's headers (X-Search-Corrections).
    """
    preferred(csv.MEDIA_TYPE)
    rows = (csv.row(data, table) for data in dumped(query, schema, table))
    response = current_app.response_class(stream_with_context(csv.write(rows, table, csv.DELIMITERS[delimiter])), mimetype=csv.MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
