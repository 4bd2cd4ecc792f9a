"""Strategy spearheads."""
