"""Records as spreadsheet rows: each export's columns and cells, and CSV or workbook rows read back as the companies import's JSON rows."""

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, TextIO

from api.i18n import _, lazy_gettext

MEDIA_TYPE = "text/csv"
# What browsers on Windows send for a .csv file (Excel's registered type for it).
EXCEL_MEDIA_TYPE = "application/vnd.ms-excel"
# Lists (tags, spearheads) share one cell. The export separates items with `|`; people also write
# `saha, sahatavara; puutuote`, so tags cannot contain any of these (see CompanySchema). Spearheads
# are split on `|` alone, since a Finnish title (accepted for a slug) may hold a comma.
LIST_SEPARATOR = "|"
TAG_SEPARATORS = "|,;"
DELIMITERS = {"comma": ",", "semicolon": ";"}
LANGUAGES = ("fi", "sv", "en")
LOCALIZED = ("description",)
LISTS = frozenset({"tags", "spearheads"})
DECIMALS = frozenset({"latitude", "longitude"})
NUMBERS = DECIMALS | {"founded_year"}
BOOLEANS = frozenset({"growth_seeking", "international"})
DATES = frozenset({"ended_on"})
# Codes whose leading zeros or `+` matter: text cells in a workbook. A number cell is taken for one only
# when it has the code's full width of digits (so no zero can have been dropped); None: never.
TEXT_CODES = {"business_id": None, "industry_code": 5, "municipality": 3, "postal_code": 5, "phone": None}
# The export's columns, in this order; the import reads the same headers (in any order and case, any
# subset that includes business_id), so an exported file imports back unchanged.
COLUMNS = (
    "business_id", "name", "description_fi", "description_sv", "description_en", "industry_code",
    "municipality", "street_address", "postal_code", "post_office", "latitude", "longitude", "website",
    "email", "phone", "size_class", "founded_year", "tags", "growth_seeking", "international", "spearheads",
    "ended_on", "status",
)


@dataclass(frozen=True)
class Table:
    """A resource's export: its columns in order, and the fields whose objects spread over `<field>_<key>` columns."""

    columns: tuple[str, ...]
    nested: tuple[str, ...] = ()
    dates: frozenset[str] = frozenset()

    def split(self, column: str) -> tuple[str, str | None]:
        """The field a column shows, and the key within it for a nested field."""
        field, _, key = column.rpartition("_")
        return (field, key) if field in self.nested else (column, None)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.split(column)[0] for column in self.columns))


COMPANIES = Table(COLUMNS, nested=LOCALIZED, dates=DATES)
FIELDS = COMPANIES.fields
# A site has no natural key of its own, so its id leads; objects (texts, price, owner, contact) are spread out.
SITES = Table(
    (
        "id", "kind", "title_fi", "title_sv", "title_en", "description_fi", "description_sv", "description_en",
        "municipality", "street_address", "postal_code", "post_office", "latitude", "longitude", "floor_area_m2",
        "plot_area_m2", "uses", "zoning", "availability", "offer", "price_amount", "price_unit", "available_from",
        "connections", "owner_name", "owner_company", "contact_name", "contact_title", "contact_organization",
        "contact_phone", "contact_email", "image_urls", "spearheads", "status",
    ),
    nested=("title", "description", "price", "owner", "contact"),
    dates=frozenset({"available_from"}),
)
# Spreadsheets in English, Finnish and Swedish, and what people type.
TRUE_WORDS = frozenset({"true", "tosi", "kyllä", "k", "yes", "y", "sant", "ja", "1"})
FALSE_WORDS = frozenset({"false", "epätosi", "ei", "e", "no", "n", "falskt", "nej", "0"})
BOOLEAN_HINT = lazy_gettext("write true or false (also TOSI/EPÄTOSI, kyllä/ei, 1/0)")
DATE_HINT = lazy_gettext("write it as 31.12.2026 (or 2026-12-31)")
# A cell starting with one of these is run as a formula by spreadsheets (the OWASP list). The export
# prefixes `'`, also to a value that already starts with quotes before one, so the import can remove
# exactly one `'` and get every value back.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SCIENTIFIC = re.compile(r"^\s*[+-]?\d+([.,]\d+)?[eE][+-]?\d+\s*$")


class UnreadableTable(ValueError):
    """The file is not a CSV table or workbook we can read (as opposed to a row with invalid values)."""


class CellError(ValueError):
    """A cell that cannot be read as its column's value; the message says what would be accepted."""


@dataclass(frozen=True)
class RowProblem:
    """A row whose cells cannot be read as a company (reported like field errors)."""

    messages: dict[str, list[str]]


class HeaderError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{column}: {message}" for column, message in problems))
        self.problems = problems


def values(document: dict, table: Table) -> list:
    """A record's JSON representation as the typed values of the table's columns (lists joined, dates as dates)."""
    cells = []
    for column in table.columns:
        field, key = table.split(column)
        value = (document.get(field) or {}).get(key) if key else document.get(column)
        if isinstance(value, list):
            value = LIST_SEPARATOR.join(map(str, value))
        elif column in table.dates and value is not None:
            value = date.fromisoformat(value)
        cells.append(value)
    return cells


