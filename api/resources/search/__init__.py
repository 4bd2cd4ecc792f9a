"""Search across resources: type-ahead suggestions."""
