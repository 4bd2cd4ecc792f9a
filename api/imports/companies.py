"""Company import from CSV, an Excel workbook or a JSON array: all or nothing, upserting on business_id (endpoint and CLI)."""

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import PurePath
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
from api.formats import xlsx as xlsx_format
from api.i18n import _, describe
from api.models import Company, Spearhead
from api.records import Writes
from api.resources.companies.schemas import CompanySchema

CHUNK_ROWS = 500
# A file of many bad rows is answered with this many problems (and the count of bad rows).
MAX_REPORTED_ERRORS = 1000
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
# A JSON import nests no deeper than its rows' shapes: the array, a company, a list or multilingual text.
MAX_JSON_DEPTH = 3
# A company's fields, its 200 tags and its spearheads, with room to spare: a row is built in memory
# before it is checked, so its size is bounded as it is read.
MAX_ROW_VALUES = 1000
_BUSINESS_ID = BusinessId(required=True)

Progress = Callable[[int, int], None]


class UnreadableFile(ValueError):
    """Not a CSV table, workbook or JSON array we can read at all (a 400, unlike invalid rows)."""


class ImportRejected(Exception):
    """Some rows are invalid, so nothing was written."""

    def __init__(self, errors: list[dict], invalid_rows: int):
        self.errors = errors
        self.invalid_rows = invalid_rows
        if not invalid_rows:
            what = _("The header is invalid")
        elif invalid_rows == 1:
            what = _("1 row is invalid")
        else:
            what = _("%(count)s rows are invalid", count=invalid_rows)
        capped = _(" (the first %(count)s problems are listed)", count=MAX_REPORTED_ERRORS) if len(errors) >= MAX_REPORTED_ERRORS else ""
        super().__init__(_("%(what)s; nothing was written%(capped)s.", what=what, capped=capped))


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
        raise UnreadableFile(_("The body is shorter than its Content-Length (%(length)s bytes).", length=expected_bytes))
    target.seek(0)
    return target


def _add(container: dict | list, key: str | None, value) -> None:
    if isinstance(container, list):
        container.append(value)
    else:
        container[key] = value


def _json_items(events: Iterable[tuple[str, object]]) -> Iterator[object]:
    """The items of the top-level array, built from the parser's events within the shapes a row has.

    Built here rather than by ijson.items, whose event prefixes grow with the depth (memory with its
    square), so a file nested past MAX_JSON_DEPTH or a row past MAX_ROW_VALUES is refused as it is read.
    """
    stack: list[dict | list] = []  # containers being built; stack[0] is the top-level array (never filled)
    key = None
    values = 0
    for event, value in events:
        if event == "map_key":
            key = value
            continue
        if event in ("end_map", "end_array"):
            finished = stack.pop()
            if len(stack) == 1:
                values = 0
                yield finished
            continue
        values += 1
        if values > MAX_ROW_VALUES:
            raise UnreadableFile(_("A row holds more than %(count)s values; a company has far fewer fields.", count=MAX_ROW_VALUES))
        if event in ("start_map", "start_array"):
            if len(stack) == MAX_JSON_DEPTH:
                raise UnreadableFile(
                    _("The JSON is nested deeper than %(depth)s levels (the array, its company objects, "
                      "and their lists and multilingual texts).", depth=MAX_JSON_DEPTH)
                )
            container: dict | list = {} if event == "start_map" else []
            if len(stack) > 1:
                _add(stack[-1], key, container)
            stack.append(container)
            if len(stack) == 1:
                values = 0
        elif len(stack) == 1:
            values = 0
            yield value
        else:
            _add(stack[-1], key, value)


def _json_rows(source: BinaryIO) -> Iterator[tuple[int, object]]:
    start = source.read(64).lstrip()
    source.seek(0)
    if not start.startswith(b"["):
        raise UnreadableFile(_("A JSON import is an array of company objects: [{\"business_id\": …}, …]."))
    try:
        yield from enumerate(_json_items(ijson.basic_parse(source, use_float=True)), 1)
    except ijson.JSONError as error:
        raise UnreadableFile(_("The body is not valid JSON: %(error)s.", error=error)) from error


def _refusing_nulls(rows: Iterator[tuple[int, object]]) -> Iterator[tuple[int, object]]:
    """JSON rows are merge patches (CompanyPatch): a null clears a nullable field and is refused elsewhere.

    Without this, a null would drop the key from the merged row and the field would take its default
    (`"status": null` would publish a draft). A CSV's empty cell is not a null and still clears.
    """
    not_nullable = [name for name, field in CompanySchema().load_fields.items() if not field.allow_none]
    for number, row in rows:
        nulls = [name for name in not_nullable if isinstance(row, dict) and name in row and row[name] is None]
        yield number, csv_format.RowProblem({nulls[0]: [ma.fields.Field.default_error_messages["null"]]}) if nulls else row


