"""The fair floor's rows (`BareLogged`): a plain indexed SQLite table beside the event
log, with the log's pragmas, one transaction a step; no hash chain, no signature."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

BARE_DB = Path(os.environ.get("BARE_DB", "/tmp/bare-rows.db"))
_connection = None
_opening = threading.Lock()


def _rows_table():
    """The worker's one connection and the lock its transactions take turns on, made once,
    under a lock: the first activities arrive together."""
    global _connection
    with _opening:
        if _connection is None:
            db = sqlite3.connect(BARE_DB, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute(
                "CREATE TABLE IF NOT EXISTS rows (seq INTEGER PRIMARY KEY, key TEXT UNIQUE, workflow_id TEXT, "
                "payload TEXT, at TEXT)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS rows_workflow ON rows (workflow_id)")
            _connection = (db, threading.Lock())
        return _connection


def append_rows(workflow_id: str, step: str, rows: int) -> int:
    """`rows` rows of the step in one transaction, keyed as the log keys its rows (a retry
    writes nothing twice)."""
    db, lock = _rows_table()
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR IGNORE INTO rows (key, workflow_id, payload, at) VALUES (?, ?, ?, datetime('now'))",
                [(f"{workflow_id}/{step}/{i}", workflow_id, '{"amount": "1000.00"}') for i in range(rows)],
            )
        except BaseException:
            db.execute("ROLLBACK")  # the next append starts clean
            raise
        db.execute("COMMIT")
    return rows