def neutralise(text: str) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading `'` (see restore)."""
    return "'" + text if _FORMULA.match(text) else text


def restore(text: str) -> str:
    return text[1:] if _NEUTRALISED.match(text) else text


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(str(value))


def row(document: dict, table: Table) -> list[str]:
    """A record's JSON representation as the CSV cells of the table's columns."""
    return [_text(value) for value in values(document, table)]


def write(rows: Iterable[list[str]], table: Table, delimiter: str = ",", batch: int = 500) -> Iterator[bytes]:
    """UTF-8 with a byte order mark (so that Excel reads it as UTF-8), CRLF line ends, in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    buffer.write("\ufeff")
    writer.writerow(table.columns)
    for number, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if number % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _columns(header: Sequence) -> list[str]:
    names = [("" if name is None else str(name)).strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()  # formatted but empty columns at the right
    problems = []
    known = set(COLUMNS)
    for position, name in enumerate(names):
        if name not in known:
            # An unnamed column's place stands for its name, which is never translated.
            problems.append((name or f"column {position + 1}", _("Unknown column; the columns are %(columns)s.", columns=", ".join(COLUMNS))))
        elif name in names[:position]:
            problems.append((name, _("The column appears twice.")))
    if "business_id" not in names:
        problems.append(("business_id", _("The file needs a business_id column: rows are matched on it.")))
    if problems:
        raise HeaderError(problems)
    return names


def _number_as_text(column: str, number: int | float) -> str:
    """A code a spreadsheet stored as a number: taken only when no leading zero can have been lost."""
    width = TEXT_CODES[column]
    digits = str(int(number)) if float(number).is_integer() else ""
    if width is None or len(digits) != width:
        raise CellError(
            _("The spreadsheet turned this %(column)s into the number %(number)s and may have dropped its leading "
              "zeros or +: format the column as Text and type the value again.", column=column, number=number)
        )
    return digits


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise CellError(_("Not a yes/no value: %(hint)s.", hint=BOOLEAN_HINT))


def _date(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if finnish := _FINNISH_DATE.match(text):
            day, month, year = map(int, finnish.groups())
            return date(year, month, day).isoformat()
        if _ISO_DATE.match(text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass  # 31.2.2026: the same answer as any other text that is no date
    raise CellError(_("Not a date: %(hint)s.", hint=DATE_HINT))


def _value(column: str, cell):
    """A cell (text from CSV; text, number, boolean or date from a workbook) as the JSON value of its column."""
    if column in LISTS:
        text = "" if cell is None else str(cell)
        items = re.split(f"[{re.escape(TAG_SEPARATORS)}]", text) if column == "tags" else text.split(LIST_SEPARATOR)
        return [item.strip() for item in items if item.strip()]
    if cell is None or cell == "":
        return None
    if column in BOOLEANS:
        return _boolean(cell)
    if column in DATES:
        return _date(cell)
    if isinstance(cell, bool):
        return cell
    if column in TEXT_CODES:
        if isinstance(cell, int | float):
            return _number_as_text(column, cell)
        text = str(cell)
        if column == "phone" and _SCIENTIFIC.match(text):
            raise CellError(
                _("The spreadsheet turned the phone number into the number %(number)s, losing digits: "
                  "format the phone column as Text and type the number again, e.g. +358 40 123 4567.", number=text.strip())
            )
        return text
    if column in DECIMALS and isinstance(cell, str) and _DECIMAL_COMMA.match(cell):
        return cell.replace(",", ".")  # Finnish Excel writes decimal commas
    if isinstance(cell, int | float) and column not in NUMBERS:
        return str(int(cell)) if float(cell).is_integer() else str(cell)
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return cell


def read_table(rows: Iterable[Sequence]) -> Iterator[tuple[int, dict | RowProblem]]:
    """Spreadsheet rows (the header first) as `(row number as the spreadsheet shows it, JSON-like row)`.

    An empty cell clears its field; a column that is not in the file leaves its field as it is. Rows
    whose cells are all empty are skipped, and empty cells past the last column are ignored.
    """
    iterator = iter(rows)
    columns = _columns(next(iterator, []))
    for number, cells in enumerate(iterator, 2):
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue
        extra = [cell for cell in cells[len(columns):] if cell is not None and str(cell).strip() != ""]
        if extra:
            message = _("The row has cells past the last column (%(count)s columns are named in the header).", count=len(columns))
            yield number, RowProblem({"_row": [message]})
            continue
        document: dict = {}
        problems: dict[str, list[str]] = {}
        for column, cell in zip(columns, cells):
            field, _separator, lang = column.rpartition("_")
            try:
                value = _value(column, cell)
            except CellError as error:
                problems[column] = [str(error)]
                continue
            if field in LOCALIZED:
                document.setdefault(field, {})[lang] = value
            else:
                document[column] = value
        yield number, RowProblem(problems) if problems else document


def _is_utf8(source: BinaryIO, block: int = 64 * 1024) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while data := source.read(block):
            decoder.decode(data)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        source.seek(0)


def read(source: BinaryIO) -> Iterator[tuple[int, dict | RowProblem]]:
    """Rows of a CSV as Excel saves it: UTF-8 (with or without a byte order mark) or, when the bytes are
    not UTF-8, Windows-1252 (Excel's "CSV" in Finland); comma- or semicolon-separated; cells neutralised
    by the export (a leading `'`) restored."""
    encoding = "utf-8-sig" if _is_utf8(source) else "cp1252"
    text: TextIO = io.TextIOWrapper(source, encoding=encoding, newline="")
    try:
        header_line = text.readline()
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        cells = csv.reader(itertools.chain([header_line], text), delimiter=delimiter)
        yield from read_table([restore(cell) for cell in row] for row in cells)
    except csv.Error as error:
        raise UnreadableTable(_("The CSV cannot be read: %(error)s.", error=error)) from error
    except UnicodeDecodeError as error:
        raise UnreadableTable(
            _("The CSV is neither UTF-8 nor Windows-1252 (byte %(byte)s of a block); save it from Excel as \"CSV UTF-8\".", byte=error.start)
        ) from error
    finally:
        text.detach()  # the source stays open for the import's second pass

