"""PRH open data (YTJ v3) company records, streamed and upserted for the directory's municipalities."""

import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

import ijson
import marshmallow as ma
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from api import records
from api.errors import flatten_errors
from api.extensions import db
from api.i18n import _
from api.imports.companies import UnreadableFile
from api.models import Company, Municipality
from api.records import Writes
from api.resources.companies.schemas import CompanySchema

STREET_ADDRESS = "1"
MAIN_NAME = "1"
FINNISH = "1"
# PRH publishes business lines in TOL 2008 (as "TOL2008" or its own "TOIMI…" code set names); a code
# of another classification (TOL 2025 from 2025 on) is not stored as a TOL 2008 code.
OTHER_CLASSIFICATIONS = ("2025",)
CHUNK = 200
MAX_WARNINGS = 200


@dataclass
class PrhSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outside_region: int = 0
    ended_not_listed: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: value for name, value in asdict(self).items() if name != "warnings"}

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)


def _open(path: Path) -> BinaryIO:
    """The JSON inside the full-register zip, or the file itself."""
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        members = [name for name in archive.namelist() if name.lower().endswith(".json")]
        if not members:
            raise UnreadableFile(_("%(file)s holds no JSON file.", file=path.name))
        return archive.open(members[0])
    return path.open("rb")


def read_records(path: Path) -> Iterator[dict]:
    """Company records of a search answer `{"companies": [...]}` or of the full register `[...]`, one at a time."""
    with _open(path) as source:
        opening = source.read(1024).lstrip()[:1]
    if opening not in (b"[", b"{"):
        raise UnreadableFile(_("Not PRH open data: expected a JSON array or an object with `companies`."))
    prefix = "item" if opening == b"[" else "companies.item"
    with _open(path) as source:
        try:
            yield from ijson.items(source, prefix, use_float=True)
        except ijson.JSONError as error:
            raise UnreadableFile(_("The file is not valid JSON: %(error)s.", error=error)) from error


def _current(entries) -> list[dict]:
    return [entry for entry in entries or [] if isinstance(entry, dict) and not entry.get("endDate")]


def _main_name(record: dict) -> str | None:
    names = [entry for entry in _current(record.get("names")) if str(entry.get("type")) == MAIN_NAME]
    names.sort(key=lambda entry: entry.get("version") or 1)
    return names[0].get("name") if names else None


def _street_address(record: dict) -> dict | None:
    for address in _current(record.get("addresses")):
        if str(address.get("type")) == STREET_ADDRESS:
            return address
    return None


def _website(record: dict) -> str | None:
    url = ((record.get("website") or {}).get("url") or "").strip()
    if not url:
        return None
    return url if url.lower().startswith(("http://", "https://")) else f"https://{url}"


def _industry_code(record: dict) -> str | None:
    line = record.get("mainBusinessLine") or {}
    if any(marker in str(line.get("typeCodeSet") or "") for marker in OTHER_CLASSIFICATIONS):
        return None
    return line.get("type") or None


def municipality_of(record: dict) -> str | None:
    """The municipality code of the company's street address (type 1)."""
    address = _street_address(record) or {}
    for office in address.get("postOffices") or []:
        if office.get("municipalityCode"):
            return office["municipalityCode"]
    return None


def company_values(record: dict) -> dict:
    """What PRH says about a company, as fields of our Company; None where PRH has nothing."""
    address = _street_address(record) or {}
    offices = address.get("postOffices") or []
    office = next((o for o in offices if str(o.get("languageCode")) == FINNISH), offices[0] if offices else {})
    street = " ".join(
        str(part).strip()
        for part in (address.get("street"), address.get("buildingNumber"), address.get("entrance"),
                     address.get("apartmentNumber"), address.get("apartmentIdSuffix"))
        if part and str(part).strip()
    )
    return {
        "business_id": (record.get("businessId") or {}).get("value"),
        "name": _main_name(record),
        "industry_code": _industry_code(record),
        "website": _website(record),
        "street_address": street or None,
        "postal_code": address.get("postCode") or None,
        "post_office": office.get("city") or None,
        "municipality": municipality_of(record),
        "ended_on": record.get("endDate") or None,
    }


