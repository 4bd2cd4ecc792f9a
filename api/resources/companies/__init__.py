"""Companies of the directory."""
