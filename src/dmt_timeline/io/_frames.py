"""Optional table libraries, imported on use."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Final

TABLES_EXTRA: Final = 'pip install "dmt-timeline[tables]"'


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional table library, or raise an ImportError that names the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{purpose} needs {module}: {TABLES_EXTRA}") from None
