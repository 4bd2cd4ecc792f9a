"""Who is asking: the principal behind a request and what it may see."""

from flask import g


def sees_drafts() -> bool:
    """Drafts are for editors and admins; anonymous readers and partners see published records only."""
    principal = g.get("principal")
    return principal is not None and principal.role in ("admin", "editor")


def sees_private_fields() -> bool:
    """Fields such as an event's participation_url are shown to editors and admins only."""
    return sees_drafts()


def view_name() -> str:
    """Names the representation this reader gets, so that ETags differ between them."""
    return "private" if sees_private_fields() else "public"
