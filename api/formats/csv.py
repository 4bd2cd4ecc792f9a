"""Companies as CSV: the export's columns, and spreadsheet rows read back as the import's JSON rows."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

import marshmallow as ma

MEDIA_TYPE = "text/csv"
# Lists (tags, spearheads) share one cell; tags may not contain the separator (see CompanySchema).
LIST_SEPARATOR = "|"
DELIMITERS = {"comma": ",", "semicolon": ";"}
LANGUAGES = ("fi", "sv", "en")
LOCALIZED = ("description",)
LISTS = frozenset({"tags", "spearheads"})
DECIMALS = frozenset({"latitude", "longitude"})
BOOLEANS = frozenset({"growth_seeking", "international"})
# The words a cell may hold for a boolean (true, yes, 1, …); the JSON schema takes real booleans only.
_BOOLEAN_TEXT = ma.fields.Boolean()
# The export's columns, in this order; the import reads the same headers (in any order, any subset
# that includes business_id), so an exported file imports back unchanged.
COLUMNS = (
    "business_id", "name", "description_fi", "description_sv", "description_en", "industry_code",
    "municipality", "street_address", "postal_code", "post_office", "latitude", "longitude", "website",
    "email", "phone", "size_class", "founded_year", "tags", "growth_seeking", "international", "spearheads",
    "ended_on", "status",
)
FIELDS = tuple(dict.fromkeys(column.rsplit("_", 1)[0] if column.startswith(LOCALIZED) else column for column in COLUMNS))
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


class UnreadableCsv(ValueError):
    """The file is not a CSV table we can read (as opposed to a row with invalid values)."""


@dataclass(frozen=True)
class RowProblem:
    """A row that cannot be read as a company at all (reported like a field error)."""

    field: str
    message: str


class HeaderError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{column}: {message}" for column, message in problems))
        self.problems = problems


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(map(str, value))
    return str(value)


def row(company: dict) -> list[str]:
    """A company's JSON representation as the cells of COLUMNS."""
    cells = []
    for column in COLUMNS:
        field, _, lang = column.rpartition("_")
        if field in LOCALIZED:
            cells.append(_cell((company.get(field) or {}).get(lang)))
        else:
            cells.append(_cell(company.get(column)))
    return cells


def write(rows: Iterable[list[str]], delimiter: str = ",", batch: int = 500) -> Iterator[bytes]:
    """UTF-8 with a byte order mark (so that Excel reads it as UTF-8), CRLF line ends, in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for number, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if number % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _columns(header: list[str]) -> list[str]:
    names = [name.strip() for name in header]
    problems = []
    known = set(COLUMNS)
    for position, name in enumerate(names):
        if name not in known:
            problems.append((name or f"column {position + 1}", f"Unknown column; the columns are {', '.join(COLUMNS)}."))
        elif name in names[:position]:
            problems.append((name, "The column appears twice."))
    if "business_id" not in names:
        problems.append(("business_id", "The file needs a business_id column: rows are matched on it."))
    if problems:
        raise HeaderError(problems)
    return names


def _value(column: str, text: str):
    if column in LISTS:
        return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
    if text == "":
        return None
    if column in BOOLEANS:
        try:
            return _BOOLEAN_TEXT.deserialize(text.strip())
        except ma.ValidationError:
            return text  # the schema's own message says what is wrong
    if column in DECIMALS and _DECIMAL_COMMA.match(text):
        return text.replace(",", ".")  # Finnish Excel writes decimal commas in semicolon files
    return text


def read(text: TextIO) -> Iterator[tuple[int, dict | RowProblem]]:
    """Rows of a CSV (comma or semicolon, as Excel writes it) as `(data row number, JSON-like row)`.

    An empty cell clears its field; a column that is not in the file leaves its field as it is.
    Rows whose cells are all empty are skipped but still counted, so numbers match the spreadsheet.
    """
    header_line = text.readline()
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        columns = _columns(next(csv.reader([header_line], delimiter=delimiter), []))
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), 1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns):
                yield number, RowProblem("_row", f"The row has {len(cells)} cells but the header names {len(columns)}.")
                continue
            document: dict = {}
            for column, cell in zip(columns, cells):
                field, _, lang = column.rpartition("_")
                if field in LOCALIZED:
                    document.setdefault(field, {})[lang] = _value(column, cell)
                else:
                    document[column] = _value(column, cell)
            yield number, document
    except csv.Error as error:
        raise UnreadableCsv(f"The CSV cannot be read: {error}.") from error
