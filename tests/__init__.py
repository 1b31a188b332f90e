"""rpltrack test suite; mirrors src/rpltrack."""
