"""Serial numbers of slips: unique within a semester and stable across prints.

They live in the database's ``slip_serials`` table, which ``reconcile`` never replaces (it is not
one of :data:`aidmatch.store.SEMESTER_TABLES`): reconciling the semester again and printing again
gives every person the number they had, and people new to the list get the next free numbers, in
print order. The table holds no personal data: a slip is known by a hash of its semester and key
(``S:`` + the student's ID or 学籍号) keyed by the database's secret (:mod:`aidmatch.keys`), never
by the ID itself, and the hash cannot be recomputed from an ID (or a masked ID and a guess of the
hidden digits) without the database.

>>> serial_text(Semester(2025, "spring"), 123)
'2025春-000123'
"""

from __future__ import annotations

import duckdb

from aidmatch import keys
from aidmatch.database import database_secret
from aidmatch.semester import Semester
from aidmatch.steps import scalar

TABLE = "slip_serials"


def serial_text(semester: Semester, serial: int) -> str:
    """How a serial is printed: the semester's year and season, then six digits."""
    season = "春" if semester.term == "spring" else "秋"
    return f"{semester.year}{season}-{serial:06d}"


def create_table_sql(schema: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {schema}.{TABLE} (
        semester VARCHAR NOT NULL, key_hash VARCHAR NOT NULL, serial INTEGER NOT NULL,
        assigned_at TIMESTAMP NOT NULL,
        PRIMARY KEY (semester, key_hash), UNIQUE (semester, serial))"""


def assign_serials(con: duckdb.DuckDBPyConnection, semester: Semester, schema: str = "store"
                   ) -> int:
    """Give every row of the working table ``slips`` a serial (as the table ``numbered_slips``),
    numbering slips without one in print order, in one transaction of its own.
    Returns how many new numbers were given."""
    con.execute(create_table_sql(schema))
    keys.install(con, database_secret(con, schema))
    con.execute("CREATE OR REPLACE TEMP TABLE slip_hashes AS "
                f"SELECT slip_key, {keys.slip_key_hash_sql('?', 'slip_key')} AS key_hash, "
                "print_order FROM slips", [semester.code])
    con.execute("BEGIN TRANSACTION")
    try:
        before = int(scalar(con, f"SELECT count(*) FROM {schema}.{TABLE} WHERE semester = ?",
                            [semester.code]))
        con.execute(f"""
            INSERT INTO {schema}.{TABLE}
            SELECT $1, h.key_hash,
                   (SELECT coalesce(max(serial), 0) FROM {schema}.{TABLE} WHERE semester = $1)
                   + row_number() OVER (ORDER BY h.print_order),
                   current_localtimestamp()
            FROM slip_hashes h
            WHERE h.key_hash NOT IN (SELECT key_hash FROM {schema}.{TABLE} WHERE semester = $1)
            """, [semester.code])
        added = int(scalar(con, f"SELECT count(*) FROM {schema}.{TABLE} WHERE semester = ?",
                           [semester.code])) - before
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute(f"""
        CREATE OR REPLACE TABLE numbered_slips AS
        SELECT s.*, t.serial
        FROM slips s
        JOIN slip_hashes h USING (slip_key)
        JOIN {schema}.{TABLE} t ON t.semester = ? AND t.key_hash = h.key_hash
        ORDER BY s.print_order""", [semester.code])
    return added
