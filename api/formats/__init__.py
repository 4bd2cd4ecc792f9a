"""Writers (and readers) of the standard formats the API speaks besides its own JSON."""
