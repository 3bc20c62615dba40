"""`make fuzz`: schemathesis against /api/v1 (see __main__.py and docs/fuzzing.md)."""
