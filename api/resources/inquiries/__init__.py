"""Inquiries: investors' contact requests, read and handled by the editors of the municipalities they concern."""
