"""Companies as an Excel workbook: the export's cells and layout, and workbooks (edited as people do) imported back."""

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest

from api.formats.csv import COLUMNS
from api.formats.xlsx import MEDIA_TYPE
from tests import payloads
from tests.dump import database_dump

CSV_TYPE = "text/csv"


def _workbook(answer):
    assert answer.status_code == 200, answer.data
    assert answer.mimetype == MEDIA_TYPE
    assert answer.headers["Content-Disposition"] == 'attachment; filename="companies.xlsx"'
    assert int(answer.headers["Content-Length"]) == len(answer.data)
    return openpyxl.load_workbook(io.BytesIO(answer.data))


def _rows(answer) -> list[dict]:
    sheet = _workbook(answer).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row)) for row in rows]


def _import(client, body: bytes, content_type=MEDIA_TYPE, dry_run=False):
    return client.post(f"/api/v1/companies/import{'?dry_run=true' if dry_run else ''}", data=body, content_type=content_type)


def _upload(client, body: bytes, filename: str, content_type: str):
    form = {"file": (io.BytesIO(body), filename, content_type)}
    return client.post("/api/v1/companies/import", data=form, content_type="multipart/form-data")


def _saved(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_cells_are_typed_and_the_header_is_bold_and_frozen(client, seeded):
    spearhead = client.get("/api/v1/spearheads/wood-bioeconomy").get_json()
    client.post("/api/v1/municipalities", json=payloads.municipality("005", name={"fi": "Alajärvi"}))
    client.post("/api/v1/companies", json=payloads.formula_like_company(
        municipality="005", postal_code="04400", industry_code="01110", spearheads=[spearhead["id"]],
        ended_on="2024-05-31",
    ))
    answer = client.get("/api/v1/companies.xlsx?business_id=0112038-9")
    sheet = _workbook(answer).worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for column, cell in zip(COLUMNS, sheet[2]):
        assert cell.data_type != "f", column  # no formula, whatever the text
        if column in ("business_id", "industry_code", "municipality", "postal_code", "phone"):
            assert cell.data_type == "s" and cell.number_format == "@", column
        width = sheet.column_dimensions[cell.column_letter].width
        assert width >= len(column) + 2 and (column != "description_fi" or width >= 40)
    row = dict(zip(COLUMNS, (cell.value for cell in sheet[2])))
    assert (row["business_id"], row["municipality"], row["postal_code"], row["industry_code"], row["phone"]) == (
        "0112038-9", "005", "04400", "01110", "+358401234567")
    assert row["name"] == payloads.formula_like_company()["name"]  # text as it is, no quote added
    assert sheet["B2"].quotePrefix  # Excel shows it as text, and keeps it text when it is edited
    assert (row["growth_seeking"], row["international"]) == (True, False)
    assert (row["latitude"], row["founded_year"]) == (62.878, 1987)
    assert row["ended_on"].date() == date(2024, 5, 31) and sheet["V2"].is_date
    assert (row["tags"], row["spearheads"], row["description_sv"]) == ("-alennus|@koti", "wood-bioeconomy", "+SUM(1;2)")
    assert row["email"] == "info@puutuote.example" and row["website"] == "https://www.puutuote.example"
    # Nothing in the file is a formula: no <f> element in the sheet.
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_same_companies_and_order_as_the_csv(client, anonymous, seeded):
    client.post("/api/v1/companies", json=payloads.company("2331972-7", name="Luonnos Oy", status="draft"))
    for reader, query in [(client, "municipality=226&sort=-name"), (client, ""), (anonymous, ""), (client, "industry=99")]:
        exported = reader.get(f"/api/v1/companies.csv?{query}").data.decode().removeprefix("\ufeff")
        in_csv = [row["business_id"] for row in csv.DictReader(io.StringIO(exported))]
        assert [row["business_id"] for row in _rows(reader.get(f"/api/v1/companies.xlsx?{query}"))] == in_csv
    assert "2331972-7" in [row["business_id"] for row in _rows(client.get("/api/v1/companies.xlsx"))]
    assert "2331972-7" not in [row["business_id"] for row in _rows(anonymous.get("/api/v1/companies.xlsx"))]
    assert client.get("/api/v1/companies.xlsx?page=2").status_code == 422
    assert client.get("/api/v1/companies.xlsx?delimiter=semicolon").status_code == 422  # a CSV argument
    refused = client.get("/api/v1/companies.xlsx", headers={"Accept": "application/json"})
    assert refused.status_code == 406 and refused.content_type == "application/problem+json"
    # What a generated client asks for: the same workbook, as plain bytes.
    as_bytes = client.get("/api/v1/companies.xlsx", headers={"Accept": "application/octet-stream"})
    assert as_bytes.status_code == 200 and as_bytes.content_type == "application/octet-stream"
    workbook = client.get("/api/v1/companies.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(as_bytes.data)).worksheets[0]["A2"].value == _workbook(workbook).worksheets[0]["A2"].value


def test_an_exported_workbook_imports_back_unchanged(app, client, seeded):
    client.post("/api/v1/companies", json=payloads.formula_like_company(ended_on="2024-05-31", latitude=-20.5))
    client.post("/api/v1/companies", json=payloads.company("1572860-0", name="'=jo lainattu Oy", postal_code="04400"))
    # Windows line ends (XML parsers would make them \n), a control character, and text that looks like
    # Office's own escape: written as Excel writes them, read back as they were.
    client.post("/api/v1/companies", json=payloads.company("0737546-2", street_address="Rivi\r\ntoinen _x0041_ \x01"))
    before = database_dump(app)
    exported = client.get("/api/v1/companies.xlsx").data
    counted = len(client.get("/api/v1/companies?page_size=100").get_json())
    assert _import(client, exported).get_json() == {"created": 0, "updated": 0, "unchanged": counted}
    assert database_dump(app) == before


def test_a_workbook_edited_as_in_excel_changes_exactly_the_edited_records(app, client, seeded):
    """The done-test of the spreadsheet round trip: a phone changed, a row added, a Finnish description."""
    exported = client.get("/api/v1/companies.xlsx").data
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.worksheets[0]
    column = {name: position for position, name in enumerate(COLUMNS, 1)}
    listed = {company["business_id"]: company for company in client.get("/api/v1/companies?page_size=100").get_json()}
    phone_row, description_row = 2, 3
    phone_company = sheet.cell(phone_row, column["business_id"]).value
    described_company = sheet.cell(description_row, column["business_id"]).value
    sheet.cell(phone_row, column["phone"]).value = "040 765 4321"
    sheet.cell(description_row, column["description_fi"]).value = "Sahaamme mäntyä ja kuusta; työllistämme 12 henkeä Äänekoskella."
    added = {"business_id": "2331972-7", "name": "Kivijärven Kalatuote Oy", "municipality": "265", "postal_code": "43800",
             "phone": "+358 44 123 4567", "tags": "kala, vienti", "growth_seeking": "kyllä", "international": False,
             "founded_year": 2015, "ended_on": None, "status": "published"}
    sheet.append([added.get(name) for name in COLUMNS])
    edited = _saved(workbook)
    assert _import(client, edited, dry_run=True).get_json() == {"created": 1, "updated": 2, "unchanged": len(listed) - 2}
    before = {company["business_id"]: company for company in client.get("/api/v1/companies?page_size=100").get_json()}
    assert _import(client, edited).get_json() == {"created": 1, "updated": 2, "unchanged": len(listed) - 2}
    after = {company["business_id"]: company for company in client.get("/api/v1/companies?page_size=100").get_json()}
    changed = {business_id for business_id in before if after[business_id] != before[business_id]}
    assert changed == {phone_company, described_company}
    assert after[phone_company]["phone"] == "+358407654321"
    assert after[described_company]["description"]["fi"] == "Sahaamme mäntyä ja kuusta; työllistämme 12 henkeä Äänekoskella."
    new = after["2331972-7"]
    assert (new["name"], new["phone"], new["tags"], new["growth_seeking"], new["founded_year"]) == (
        "Kivijärven Kalatuote Oy", "+358441234567", ["kala", "vienti"], True, 2015)
    assert client.get("/api/v1/companies?tag=kala").get_json()[0]["business_id"] == "2331972-7"


def _one_row(values: dict) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(values))
    sheet.append(list(values.values()))
    return _saved(workbook)


@pytest.mark.parametrize(
    ("cells", "field", "hint"),
    [
        ({"phone": 358401234567}, "phone", "format the column as Text"),
        ({"postal_code": 4400}, "postal_code", "leading zeros"),
        ({"growth_seeking": "ehkä"}, "growth_seeking", "TOSI/EPÄTOSI, kyllä/ei"),
        ({"ended_on": "31/12/2026"}, "ended_on", "31.12.2026"),
        ({"spearheads": "puu"}, "spearheads", "wood-bioeconomy"),
    ],
)
def test_cells_excel_mangled_are_refused_saying_what_to_do(app, client, seeded, cells, field, hint):
    before = database_dump(app)
    answer = _import(client, _one_row({"business_id": "2331972-7", "name": "Uusi Oy", "municipality": "226", **cells}))
    assert answer.status_code == 422, answer.data
    [error] = answer.get_json()["errors"]
    assert (error["row"], error["field"]) == (2, field) and hint in error["message"]
    assert database_dump(app) == before


def test_numbers_that_lost_nothing_and_excel_dates_are_taken(client, seeded):
    row = {"business_id": "2331972-7", "name": "Uusi Oy", "municipality": 226, "postal_code": 43500,
           "industry_code": 16100, "ended_on": date(2026, 12, 31), "spearheads": "Puu ja biotalous", "founded_year": 1999.0}
    assert _import(client, _one_row(row)).get_json()["created"] == 1
    [company] = client.get("/api/v1/companies?business_id=2331972-7").get_json()
    assert (company["municipality"], company["postal_code"], company["industry_code"]) == ("226", "43500", "16100")
    assert company["ended_on"] == "2026-12-31" and company["founded_year"] == 1999
    assert company["spearheads"] == [client.get("/api/v1/spearheads/wood-bioeconomy").get_json()["id"]]


def test_uploads_as_a_browser_form_sends_them(client, seeded):
    """multipart/form-data with the file in `file`; the kind from its type, else its name, else its content."""
    workbook = client.get("/api/v1/companies.xlsx").data
    counted = len(client.get("/api/v1/companies?page_size=100").get_json())
    unchanged = {"created": 0, "updated": 0, "unchanged": counted}
    assert _upload(client, workbook, "yritykset.xlsx", MEDIA_TYPE).get_json() == unchanged
    assert _upload(client, workbook, "yritykset.xlsx", "application/octet-stream").get_json() == unchanged
    assert _upload(client, workbook, "download", "application/octet-stream").get_json() == unchanged
    exported = client.get("/api/v1/companies.csv?delimiter=semicolon").data
    # Browsers on Windows send a .csv file as application/vnd.ms-excel, in a form or as the body.
    assert _upload(client, exported, "yritykset.csv", "application/vnd.ms-excel").get_json() == unchanged
    assert _import(client, exported, "application/vnd.ms-excel").get_json() == unchanged
    assert _import(client, workbook, "application/octet-stream").get_json() == unchanged
    missing = client.post("/api/v1/companies/import", data={"other": (io.BytesIO(workbook), "x.xlsx")},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and "`file`" in missing.get_json()["detail"]
    refused = _upload(client, b"business_id;name\r\n0112038-9;\r\n", "yritykset.csv", "text/csv")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["row"] == 2


def test_command_line_reads_a_workbook(client, seeded, runner, tmp_path):
    path = tmp_path / "yritykset.xlsx"
    path.write_bytes(_one_row({"business_id": "2331972-7", "name": "Uusi Oy", "municipality": "226"}))
    result = runner.invoke(args=["import", "companies", str(path)])
    assert result.exit_code == 0 and "Imported: created 1, updated 0, unchanged 0." in result.output, result.output
    path.write_bytes(_one_row({"business_id": "2331972-7", "phone": 358401234567}))
    failed = runner.invoke(args=["import", "companies", str(path)])
    assert failed.exit_code == 1 and "row 2, phone:" in failed.output and "Text" in failed.output


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _claiming(unpacked_bytes: int) -> bytes:
    """A small zip whose directory claims a member unpacks to this size (what a zip bomb does)."""
    body = _zip({"xl/sharedStrings.xml": b"<sst/>"})
    central = body.index(b"PK\x01\x02")  # the uncompressed size is at offset 24 of its entry
    return body[:central + 24] + unpacked_bytes.to_bytes(4, "little") + body[central + 28:]


@pytest.mark.parametrize(
    "body",
    [
        b"PK\x03\x04 not really a zip",
        _zip({"hello.txt": b"no workbook here"}),
        _zip({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<broken"}),
        _claiming(2**31),
    ],
    ids=["not-a-zip", "zip-without-workbook", "broken-xml", "bomb"],
)
def test_unreadable_workbooks_are_400(app, client, body):
    before = database_dump(app)
    answer = _import(client, body)
    assert answer.status_code == 400, answer.data
    assert answer.content_type == "application/problem+json"
    assert database_dump(app) == before


def test_an_old_excel_file_is_told_apart_from_csv(app, client, runner, tmp_path):
    """Browsers send .xls as application/vnd.ms-excel too, the type they give .csv files on Windows."""
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    answer = _upload(client, old_excel, "yritykset.xls", "application/vnd.ms-excel")
    assert answer.status_code == 400 and "Excel Workbook (.xlsx)" in answer.get_json()["detail"]
    path = tmp_path / "yritykset.xls"
    path.write_bytes(old_excel)
    result = runner.invoke(args=["import", "companies", str(path)])
    assert result.exit_code == 1 and "old Excel file" in result.output
