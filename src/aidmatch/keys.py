"""Case numbers and slip keys that say nothing about the person: hashes keyed by a secret of the
database.

A 案例编号 used to be ``LZ-<semester>-`` + the first 10 hex of ``md5(ID)``. Next to a masked ID
(``6110**********3654``) that is no protection: the hidden digits are a region code, a birth date
and a sequence, a few million candidates, and md5 tries them in seconds. Every key that was a plain
hash of an ID (case numbers, the ``slip_serials`` table) is now keyed: HMAC-SHA256 under a random
secret of 32 bytes created with the database (``meta.case_secret``), never written to any output
and never purged. Without the database nobody can compute a key from an ID, so a workbook cannot
be linked back to a person by its case numbers; with it, the same case keeps the same number
through reruns and semesters, which the review and the semester comparison rely on.

The keyed hash runs inside DuckDB as a temporary macro, ``keyed_hash(text)``, defined on one
connection by :func:`install` (temporary objects live in memory and in that connection only):

>>> import duckdb

from aidmatch.steps import Macro
>>> con = duckdb.connect()
>>> install(con, "00" * 32)
>>> key = con.execute("SELECT " + case_key_sql("LZ", "'611022201212127771'"), ["2025-spring"]
...                   ).fetchone()[0]
>>> key == case_key("LZ", "2025-spring", "611022201212127771", "00" * 32)
True
>>> key.startswith("LZ-2025-spring-") and len(key) == 25
True

The hashed text is the 10-hex md5 digest the old keys showed (:func:`legacy_digest`): a database
made by an older version is migrated by keying the digest in its case numbers
(:func:`rekey_case_sql`), without knowing the subject, and a rerun then gives the same numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import duckdb

from aidmatch.steps import Macro

SECRET_BYTES = 32
_BLOCK = 64  # SHA-256's block size, for HMAC's pads
CASE_DIGEST_LENGTH = 10  # hex characters of a case number's last part
CASE_KEY_PATTERN = r"^([A-Z]{2}-[0-9]{4}-(?:spring|autumn)-)([0-9a-f]{10})$"


def new_secret() -> str:
    """A fresh random secret (hex), created once per database."""
    return secrets.token_hex(SECRET_BYTES)


def _pads(secret: str) -> tuple[str, str]:
    block = bytes.fromhex(secret).ljust(_BLOCK, b"\0")
    return (bytes(b ^ 0x36 for b in block).hex(), bytes(b ^ 0x5C for b in block).hex())


def keyed_hash_macro(secret: str) -> Macro:
    """``keyed_hash(msg)``: HMAC-SHA256 of ``msg`` under ``secret``, hex (a step defines it on
    its engine with :meth:`aidmatch.steps.Steps.macro`)."""
    if len(bytes.fromhex(secret)) != SECRET_BYTES:
        raise ValueError("a database secret is 32 bytes")
    inner, outer = _pads(secret)
    return Macro("keyed_hash", ("msg",), f"sha256(unhex('{outer}') || "
                 f"unhex(sha256(unhex('{inner}') || encode(CAST(msg AS VARCHAR)))))")


def install(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    """Define ``keyed_hash(text)`` (HMAC-SHA256 under ``secret``, hex) on this connection only."""
    con.execute(keyed_hash_macro(secret).create_sql())


def keyed_hash(secret: str, text: str) -> str:
    """The same hash in Python."""
    return hmac.new(bytes.fromhex(secret), text.encode(), hashlib.sha256).hexdigest()


def legacy_digest(subject: str) -> str:
    """What older versions showed of a case's subject: 10 hex of its md5 (not a secret)."""
    return hashlib.md5(subject.encode()).hexdigest()[:CASE_DIGEST_LENGTH]


def case_digest_sql(subject: str) -> str:
    """SQL: the last part of a case number for the text expression ``subject``."""
    return f"left(keyed_hash(left(md5({subject}), {CASE_DIGEST_LENGTH})), {CASE_DIGEST_LENGTH})"


def case_key_sql(code: str, subject: str) -> str:
    """SQL: ``<code>-<semester>-<keyed digest>``; one parameter, the semester code."""
    return f"'{code}-' || ? || '-' || {case_digest_sql(subject)}"


def case_key(code: str, semester: str, subject: str, secret: str) -> str:
    """A case number in Python (tests, tools): the same as :func:`case_key_sql`."""
    digest = keyed_hash(secret, legacy_digest(subject))[:CASE_DIGEST_LENGTH]
    return f"{code}-{semester}-{digest}"


def rekey_case_sql(column: str) -> str:
    """SQL: an older version's case number (md5 digest) as this version's (keyed digest)."""
    return (f"CASE WHEN regexp_matches({column}, '{CASE_KEY_PATTERN}') "
            f"THEN regexp_extract({column}, '{CASE_KEY_PATTERN}', 1) || "
            f"left(keyed_hash(regexp_extract({column}, '{CASE_KEY_PATTERN}', 2)), "
            f"{CASE_DIGEST_LENGTH}) ELSE {column} END")


def slip_key_hash_sql(semester_param: str, slip_key: str) -> str:
    """SQL: the key a slip's serial is stored under (keyed hash of the SHA-256 older versions
    stored, so their serials are migrated by keying what is stored)."""
    return f"keyed_hash(sha256({semester_param} || chr(31) || {slip_key}))"


__all__ = ["case_key", "case_key_sql", "install", "keyed_hash", "keyed_hash_macro", "new_secret",
           "rekey_case_sql", "slip_key_hash_sql"]
