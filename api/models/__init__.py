"""The stored records; importing this package registers every table with the metadata."""

from api.models.api_key import ApiKey
from api.models.audit import AuditEntry
from api.models.change import Change
from api.models.company import Company
from api.models.event import Event
from api.models.municipality import Municipality
from api.models.search_document import SearchDocument
from api.models.site import Site
from api.models.spearhead import Spearhead

__all__ = ["ApiKey", "AuditEntry", "Change", "Company", "Event", "Municipality", "SearchDocument", "Site", "Spearhead"]
