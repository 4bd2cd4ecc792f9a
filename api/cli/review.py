"""`flask review report`: the review list and the likely duplicates, for a business developer's weekly look."""

import csv
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from api import review
from api.extensions import db
from api.formats.csv import neutralise
from api.models import Company
from api.models.base import utcnow
from api.resources.records import data_stamps
from api.review import duplicates, queue

review_command = AppGroup("review", help="Keeping the data true: what needs a business developer's look.")
CHUNK = 500
HEADER = ("list", "score", "reasons", "business_id", "name", "municipality", "last_verified_at", "other_business_id", "other_name", "other_municipality")


def _rows(municipalities: list[str] | None):
    """The report's rows (HEADER's columns): every company to review, then every likely pair, best first."""
    for row in db.session.execute(queue.query(municipalities, utcnow())):
        company = row[0]
        verified = company.last_verified_at.date().isoformat() if company.last_verified_at else "never"
        yield ("review", "", " ".join(queue.reasons(row)), company.business_id, company.name, company.municipality or "", verified, "", "", "")
    pairs = duplicates.listed(municipalities, data_stamps((Company,)))
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start:start + CHUNK]
        wanted = {company_id for pair in chunk for company_id in pair.companies}
        companies = {company.id: company for company in db.session.scalars(select(Company).where(Company.id.in_(wanted)))}
        for pair in chunk:
            first, second = (companies[company_id] for company_id in pair.companies)
            yield (
                "duplicate", f"{pair.score:.2f}", " ".join(pair.reasons), first.business_id, first.name, first.municipality or "", "",
                second.business_id, second.name, second.municipality or "",
            )
        db.session.expunge_all()  # memory stays flat however many pairs there are


def _table(rows) -> None:
    """Aligned columns, each as wide as its widest cell (the whole report is read first)."""
    rows = [HEADER, *rows]
    widths = [max(len(str(row[column])) for row in rows) for column in range(len(HEADER))]
    for row in rows:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


@review_command.command("report")
@click.option("--municipality", "municipalities", multiple=True, metavar="CODE", help="Only this municipality (repeatable); all by default.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True,
              help="An aligned table, or CSV for a spreadsheet.")
def report(municipalities: tuple[str, ...], output: str) -> None:
    """Print the companies that need a look (with their reasons) and the likely duplicate pairs (with scores)."""
    area = review.area(municipalities)
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(HEADER)
        # Names such as "=Yritys Oy" would run as formulas in a spreadsheet (see api.formats.csv).
        writer.writerows([neutralise(cell) for cell in row] for row in _rows(area))
    else:
        _table(_rows(area))
