"""Strategy actions."""
