"""The stored records; importing this package registers every table with the metadata."""

from api.models.action import Action
from api.models.api_key import ApiKey
from api.models.audit import AuditEntry
from api.models.change import Change
from api.models.company import Company
from api.models.duplicate import DismissedDuplicate
from api.models.event import Event
from api.models.inquiry import Inquiry
from api.models.municipality import Municipality
from api.models.search_document import SearchDocument, SearchTerm, SearchVocabulary
from api.models.site import Site
from api.models.spearhead import Spearhead
from api.models.webhook import WebhookDeliveryCount, WebhookMessage, WebhookSubscription

__all__ = [
    "Action", "ApiKey", "AuditEntry", "Change", "Company", "DismissedDuplicate", "Event", "Inquiry", "Municipality", "SearchDocument", "SearchTerm", "SearchVocabulary", "Site",
    "Spearhead", "WebhookDeliveryCount", "WebhookMessage", "WebhookSubscription",
]
