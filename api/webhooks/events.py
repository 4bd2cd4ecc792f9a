"""Message types and the `events` patterns a subscription chooses them with."""

from api.auth import Principal
from api.i18n import _

# The change feed's resources and actions: each change is a message of type "<resource>.<action>".
RESOURCES = ("company", "event", "spearhead", "municipality", "site", "action")
ACTIONS = ("created", "updated", "deleted")
# Holds personal data: only editors and admins may ask for it, by name (`*` does not include it).
INQUIRY_CREATED = "inquiry.created"
INQUIRY_PATTERNS = (INQUIRY_CREATED, "inquiry.*")
PING = "ping"
PATTERN_HELP = (
    "An event is `<resource>.<action>`, `<resource>.*`, `*.<action>` or `*`, with resource one of "
    f"{', '.join(RESOURCES)} and action one of {', '.join(ACTIONS)}; editors and admins may add {INQUIRY_CREATED}."
)
MAX_PATTERNS = 50


def matches(pattern: str, message_type: str) -> bool:
    if message_type == INQUIRY_CREATED:
        # Asked for by name only: `*` and `*.created` are the feed's changes.
        return pattern in INQUIRY_PATTERNS
    if pattern == "*":
        return True
    resource, _, action = pattern.partition(".")
    message_resource, _, message_action = message_type.partition(".")
    return resource in ("*", message_resource) and action in ("*", message_action)


def wanted(patterns: list[str], message_type: str) -> bool:
    return any(matches(pattern, message_type) for pattern in patterns)


def check_patterns(patterns: list[str], principal: Principal) -> str | None:
    """What is wrong with a subscription's `events`, or None."""
    if not patterns:
        return _("Choose at least one event, such as `*` for every change.")
    for pattern in patterns:
        if pattern in INQUIRY_PATTERNS:
            if not principal.has_role("editor"):
                return _("%(event)s is for editor and admin keys only.", event=INQUIRY_CREATED)
            continue
        resource, dot, action = pattern.partition(".")
        if pattern == "*":
            continue
        if not dot or resource not in ("*", *RESOURCES) or action not in ("*", *ACTIONS):
            return _("Unknown event %(pattern)r. An event is `<resource>.<action>`, `<resource>.*`, `*.<action>` or `*`, with resource "
                     "one of %(resources)s and action one of %(actions)s; editors and admins may add %(inquiry)s.",
                     pattern=pattern, resources=", ".join(RESOURCES), actions=", ".join(ACTIONS), inquiry=INQUIRY_CREATED)
    return None
