"""Company import from CSV or a JSON array: all or nothing, upserting on business_id (endpoint and CLI)."""

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from typing import BinaryIO

import ijson
import marshmallow as ma
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, HTTPException

from api import auth, records
from api.errors import flatten_errors
from api.extensions import db
from api.fields import BusinessId
from api.formats import csv as csv_format
from api.models import Company, Spearhead
from api.records import Writes
from api.resources.companies.schemas import CompanySchema

CHUNK_ROWS = 500
# A file of many bad rows is answered with this many problems (and the count of bad rows).
MAX_REPORTED_ERRORS = 1000
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
_BUSINESS_ID = BusinessId(required=True)

Progress = Callable[[int, int], None]


class UnreadableFile(ValueError):
    """Not a CSV table or JSON array we can read at all (a 400, unlike invalid rows)."""


class ImportRejected(Exception):
    """Some rows are invalid, so nothing was written."""

    def __init__(self, errors: list[dict], invalid_rows: int):
        self.errors = errors
        self.invalid_rows = invalid_rows
        what = f"{invalid_rows} row{'s are' if invalid_rows > 1 else ' is'} invalid" if invalid_rows else "The header is invalid"
        capped = f" (the first {MAX_REPORTED_ERRORS} problems are listed)" if len(errors) >= MAX_REPORTED_ERRORS else ""
        super().__init__(f"{what}; nothing was written{capped}.")


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def spool(stream: BinaryIO, expected_bytes: int | None, block: int = 64 * 1024) -> BinaryIO:
    """Copy a request body into a temporary file (in memory while small), so it can be read twice.

    A body that ends before its Content-Length is refused: it was cut off on the way.
    """
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)
    while data := stream.read(block):
        target.write(data)
    if expected_bytes is not None and target.tell() < expected_bytes:
        target.close()
        raise UnreadableFile(f"The body is shorter than its Content-Length ({expected_bytes} bytes).")
    target.seek(0)
    return target


def _csv_rows(source: BinaryIO) -> Iterator[tuple[int, object]]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        yield from csv_format.read(text)
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"The CSV is not UTF-8 (byte {error.start} of a block); save it from Excel as \"CSV UTF-8\"."
        ) from error
    finally:
        text.detach()  # the source stays open for the second pass


def _json_rows(source: BinaryIO) -> Iterator[tuple[int, object]]:
    start = source.read(64).lstrip()
    source.seek(0)
    if not start.startswith(b"["):
        raise UnreadableFile("A JSON import is an array of company objects: [{\"business_id\": …}, …].")
    try:
        yield from enumerate(ijson.items(source, "item", use_float=True), 1)
    except ijson.JSONError as error:
        raise UnreadableFile(f"The body is not valid JSON: {error}.") from error


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _business_id(row) -> str | dict | None:
    """The row's Business ID in canonical form, or its errors."""
    if not isinstance(row, dict):
        return None
    try:
        return _BUSINESS_ID.deserialize(row.get("business_id", ma.missing))
    except ma.ValidationError as error:
        return {"business_id": error.messages}


def spearhead_slugs() -> dict[str, str]:
    """The live spearheads' slugs by id. Files name spearheads by slug: a slug names the same spearhead
    in any copy of the region's data, while ids are random per database."""
    live = select(Spearhead.id, Spearhead.slug).where(Spearhead.deleted_at.is_(None))
    return dict(db.session.execute(live).all())


def _existing(business_ids: set[str]) -> dict[str, Company]:
    query = select(Company).where(Company.business_id.in_(business_ids), Company.deleted_at.is_(None))
    return {company.business_id: company for company in db.session.scalars(query)}


