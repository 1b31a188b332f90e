"""Flags: things to raise with the care team, each with its rule, numbers and source (pure)."""
