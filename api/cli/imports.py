"""`flask import companies FILE` and `flask import prh FILE`: load companies from files."""

import contextlib
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.i18n import _
from api.imports.companies import KINDS_BY_SUFFIX, ImportRejected, UnreadableFile, import_companies, kind_of
from api.imports.prh import import_prh

# Files at least this large get a progress bar.
PROGRESS_BAR_BYTES = 1024 * 1024


@click.group("import")
def import_group() -> None:
    """Load companies from a spreadsheet (CSV or Excel), a JSON file or the PRH open data."""


@contextlib.contextmanager
def _progress(path: Path, label: str):
    """A callback that moves a progress bar (only for large files)."""
    if path.stat().st_size < PROGRESS_BAR_BYTES:
        yield None
        return
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:
        def report(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield report


def _summary(summary, dry_run: bool) -> str:
    counts = dict(created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
    if dry_run:
        return _("Dry run, nothing written: would have created %(created)s, updated %(updated)s, unchanged %(unchanged)s.", **counts)
    return _("Imported: created %(created)s, updated %(updated)s, unchanged %(unchanged)s.", **counts)


@import_group.command("companies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and count what would change; write nothing.")
@click.option("--format", "kind", type=click.Choice(sorted(set(KINDS_BY_SUFFIX.values()))),
              help="Default: a workbook by its content, else by the file's suffix (.csv, .xlsx, .json), else csv.")
@with_appcontext
def companies_command(file: Path, dry_run: bool, kind: str | None) -> None:
    """Import companies from a CSV file, an Excel workbook or a JSON array, as POST /api/v1/companies/import does."""
    with file.open("rb") as source, _progress(file, _("Importing %(file)s", file=file.name)) as progress:
        try:
            summary = import_companies(source, kind or kind_of(None, file.name, source), dry_run=dry_run, progress=progress)
        except UnreadableFile as error:
            raise click.ClickException(str(error)) from error
        except ImportRejected as error:
            for problem in error.errors:
                click.echo(_("row %(row)s, %(field)s: %(message)s", **problem), err=True)
            raise click.ClickException(str(error)) from error
    click.echo(_summary(summary, dry_run))


@import_group.command("prh")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@click.option("--draft", is_flag=True, help="Add companies new to the directory as drafts, for review.")
@with_appcontext
def prh_command(file: Path, dry_run: bool, draft: bool) -> None:
    """Upsert the region's companies from PRH open data (a v3 search answer, or the full-register dump, zipped or not).

    Only companies whose street address is in one of the directory's municipalities are read. PRH's
    name, business line, website, address and end date replace ours; descriptions, tags, spearheads,
    contact details, coordinates and growth flags are never touched.
    """
    try:
        summary = import_prh(file, new_status="draft" if draft else "published", dry_run=dry_run)
    except UnreadableFile as error:
        raise click.ClickException(str(error)) from error
    for warning in summary.warnings:
        click.echo(_("warning: %(warning)s", warning=warning), err=True)
    counts = summary.counts()
    if dry_run:
        click.echo(_("Dry run, nothing written: would have created %(created)s, updated %(updated)s, unchanged %(unchanged)s; "
                     "outside the region %(outside_region)s, ended and not listed %(ended_not_listed)s, skipped %(skipped)s.", **counts))
    else:
        click.echo(_("PRH import: created %(created)s, updated %(updated)s, unchanged %(unchanged)s; outside the region "
                     "%(outside_region)s, ended and not listed %(ended_not_listed)s, skipped %(skipped)s.", **counts))
