"""The write path: every add, change and delete of a directory record goes through here, whoever makes it.

HTTP views, the imports, `flask seed` and other commands call it; it calls only downward (models,
audit, search, auth's scope rules). A write is prepared (unique values, related records), then made
inside a transaction of Writes, which stamps it (updated_at and version in commit order), checks a
limited editor's scope, adds its audit entry and notes its change, which the change feed records at
commit (api.records.feed). A write that changes nothing writes nothing. A flush of a directory record
that did not come through here is refused (WriteOutsideThePath).
"""

from api.records.kinds import ACTION, COMPANY, EVENT, KINDS, MUNICIPALITY, SITE, SPEARHEAD, Kind, kind_of
from api.records.rules import conflict, differs, invalid, merge_patch, merged, resolve, writable_values
from api.records.writes import (
    WriteOutsideThePath,
    Writes,
    check_scope,
    create,
    delete,
    prepare,
    register,
    transaction,
    update,
    verify,
)

__all__ = [
    "ACTION", "COMPANY", "EVENT", "KINDS", "MUNICIPALITY", "SITE", "SPEARHEAD", "Kind", "WriteOutsideThePath", "Writes", "check_scope",
    "conflict", "create", "delete", "differs", "invalid", "kind_of", "merge_patch", "merged", "prepare", "register",
    "resolve", "transaction", "update", "verify", "writable_values",
]
