"""Bulk imports into the directory, shared by the HTTP API and the command line."""
