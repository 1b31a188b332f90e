"""`python -m rpltrack`: the same entry point as the `rpltrack` script."""

from rpltrack.cli.main import run

run()
