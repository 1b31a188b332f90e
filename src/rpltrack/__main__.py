"""`python -m rpltrack`: the same entry point as the `rpltrack` script."""

from rpltrack.cli.entry import run

run()
