"""Domain rules of Finnish business data, shared by the API, the CLI and the importers."""
