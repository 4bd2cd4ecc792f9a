"""Flask CLI commands for operators and business developers."""
