"""The change feed: every committed change of a directory record, in commit order."""
