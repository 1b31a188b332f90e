"""The journal: SQLite connection, migrations and the typed Journal API."""
