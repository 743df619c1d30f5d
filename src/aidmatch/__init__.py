"""aidmatch: reconcile the exports of the 54321 mechanism's five systems, find every enrolled
key-group student who was missed (不漏一人) and every payment that went astray (精准资助).

The public Python API is :func:`reconcile` (see :mod:`aidmatch.api`); the command line
(``aidmatch``) is a thin layer over the same library. Names are loaded on first use, so
``import aidmatch`` stays cheap for the file-reading worker processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aidmatch.api import Reconciliation, reconcile
    from aidmatch.errors import AidmatchError
    from aidmatch.semester import Semester

__all__ = ["AidmatchError", "Reconciliation", "Semester", "reconcile"]

_WHERE = {"reconcile": "aidmatch.api", "Reconciliation": "aidmatch.api",
          "AidmatchError": "aidmatch.errors", "Semester": "aidmatch.semester"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'aidmatch' has no attribute {name!r}")
