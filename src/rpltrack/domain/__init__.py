"""Pure domain: models, quantities, catalog, schedules, doses. Standard library and dateutil only."""
