"""Pure renderers that turn domain objects into files (CSV, calendar, brief)."""