def _spool_region(path: Path, region: set[str], summary: PrhSummary) -> BinaryIO:
    """Pass 1, without touching the database: the region's records as JSON lines in a temporary file."""
    spooled = tempfile.TemporaryFile()
    for record in read_records(path):
        if not isinstance(record, dict):
            summary.skipped += 1
            continue
        if municipality_of(record) not in region:
            summary.outside_region += 1
            continue
        spooled.write(json.dumps(company_values(record), ensure_ascii=False).encode() + b"\n")
    spooled.seek(0)
    return spooled


class _Writer:
    """Pass 2: PRH's fields written over the directory's, in one transaction."""

    def __init__(self, writes: Writes, summary: PrhSummary, new_status: str):
        self.writes = writes
        self.summary = summary
        self.new_status = new_status
        self.schema = CompanySchema()
        self.seen: set[str] = set()

    def _load(self, company: Company | None, values: dict) -> dict | None:
        """Validate as the API would; a value PRH has that we refuse is left out with a warning."""
        patch = {name: value for name, value in values.items() if value is not None or name == "ended_on"}
        if company is None:
            patch["status"] = self.new_status
        for _attempt in range(2):
            try:
                # Companies are upserted on their Business ID, so it is never taken by another company.
                return records.COMPANY.references(records.merged(self.schema, company, patch), records.resolve)
            except ma.ValidationError as error:
                problems = flatten_errors(error.normalized_messages())
            except HTTPException as error:
                problems = (getattr(error, "data", None) or {}).get("errors") or {"_row": [error.description]}
            fields = {name.split(".")[0] for name in problems}
            if fields & {"business_id", "name", "_row", "_schema"} or not fields <= set(patch):
                break
            for name in sorted(fields):
                self.summary.warn(_("%(business_id)s: %(field)s %(value)r left out: %(problems)s", business_id=values["business_id"], field=name,
                                     value=patch.pop(name), problems=problems.get(name)))
        self.summary.skipped += 1
        self.summary.warn(_("%(business_id)s: skipped: %(problems)s", business_id=values.get("business_id"), problems=problems))
        return None

    def write(self, rows: list[dict]) -> None:
        ids = [row["business_id"] for row in rows if row.get("business_id")]
        existing = {
            company.business_id: company
            for company in db.session.scalars(
                select(Company).where(Company.business_id.in_(ids), Company.deleted_at.is_(None))
            )
        }
        with db.session.no_autoflush:
            for values in rows:
                if values.get("business_id") in self.seen:
                    self.summary.skipped += 1
                    self.summary.warn(_("%(business_id)s: listed twice in the file; the first record counts.", business_id=values["business_id"]))
                    continue
                self.seen.add(values.get("business_id"))
                company = existing.get(values.get("business_id"))
                if company is None and values["ended_on"]:
                    self.summary.ended_not_listed += 1
                    continue
                loaded = self._load(company, values)
                if loaded is None:
                    continue
                if company is None:
                    self.writes.create(records.COMPANY, loaded)
                    self.summary.created += 1
                elif self.writes.update(company, loaded):
                    self.summary.updated += 1
                else:
                    self.summary.unchanged += 1
        self.writes.flush()


def import_prh(path: Path, *, new_status: str = "published", dry_run: bool = False) -> PrhSummary:
    """Upsert the companies whose street address is in one of the directory's municipalities.

    PRH's fields (main name, Business ID, main business line, website, street address, postal code,
    post office, municipality, end date) replace ours; everything business developers keep that PRH
    does not have (descriptions, tags, spearheads, contact details, coordinates, growth flags) stays.
    """
    summary = PrhSummary()
    region = set(db.session.scalars(select(Municipality.code).where(Municipality.deleted_at.is_(None))))
    db.session.rollback()
    with _spool_region(path, region, summary) as spooled, records.transaction(commit=not dry_run) as writes:
        writer = _Writer(writes, summary, new_status)
        batch: list[dict] = []
        for line in spooled:
            batch.append(json.loads(line))
            if len(batch) == CHUNK:
                writer.write(batch)
                batch = []
        writer.write(batch)
    return summary
