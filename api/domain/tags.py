"""Tags compare equal whatever their case and Unicode composition ("Vienti" is "vienti"; NFD "sähkö" is NFC)."""

import unicodedata

# The SQL function name under which SQLite gets fold_tag; PostgreSQL writes it as lower(normalize(…, NFC)).
SQLITE_FUNCTION = "fold_tag"


def fold_tag(tag: str) -> str:
    return unicodedata.normalize("NFC", tag).lower()


def register_sqlite_function(dbapi_connection) -> None:
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, fold_tag, deterministic=True)
