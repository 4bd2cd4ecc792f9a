"""Who is asking and what they may do: roles, municipality scope, drafts and private fields (one place)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import g, has_request_context
from werkzeug.exceptions import Forbidden, Unauthorized

from api.i18n import _

ROLES = ("admin", "editor", "partner")
# What each role may do beyond reading published records; admin may do everything.
ROLE_RANK = {"partner": 1, "editor": 2, "admin": 3}
AUTHENTICATE = 'Bearer realm="api"'


@dataclass(frozen=True)
class Principal:
    """The API key behind a request."""

    name: str
    key_id: str
    role: str
    # Codes an editor is limited to; empty means every municipality.
    municipalities: frozenset[str] = frozenset()

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def unauthorized(detail: str, *, invalid_token: bool = False) -> Unauthorized:
    challenge = f'{AUTHENTICATE}, error="invalid_token"' if invalid_token else AUTHENTICATE
    error = Unauthorized(detail)
    error.data = {"headers": {"WWW-Authenticate": challenge}}
    return error


def current() -> Principal | None:
    """The request's principal; None for an anonymous request (or a command line run)."""
    return g.get("principal")


def require_role(role: str) -> Principal:
    """401 without a key, 403 when the key's role is below `role`."""
    principal = current()
    if principal is None:
        raise unauthorized(_("This operation needs an API key with the %(role)s role: send Authorization: Bearer <key>.", role=role))
    if not principal.has_role(role):
        raise Forbidden(_("The key %(key)r has the %(role)s role; this operation needs %(needed)s.", key=principal.name, role=principal.role, needed=role))
    return principal


# The field that places a record in an editor's area; editors write only these kinds of record.
AREA_FIELDS = {"companies": "municipality", "events": "municipalities", "sites": "municipality", "actions": "municipalities"}
# Kinds whose every municipality must be in a limited editor's area; none means the whole
# sub-region, which no limited editor holds (an action for all of it is for admins).
WHOLE_AREA = frozenset({"actions"})


def _codes(value) -> set:
    """A company's one municipality code, or the codes of an event's municipalities."""
    if isinstance(value, list):
        return {getattr(item, "code", item) for item in value}
    return {value}


def _require_area(codes: set, what: str, *, every: bool = False) -> None:
    principal = current()
    if principal is None or principal.role != "editor" or not principal.municipalities:
        return
    inside = bool(codes) and codes <= principal.municipalities if every else bool(principal.municipalities & codes)
    if not inside:
        allowed = ", ".join(sorted(principal.municipalities))
        raise Forbidden(_("The key %(key)r edits records of municipalities %(allowed)s only; %(what)s.", key=principal.name, allowed=allowed, what=what))


def check_stored_area(record) -> None:
    """403 before anything else when an editor limited to some municipalities targets a record outside them."""
    if field := AREA_FIELDS.get(record.__tablename__):
        _require_area(_codes(getattr(record, field)), _("this record lies outside them"), every=record.__tablename__ in WHOLE_AREA)


def check_write_area(record, changes: dict, *, created: bool, deleted: bool) -> None:
    """A limited editor's write must find the record in their area and leave it there.

    A company is in the area when its municipality is one of the editor's, an event when at least one
    of its municipalities is, an action when all of its municipalities are (see WHOLE_AREA).
    `changes` holds the area field's stored value when the write changes it.
    """
    field = AREA_FIELDS.get(record.__tablename__)
    if field is None:
        return
    every = record.__tablename__ in WHOLE_AREA
    written = getattr(record, field)
    if not created:
        _require_area(_codes(changes[field][0] if field in changes else written), _("this record lies outside them"), every=every)
    if not deleted:
        check_written_area(written, created=created, every=every)


def check_written_area(value, *, created: bool, every: bool = False) -> None:
    """403 when a limited editor would leave a record (by its area field's value) outside their area."""
    _require_area(
        _codes(value),
        _("the record would lie outside them") if created else _("the change would move the record outside them"),
        every=every,
    )


def sees_drafts() -> bool:
    """Drafts are for editors and admins; anonymous readers and partners see published records only.

    A command line run (no request) is the operator's, who sees everything: an import must not lose
    a company's links to draft spearheads because it read the company as the public would.
    """
    principal = current()
    if principal is None:
        return not has_request_context()
    return principal.has_role("editor")


def may_see(record) -> bool:
    """Whether this reader may see the record at all: never once deleted, and drafts as sees_drafts() says."""
    return record.deleted_at is None and (record.status == "published" or sees_drafts())


def sees_private_fields() -> bool:
    """Fields such as an event's participation_url are shown to editors and admins only."""
    return g.get("rendering_private_fields", False) or sees_drafts()


@contextmanager
def rendering_private_fields() -> Iterator[None]:
    """Representations made in the block show private fields whoever writes (the change feed keeps that view)."""
    g.rendering_private_fields = True
    try:
        yield
    finally:
        g.rendering_private_fields = False


def view_name() -> str:
    """Names the representation this reader gets, so that ETags differ between them."""
    return "private" if sees_private_fields() else "public"
