"""Keeping the data true: which companies need a business developer's look, and which are probably the same.

The HTTP lists (api.resources.review) and `flask review report` (api.cli.review) both read from here.
"""

from collections.abc import Iterable

from werkzeug.exceptions import Forbidden

from api import auth
from api.i18n import _


def _own() -> frozenset[str]:
    """A limited editor's municipalities; empty for every other key (and for a command line run)."""
    principal = auth.current()
    return principal.municipalities if principal is not None and principal.role == "editor" else frozenset()


def area(requested: Iterable[str] | None) -> list[str] | None:
    """The municipality codes to review: those asked for, else a limited editor's own; None for all.

    A code outside a limited editor's municipalities is a 403, as writing there would be.
    """
    own = _own()
    requested = sorted(set(requested or ()))
    outside = [code for code in requested if own and code not in own]
    if outside:
        raise Forbidden(
            _(
                "The key %(key)s reviews the municipalities %(own)s only; %(outside)s lies outside them.",
                key=auth.current().name, own=", ".join(sorted(own)), outside=", ".join(outside),
            )
        )
    return requested or sorted(own) or None


def check_pair_area(codes: set[str | None]) -> None:
    """403 when a limited editor acts on a pair of companies neither of which lies in their municipalities."""
    own = _own()
    if own and not own & codes:
        raise Forbidden(
            _("The key %(key)s reviews the municipalities %(own)s only; neither company lies in them.", key=auth.current().name, own=", ".join(sorted(own)))
        )
