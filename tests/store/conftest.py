"""Store-test fixtures: an explicit umask, so file-mode tests never rely on the user's."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture
def umask_022() -> Iterator[None]:
    """Run with umask 022 (group/other readable by default): owner-only modes must come from the app."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
