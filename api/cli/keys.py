"""`flask keys create|list|revoke`: API keys for editors, partners and admins."""

import click
from flask.cli import AppGroup

from api import keys
from api.auth import ROLES

keys_command = AppGroup("keys", help="Create, list and revoke API keys.")


@keys_command.command("create")
@click.option("--name", required=True, help="Who holds the key; shown in the audit trail, never reused.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="admin, editor or partner.")
@click.option(
    "--municipality",
    "municipalities",
    multiple=True,
    help="Limit an editor to this municipality code; repeat for several (default: every municipality).",
)
def create(name: str, role: str, municipalities: tuple[str, ...]) -> None:
    """Create a key and print it as the last line; it is shown only this once."""
    try:
        key, secret = keys.issue(name, role, list(municipalities))
    except keys.KeyRefused as error:
        raise click.ClickException(str(error)) from error
    area = f" for municipalities {', '.join(key.municipalities)}" if key.municipalities else ""
    click.echo(f"Created the {role} key {name!r}{area}. Store it now; only its hash is kept:")
    click.echo(secret)


@keys_command.command("list")
def list_keys() -> None:
    """List the keys (never the keys themselves, which are not stored)."""
    rows = [("NAME", "ROLE", "MUNICIPALITIES", "KEY ID", "CREATED", "REVOKED")]
    for key in keys.all_keys():
        rows.append(
            (
                key.name,
                key.role,
                (",".join(key.municipalities) or "all") if key.role == "editor" else "-",
                f"{keys.PREFIX}{key.key_id}",
                key.created_at.isoformat(timespec="seconds"),
                key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


@keys_command.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke a key; it answers 401 from the next request on, on every worker."""
    try:
        key = keys.revoke(name)
    except keys.KeyRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Revoked the key {key.name!r} at {key.revoked_at.isoformat(timespec='seconds')}.")
