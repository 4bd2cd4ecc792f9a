"""Content negotiation: the representation a client's Accept header prefers, or 406."""

from flask import current_app, request
from werkzeug.exceptions import NotAcceptable

from api.conditional import answer_304_if_fresh, make_etag


def preferred(*offered: str) -> str:
    """The offered media type the client likes best; no Accept header means the first."""
    if not request.accept_mimetypes:
        return offered[0]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(f"This resource is available as {', '.join(offered)}; the Accept header allows none of them.")
    return best


def document(body: bytes, media_type: str, **headers: str):
    """Answer a whole document in another format, with an ETag of its bytes (so 304s work)."""
    etag = make_etag(media_type, body.decode())
    answer_304_if_fresh(etag)
    response = current_app.response_class(body, mimetype=media_type)
    response.set_etag(etag)
    response.headers.update({"Vary": "Accept", **headers})
    return response


def vary_on_accept(response):
    """Mark a negotiated JSON answer, so that caches keep its representations apart."""
    response.vary.add("Accept")
    return response
