"""Municipalities of the region."""
