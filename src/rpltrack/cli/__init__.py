"""Command line: argparse tree and one module per command group."""
