"""rpltrack: a private tracker for recurrent pregnancy loss and IVF/FET."""

__version__ = "0.1.0"
