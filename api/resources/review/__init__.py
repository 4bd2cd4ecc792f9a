"""Keeping the data true: the review list and likely duplicates of companies."""
