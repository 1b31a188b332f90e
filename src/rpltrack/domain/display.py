"""Her words on her terminal: control characters and bidi overrides are shown, never obeyed.

Free text (a medication's name, a note, an appointment's questions) is stored exactly as she typed or imported
it. Printed raw, an ESC in it would start an escape sequence (clear the screen, retitle the window, hide the
lines above); a carriage return or backspace would overwrite what was printed; a right-to-left override would
reverse the rest of the line. `terminal_text` is for the terminal only (the CLI's output and the app's
screens, where Rich strips only a few controls): the journal, CSV exports and JSON keep the exact text.
"""

from __future__ import annotations

# The 2 embedding, 2 override and their pop, and the 4 isolate controls (Unicode bidi "Trojan Source" set).
# Hebrew and Arabic letters, and the invisible left/right marks, are left alone: they cannot reorder text.
BIDI_CONTROLS = (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)


def _placeholder(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␀ for NUL, ␍ for CR
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


_SHOWN: dict[int, str] = {
    code: _placeholder(code)
    for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *BIDI_CONTROLS)
    if code not in (0x09, 0x0A)  # a tab or a line break prints as itself and starts no sequence
}

# JSON escapes C0 controls itself (json.dumps writes \u001b for ESC); DEL, the C1 controls (U+009B starts an
# escape sequence on some terminals), line separators and bidi controls it leaves raw without ensure_ascii.
_JSON_ESCAPED: dict[int, str] = {
    code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *BIDI_CONTROLS)
}


def terminal_text(text: object) -> str:
    """`text` as it may be printed to a terminal: every control character but tab and line feed, and every
    bidi embedding, override or isolate, replaced by a visible placeholder (␛, ␍, <U+202E>, ...)."""
    return str(text).translate(_SHOWN)


def terminal_json(encoded: str) -> str:
    """JSON text (from json.dumps) with the characters a terminal would obey written as \\u escapes: it
    decodes to exactly the same values."""
    return encoded.translate(_JSON_ESCAPED)
