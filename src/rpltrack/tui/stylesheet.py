"""KeptStylesheet: the app's stylesheet, parsed again only when its variables (the theme) change.

Textual restyles the app whenever a screen opens in a new mode (App.refresh_css, twice for a section's first
visit): it sets the theme's variables again and parses every stylesheet from scratch, a fresh parse of all
the app's CSS and every widget's default CSS each time. With the same variables the rules come out the same,
so this stylesheet keeps what it parsed while the variables stay as they are; a new theme (other variables)
parses everything afresh, as Textual does.
"""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet


class KeptStylesheet(Stylesheet):
    """A Stylesheet whose reparse with unchanged variables reuses the rules parsed from each source."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        # The variables set last, and those of the last full reparse (None: none yet).
        self.variables_set: dict[str, str] = dict(variables or {})
        self.reparsed_with: dict[str, str] | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        """Set the CSS variables; the same ones again keep the rules parsed with them."""
        if self.reparsed_with is not None and variables == self.variables_set:
            return
        super().set_variables(variables)
        self.variables_set = dict(variables)

    def reparse(self) -> None:
        """Parse the sources with the current variables: from scratch after they changed, else each source's
        rules as last parsed (a source added since is parsed now)."""
        if self.reparsed_with is not None and self.reparsed_with == self.variables_set:
            self.parse()
            return
        super().reparse()
        self.reparsed_with = dict(self.variables_set)
