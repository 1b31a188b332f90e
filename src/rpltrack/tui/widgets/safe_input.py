"""SafeInput: a text field that shows the controls in its text (␛, ␀, �) and keeps the value exactly.

Textual's Input draws its value raw: an ESC in a name she is changing, or pasted into a field, would reach the
terminal and start an escape sequence there, and a right-to-left override would reverse the rest of the line.
The value is hers and is saved as it is; only what is drawn changes, one visible character for each control,
so the cursor, the selection and a click still land on the character they mean.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.geometry import clamp
from textual.widgets import Input

from rpltrack.tui.format import field_text


class SafeInput(Input):
    """An Input whose text is drawn through `format.field_text`; `value` is what she typed or was given."""

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(field_text(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(field_text(self.value[:position]), 4))

    def _cell_offset_to_index(self, offset: int) -> int:
        """The character under a cell offset (a click), counting the cells as drawn."""
        drawn = field_text(self.value)
        if drawn == self.value:
            return super()._cell_offset_to_index(offset)
        cell_offset = 0
        scroll_x, _ = self.scroll_offset
        offset += scroll_x
        for index, char in enumerate(drawn):
            width = get_character_cell_size(char)
            if cell_offset <= offset < cell_offset + width:
                return index
            cell_offset += width
        return clamp(offset, 0, len(drawn))