class _Pass:
    """One read of the file: every row checked and counted, and written when `write` is set."""

    def __init__(self, writes: Writes | None):
        self.writes = writes
        self.summary = Summary()
        self.errors: list[dict] = []
        self.invalid_rows = 0
        self.first_row: dict[str, int] = {}
        self.schema = CompanySchema()
        self.resolved: dict = {}
        self.spearhead_ids: dict[str, str] | None = None

    def _reject(self, number: int, messages: dict) -> None:
        self.invalid_rows += 1
        for field, field_messages in messages.items():
            for message in field_messages if isinstance(field_messages, list) else [field_messages]:
                if len(self.errors) < MAX_REPORTED_ERRORS:
                    self.errors.append({"row": number, "field": field, "message": str(message)})

    def _spearhead_id(self, reference: str) -> str:
        """A file names a spearhead by slug (as the CSV export does) or by id."""
        if self.spearhead_ids is None:
            self.spearhead_ids = {slug: spearhead_id for spearhead_id, slug in spearhead_slugs().items()}
        return self.spearhead_ids.get(reference, reference)

    def _resolve(self, model, key_column, keys: list[str], field: str) -> list:
        """records.resolve, remembered for the chunk (its records leave the session with it)."""
        if model is Spearhead:
            keys = [self._spearhead_id(reference) for reference in keys]
        key = (key_column, tuple(keys))
        if key not in self.resolved:
            try:
                self.resolved[key] = records.resolve(model, key_column, keys, field)
            except HTTPException as error:
                self.resolved[key] = error
        if isinstance(self.resolved[key], HTTPException):
            raise self.resolved[key]
        return list(self.resolved[key])

    def apply(self, number: int, row, business_id, existing: dict[str, Company]) -> None:
        if isinstance(row, csv_format.RowProblem):
            return self._reject(number, {row.field: [row.message]})
        if not isinstance(row, dict):
            return self._reject(number, {"_row": ["A row is a JSON object of company fields."]})
        if isinstance(business_id, dict):
            return self._reject(number, business_id)
        first = self.first_row.setdefault(business_id, number)
        if first != number:
            return self._reject(number, {"business_id": [f"{business_id} is also on row {first}; list each company once."]})
        company = existing.get(business_id)
        try:
            # Rows are upserted on their Business ID, so it is never taken by another company.
            values = records.COMPANY.references(records.merged(self.schema, company, row), self._resolve)
        except ma.ValidationError as error:
            return self._reject(number, flatten_errors(error.normalized_messages()))
        except HTTPException as error:  # a rule of the API answered (unknown municipality, spearhead…)
            return self._reject(number, (getattr(error, "data", None) or {}).get("errors") or {"_row": [error.description]})
        changing = company is None or records.differs(company, values)
        if changing:
            # An editor limited to some municipalities writes only their companies; rows they leave
            # unchanged (as in a re-imported full export) are no concern. Checked in both passes.
            try:
                if company is not None:
                    auth.check_stored_area(company)
                auth.check_written_area(values["municipality"], created=company is None)
            except Forbidden as error:
                return self._reject(number, {"municipality": [error.description]})
        writing = self.writes is not None and not self.invalid_rows
        if company is None:
            self.summary.created += 1
            if writing:
                self.writes.create(records.COMPANY, values)
        elif changing:
            self.summary.updated += 1
            if writing:
                self.writes.update(company, values)
        else:
            self.summary.unchanged += 1

    def run(self, rows: Iterable, report: Callable[[], None]) -> None:
        for chunk in _chunks(rows, CHUNK_ROWS):
            keyed = [(number, row, _business_id(row)) for number, row in chunk]
            # Pending companies are flushed once per chunk, not before every lookup.
            with db.session.no_autoflush:
                existing = _existing({key for _, _, key in keyed if isinstance(key, str)})
                for number, row, business_id in keyed:
                    self.apply(number, row, business_id, existing)
            if self.writes is not None:
                self.writes.flush()  # memory stays flat however long the file is
            else:
                db.session.rollback()  # a check holds no lock between chunks
                db.session.expunge_all()
            self.resolved.clear()
            report()


def _read_pass(source: BinaryIO, kind: str, writes: Writes | None, report: Callable[[], None]) -> Summary:
    """Read the file once, checking and counting every row; with `writes`, also write them."""
    source.seek(0)
    state = _Pass(writes)
    rows = _csv_rows(source) if kind == "csv" else _json_rows(source)
    try:
        state.run(rows, report)
    except csv_format.HeaderError as error:
        raise ImportRejected([{"row": 0, "field": column, "message": message} for column, message in error.problems], 0)
    except csv_format.UnreadableCsv as error:
        raise UnreadableFile(str(error)) from error
    if state.invalid_rows:
        raise ImportRejected(state.errors, state.invalid_rows)
    return state.summary


def import_companies(source: BinaryIO, kind: str, *, dry_run: bool = False, progress: Progress | None = None) -> Summary:
    """Check every row, then (unless a dry run) write them all in one transaction.

    The file is read twice, a chunk at a time: first to check and count without writing, then to
    write under the companies table's write lock, checking again in case the data moved in between.
    Raises ImportRejected (nothing written) or UnreadableFile.
    """
    size = source.seek(0, io.SEEK_END)
    total = size if dry_run else 2 * size

    def report_for(offset: int):
        return lambda: progress(offset + min(source.tell(), size), total) if progress else None

    try:
        summary = _read_pass(source, kind, None, report_for(0))
    finally:
        db.session.rollback()
    if dry_run or not (summary.created or summary.updated):
        return summary  # nothing to write: the second pass is skipped
    with records.transaction() as writes:
        return _read_pass(source, kind, writes, report_for(size))