READERS = {"csv": csv_format.read, "xlsx": xlsx_format.read, "json": lambda source: _refusing_nulls(_json_rows(source))}
# The kinds of file by the media type a client (or a browser's form) gives them.
KINDS = {
    csv_format.MEDIA_TYPE: "csv", csv_format.EXCEL_MEDIA_TYPE: "csv", xlsx_format.MEDIA_TYPE: "xlsx", "application/json": "json",
}
KINDS_BY_SUFFIX = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}
ZIP_SIGNATURE = b"PK\x03\x04"
# Compound files: Excel 97-2003 workbooks, and password-protected .xlsx files.
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def kind_of(media_type: str | None, filename: str | None, source: BinaryIO) -> str:
    """A file's kind: a workbook by its content (a zip archive, whatever it was sent as), else by its
    media type, else by its name's suffix, else JSON if it is an array and CSV otherwise."""
    start = source.read(64)
    source.seek(0)
    if start.startswith(OLD_EXCEL_SIGNATURE):
        raise UnreadableFile(_("This is an old Excel file (.xls) or an encrypted workbook: save it from Excel as "
                               "\"Excel Workbook (.xlsx)\" or \"CSV UTF-8\", without a password."))
    if start.startswith(ZIP_SIGNATURE):
        return "xlsx"
    if kind := KINDS.get(media_type or "") or KINDS_BY_SUFFIX.get(PurePath(filename or "").suffix.lower()):
        return kind
    return "json" if start.lstrip().startswith(b"[") else "csv"


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


def spearhead_references() -> dict[str, str]:
    """The live spearheads' ids by id, slug and Finnish title, casefolded (as files may name them)."""
    live = select(Spearhead.id, Spearhead.slug, Spearhead.title).where(Spearhead.deleted_at.is_(None))
    references = {}
    for spearhead_id, slug, title in db.session.execute(live):
        references.update({name.casefold(): spearhead_id for name in (spearhead_id, slug, title.fi) if name})
    return references


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

    def _spearhead_ids(self, references: list[str]) -> list[str]:
        """A file names a spearhead by slug (as the export does), by its Finnish title (in any case) or by id."""
        if self.spearhead_ids is None:
            self.spearhead_ids = spearhead_references()
        unknown = [reference for reference in references if reference.casefold() not in self.spearhead_ids]
        if unknown:
            slugs = ", ".join(sorted(spearhead_slugs().values()))
            records.invalid("spearheads", _("Unknown: %(unknown)s. The spearheads are %(slugs)s (or their Finnish titles); "
                                            "separate several with %(separator)s.", unknown=", ".join(unknown), slugs=slugs,
                                            separator=csv_format.LIST_SEPARATOR))
        # A slug and a title may name the same spearhead.
        return list(dict.fromkeys(self.spearhead_ids[reference.casefold()] for reference in references))

    def _resolve(self, model, key_column, keys: list[str], field: str) -> list:
        """records.resolve, remembered for the chunk (its records leave the session with it)."""
        if model is Spearhead:
            keys = self._spearhead_ids(keys)
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
            return self._reject(number, row.messages)
        if not isinstance(row, dict):
            return self._reject(number, {"_row": [_("A row is a JSON object of company fields.")]})
        if isinstance(business_id, dict):
            return self._reject(number, business_id)
        first = self.first_row.setdefault(business_id, number)
        if first != number:
            return self._reject(number, {"business_id": [_("%(business_id)s is also on row %(first)s; list each company once.", business_id=business_id, first=first)]})
        company = existing.get(business_id)
        try:
            # Rows are upserted on their Business ID, so it is never taken by another company.
            values = records.COMPANY.references(records.merged(self.schema, company, row), self._resolve)
        except ma.ValidationError as error:
            return self._reject(number, flatten_errors(error.normalized_messages()))
        except HTTPException as error:  # a rule of the API answered (unknown municipality, spearhead…)
            return self._reject(number, (getattr(error, "data", None) or {}).get("errors") or {"_row": [describe(error)]})
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
    try:
        state.run(READERS[kind](source), report)
    except csv_format.HeaderError as error:
        raise ImportRejected([{"row": 1, "field": column, "message": message} for column, message in error.problems], 0)
    except csv_format.UnreadableTable as error:
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
