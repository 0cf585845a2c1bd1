"""The study's SQLite file: sessions, their planned trials, and one row per answer.

Every call opens its own connection (so threads and several server processes may share one
file), in WAL mode with a busy timeout, and every write is one ``BEGIN IMMEDIATE``
transaction, so concurrent participants never lose or interleave an answer. An answer is
accepted only for the session's next unanswered trial (``UNIQUE(session, idx)``): a double
click or a replayed request cannot count twice. Whether the answer was right is decided
here, from the trial's pictures, never by the page.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .plan import Trial

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
  session TEXT PRIMARY KEY, participant TEXT NOT NULL, mode TEXT NOT NULL, seconds REAL NOT NULL,
  n_practice INTEGER NOT NULL, n_blind INTEGER NOT NULL, started TEXT NOT NULL, finished TEXT);
CREATE TABLE IF NOT EXISTS trials (
  session TEXT NOT NULL REFERENCES sessions(session), idx INTEGER NOT NULL, phase TEXT NOT NULL,
  pictures TEXT NOT NULL, methods TEXT NOT NULL, issued_ns INTEGER, PRIMARY KEY (session, idx));
CREATE TABLE IF NOT EXISTS answers (
  id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL, participant TEXT NOT NULL,
  idx INTEGER NOT NULL, phase TEXT NOT NULL, mode TEXT NOT NULL,
  picture TEXT NOT NULL,       -- single: the picture shown; pair: the generated one
  method TEXT NOT NULL,        -- 'real' or the generated folder's name
  side TEXT NOT NULL,          -- where that picture was shown: 'centre', 'left' or 'right'
  other_picture TEXT,          -- pair: the real picture beside it
  answer TEXT NOT NULL,        -- single: 'real' / 'generated'; pair: the side picked as real
  correct INTEGER NOT NULL, ms INTEGER NOT NULL, server_ms INTEGER, ts TEXT NOT NULL,
  UNIQUE (session, idx));
CREATE INDEX IF NOT EXISTS answers_method ON answers (mode, phase, method);
"""
ANSWERS = {"single": ("real", "generated"), "pair": ("left", "right")}
MAX_MS = 3_600_000


class AnswerError(ValueError):
    """An answer the store refuses (unknown session, not the next trial, bad value); ``status``: HTTP's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Session:
    session: str
    participant: str
    mode: str
    seconds: float
    n_practice: int
    n_blind: int
    answered: int

    @property
    def total(self) -> int:
        return self.n_practice + self.n_blind

    @property
    def done(self) -> bool:
        return self.answered >= self.total


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        db = self._connect()
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    # -- sessions -----------------------------------------------------------------------------------

    def start(self, participant: str, mode: str, seconds: float, plan: list[Trial]) -> Session:
        """A new session for ``participant`` with ``plan`` (practice trials first)."""
        key = secrets.token_urlsafe(16)
        n_practice = sum(t.phase == "practice" for t in plan)
        with self._write() as db:
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                       (key, participant, mode, seconds, n_practice, len(plan) - n_practice, _now()))
            db.executemany("INSERT INTO trials VALUES (?, ?, ?, ?, ?, NULL)",
                           [(key, t.index, t.phase, json.dumps(t.keys), json.dumps(t.methods)) for t in plan])
        return Session(key, participant, mode, seconds, n_practice, len(plan) - n_practice, 0)

    def unfinished(self, participant: str, mode: str) -> Session | None:
        """The participant's latest unfinished session in ``mode`` (to resume after a reload)."""
        rows = self._read("SELECT session FROM sessions WHERE participant = ? AND mode = ? AND finished IS NULL "
                          "ORDER BY started DESC LIMIT 1", (participant, mode))
        return self.session(rows[0][0]) if rows else None

    def session(self, key: str) -> Session | None:
        rows = self._read("SELECT s.session, s.participant, s.mode, s.seconds, s.n_practice, s.n_blind, "
                          "(SELECT COUNT(*) FROM answers a WHERE a.session = s.session) "
                          "FROM sessions s WHERE s.session = ?", (key,))
        return Session(*rows[0]) if rows else None

    def trial(self, key: str, index: int, *, issue: bool = False) -> Trial | None:
        """Trial ``index`` of a session; ``issue``: note now as the time it was handed out."""
        if issue:
            with self._write() as db:
                db.execute("UPDATE trials SET issued_ns = ? WHERE session = ? AND idx = ?",
                           (time.monotonic_ns(), key, index))
        rows = self._read("SELECT idx, phase, pictures, methods FROM trials WHERE session = ? AND idx = ?",
                          (key, index))
        if not rows:
            return None
        idx, phase, pictures, methods = rows[0]
        return Trial(idx, phase, tuple(json.loads(pictures)), tuple(json.loads(methods)))

    # -- answers ------------------------------------------------------------------------------------

    def answer(self, key: str, index: int, answer: str, ms: object) -> dict[str, Any]:
        """Record the answer to trial ``index`` (must be the session's next) -> the stored row as a dict."""
        if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= MAX_MS:
            raise AnswerError(f"time taken must be whole milliseconds in 0..{MAX_MS}")
        with self._write() as db:
            row = db.execute("SELECT participant, mode, n_practice + n_blind FROM sessions WHERE session = ?",
                             (key,)).fetchone()
            if row is None:
                raise AnswerError("unknown session", 404)
            participant, mode, total = row
            if answer not in ANSWERS[mode]:
                raise AnswerError(f"answer must be one of {', '.join(ANSWERS[mode])}")
            answered = db.execute("SELECT COUNT(*) FROM answers WHERE session = ?", (key,)).fetchone()[0]
            if index != answered:
                raise AnswerError(f"trial {index} is not the next one ({answered})", 409)
            idx, phase, pictures, methods, issued = db.execute(
                "SELECT idx, phase, pictures, methods, issued_ns FROM trials WHERE session = ? AND idx = ?",
                (key, index)).fetchone()
            t = Trial(idx, phase, tuple(json.loads(pictures)), tuple(json.loads(methods)))
            rec = scored(t, mode, answer)
            server_ms = None if issued is None else (time.monotonic_ns() - issued) // 1_000_000
            rec.update(session=key, participant=participant, idx=index, phase=phase, mode=mode, answer=answer,
                       ms=ms, server_ms=server_ms, ts=_now())
            cols = list(rec)
            db.execute(f"INSERT INTO answers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                       [rec[c] for c in cols])
            if index + 1 >= total:
                db.execute("UPDATE sessions SET finished = ? WHERE session = ?", (_now(), key))
        return rec

    def rows(self, phase: str | None = "blind") -> list[dict[str, Any]]:
        """Every answer (of one phase, or all with ``None``) as dicts, in the order recorded."""
        db = self._connect()
        try:
            db.row_factory = sqlite3.Row
            sql = "SELECT * FROM answers" + (" WHERE phase = ?" if phase else "") + " ORDER BY id"
            return [dict(r) for r in db.execute(sql, (phase,) if phase else ())]
        finally:
            db.close()


def scored(t: Trial, mode: str, answer: str) -> dict[str, Any]:
    """The row's picture, method, side and correctness for ``answer`` to trial ``t``."""
    if mode == "single":
        method = t.methods[0]
        return {"picture": t.keys[0], "method": method, "side": "centre", "other_picture": None,
                "correct": int((answer == "real") == (method == "real"))}
    fake = 0 if t.methods[0] != "real" else 1
    side = ("left", "right")[fake]
    return {"picture": t.keys[fake], "method": t.methods[fake], "side": side,
            "other_picture": t.keys[1 - fake], "correct": int(answer != side)}
