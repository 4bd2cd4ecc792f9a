"""Companies as an Excel workbook: the CSV export's columns as typed cells, and a workbook's rows read back."""

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from api.formats import csv
from api.i18n import _

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "companies"
TEXT_FORMAT = "@"
# Excel's built-in short date (number format 14), which each spreadsheet shows in its own locale: 31.12.2026.
DATE_FORMAT = "mm-dd-yy"
# Characters wide, for columns whose values are wider than their header.
WIDTHS = {
    "business_id": 12, "name": 32, "description_fi": 50, "description_sv": 40, "description_en": 40,
    "street_address": 24, "post_office": 16, "website": 32, "email": 30, "phone": 16, "tags": 30,
    "spearheads": 30, "ended_on": 12,
}
# A workbook is a zip archive: these bound what its members may unpack to (a few MiB of zip can claim
# gigabytes), so that a hostile file costs bounded memory and time. An export of 100,000 companies
# unpacks to about 150 MiB; openpyxl holds the shared strings in memory, so they have a lower bound.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 128 * 1024 * 1024
# Office Open XML's own escape of text (ECMA-376 ST_Xstring), as Excel writes and reads it: characters
# XML cannot carry, and the carriage return that XML parsers turn into a line feed, are written _xHHHH_,
# and the underscore of a literal "_xHHHH_" is escaped, so that every text comes back as it was.
_TO_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _escape(text: str) -> str:
    return _TO_ESCAPE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


def _unescape(value):
    if isinstance(value, str) and "_x" in value:
        return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value


def _cell(sheet, column: str, value):
    """A typed cell: text stays text (never a formula), codes are text cells, dates are dates.

    Plain values are handed to openpyxl as they are (it types them); a cell object, which costs more,
    is made only for what needs a style or must not be taken for a formula.
    """
    if isinstance(value, str):
        value = _escape(value)
        looks_like_formula = csv.neutralise(value) != value
        if not looks_like_formula and column not in csv.TEXT_CODES:
            return value
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # openpyxl would take "=…" for a formula
        if looks_like_formula:
            cell.quotePrefix = True  # shown as text, and Excel keeps it text when someone edits it
        if column in csv.TEXT_CODES:
            cell.number_format = TEXT_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def write(rows: Iterable[list], target: BinaryIO) -> None:
    """Rows of csv.values into a workbook of one sheet: a bold, frozen header row, readable widths.

    openpyxl's write-only mode keeps the rows in a temporary file, not in memory, until it zips them.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for position, column in enumerate(csv.COLUMNS, 1):
        dimension = sheet.column_dimensions[get_column_letter(position)]
        dimension.width = max(WIDTHS.get(column, 0), len(column) + 2)
        if column in csv.TEXT_CODES:
            dimension.number_format = TEXT_FORMAT  # new rows typed in Excel keep leading zeros and `+` too
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in csv.COLUMNS:
        cell = WriteOnlyCell(sheet, column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for values in rows:
        sheet.append([_cell(sheet, column, value) for column, value in zip(csv.COLUMNS, values)])
    workbook.save(target)


def _check_unpacked_size(source: BinaryIO) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise csv.UnreadableTable(_("The file is not an Excel workbook (.xlsx); save it from Excel as \"Excel Workbook\".")) from error
    finally:
        source.seek(0)
    shared_strings = sum(member.file_size for member in members if member.filename.endswith("sharedStrings.xml"))
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES or shared_strings > MAX_SHARED_STRINGS_BYTES:
        raise csv.UnreadableTable(
            _("The workbook unpacks to more than the import takes (%(total)s MiB, of which %(text)s MiB of text); import it in parts.",
              total=MAX_UNPACKED_BYTES // 2**20, text=MAX_SHARED_STRINGS_BYTES // 2**20)
        )


def read(source: BinaryIO) -> Iterator[tuple[int, dict | csv.RowProblem]]:
    """The first sheet's rows as csv.read_table reads them (values as the spreadsheet shows them, not formulas)."""
    _check_unpacked_size(source)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl reports a damaged file with whatever its parsers raise
        raise csv.UnreadableTable(_("The workbook cannot be read (%(error)s).", error=f"{type(error).__name__}: {error}")) from error
    try:
        if not workbook.worksheets:
            raise csv.UnreadableTable(_("The workbook has no sheet of companies."))
        sheet = workbook.worksheets[0]
        # A file's own claim of its size would make openpyxl pad every row to it.
        sheet.reset_dimensions()
        yield from csv.read_table([_unescape(value) for value in row] for row in sheet.iter_rows(values_only=True))
    except (csv.HeaderError, csv.UnreadableTable):
        raise
    except Exception as error:  # a damaged sheet is found while it is read
        raise csv.UnreadableTable(_("The workbook cannot be read (%(error)s).", error=f"{type(error).__name__}: {error}")) from error
    finally:
        workbook.close()
