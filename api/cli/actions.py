"""`flask actions report`: the strategy actions a business developer should follow up, as a table or CSV."""

import csv
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from api.extensions import db
from api.models import Action, Municipality, Spearhead
from api.resources.actions.routes import in_municipalities, today
from api.resources.actions.schemas import CLOSED_STAGES

actions_command = AppGroup("actions", help="Strategy actions.")
COLUMNS = ("due_on", "days_left", "state", "stage", "spearhead", "municipalities", "title", "responsible", "status", "id")


def follow_up(municipality: str | None, days: int) -> list[dict]:
    """Open actions (neither done nor dropped) that are overdue or due within `days`, soonest first; drafts too."""
    day = today()
    query = (
        select(Action, Spearhead.slug)
        .join(Spearhead, Spearhead.id == Action.spearhead)
        .where(
            Action.deleted_at.is_(None),
            Action.stage.not_in(CLOSED_STAGES),
            Action.due_on.is_not(None),
            Action.due_on <= day + timedelta(days=days),
        )
        .order_by(Action.due_on, Action.id)
    )
    if municipality:
        query = query.where(in_municipalities([municipality]))
    rows = []
    for action, slug in db.session.execute(query).all():
        left = (action.due_on - day).days
        rows.append({
            "due_on": action.due_on.isoformat(),
            "days_left": left,
            "state": "overdue" if left < 0 else "due soon",
            "stage": action.stage,
            "spearhead": slug,
            "municipalities": " ".join(municipality.code for municipality in action.municipalities) or "all",
            "title": action.title.fi or "",
            "responsible": (action.responsible or {}).get("name") or "",
            "status": action.status,
            "id": action.id,
        })
    return rows


def _table(rows: list[dict]) -> str:
    cells = [COLUMNS, *([str(row[column]) for column in COLUMNS] for row in rows)]
    widths = [max(len(line[index]) for line in cells) for index in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells)


@actions_command.command("report")
@click.option("--municipality", help="Only actions of this municipality code (and those of the whole sub-region).")
@click.option("--days", type=click.IntRange(min=0, max=3650), default=30, show_default=True, help="Due soon: within this many days.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def report(municipality: str | None, days: int, output: str) -> None:
    """Print the open actions that are overdue or due soon (Helsinki dates), soonest first."""
    if municipality and db.session.get(Municipality, municipality) is None:
        raise click.BadParameter(f"No municipality has the code {municipality}.", param_hint="--municipality")
    rows = follow_up(municipality, days)
    if output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    if not rows:
        click.echo(f"No open action is overdue or due within {days} days.")
        return
    click.echo(_table(rows))
    overdue = sum(row["state"] == "overdue" for row in rows)
    click.echo(f"\n{overdue} overdue, {len(rows) - overdue} due within {days} days.")
