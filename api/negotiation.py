"""Content negotiation: the representation a client's Accept header prefers, or 406."""

from flask import request
from werkzeug.exceptions import NotAcceptable

from api.caching import vary_on
from api.i18n import _


def preferred(*offered: str) -> str:
    """The offered media type the client likes best; no Accept header means the first."""
    if not request.accept_mimetypes:
        return offered[0]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(_("This resource is available as %(offered)s; the Accept header allows none of them.", offered=", ".join(offered)))
    return best


def vary_on_accept(response):
    """Mark a negotiated JSON answer, so that caches keep its representations apart."""
    vary_on(response, "Accept")
    return response
