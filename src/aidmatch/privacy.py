"""Keeping personal data where it belongs: private files and folders, and no full ID in logs.

Every file aidmatch creates is readable by its owner only (0600) and every folder it creates
(the output folder, the database's folder, the staging and spill folders) is 0700. Folders the
user already had are left as they are. Log records pass through :class:`RedactingFilter`, which
masks any ID-like number a message may carry.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from aidmatch.normalize.ids import redact

FILE_MODE = 0o600
DIR_MODE = 0o700
# The process umask the CLI sets: files other libraries create (DuckDB's WAL, xlsxwriter's
# temporary files) are private from the first byte too.
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the owner only; existing folders keep
    their mode (an output folder inside the user's own directory is theirs to manage)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make an existing file readable by the owner only."""
    os.chmod(path, FILE_MODE)
    return path


def redact_all(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, text) with every text and key redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_all(k): redact_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Masks ID-like numbers in every log record that passes the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
