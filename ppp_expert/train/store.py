"""The learner model's SQLite file: opening it safely, its versioned schema and its migrations.

Why SQLite (standard library ``sqlite3``): one file a trainer can copy, many readers and one
writer at a time with write-ahead logging (two trainees can train at once on a shared file),
and transactions, so one answer is recorded completely or not at all, even when the process is
killed in the middle (``kill -9``): the journal rolls an unfinished transaction back.

The file carries an application id (``PRAGMA application_id``) and a schema version
(``PRAGMA user_version``). Opening checks both: a file that is not SQLite, a SQLite file of
another program, a file written by a newer ppp-expert, or a damaged file is a one-line error;
an older version is migrated in one transaction.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ppp_expert import files
from ppp_expert.errors import PPPExpertError

#: "PPXT": marks a ppp-expert training database.
APPLICATION_ID = 0x50505854
BUSY_TIMEOUT_S = 30.0
QUIET_WAIT_MS = 1000  # a wait longer than this is announced on stderr

#: Schema version -> the SQL that brings version N-1 to N. Never edit a released step: add one.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE trainees(
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL);
    CREATE TABLE exercises(
        id TEXT PRIMARY KEY,
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        kind TEXT NOT NULL,                   -- case | review | exam
        case_id TEXT,
        seed INTEGER NOT NULL,
        kb_fingerprint TEXT NOT NULL,
        plan TEXT NOT NULL DEFAULT '{}',      -- JSON: what the exercise asks (exam item ids, limits)
        started TEXT NOT NULL,
        finished TEXT,
        score REAL);
    CREATE INDEX exercises_trainee ON exercises(trainee_id, kind, finished);
    CREATE TABLE attempts(
        id INTEGER PRIMARY KEY,
        attempt_key TEXT NOT NULL UNIQUE,     -- exercise/item: an answer is recorded once
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        exercise_id TEXT REFERENCES exercises(id),
        item_id TEXT NOT NULL,
        item_type TEXT NOT NULL,
        case_id TEXT,
        topic TEXT NOT NULL,
        sections TEXT NOT NULL,               -- JSON list of guide section ids
        rules TEXT NOT NULL,                  -- JSON {rule id: score}
        answer TEXT NOT NULL,                 -- JSON
        score REAL NOT NULL,
        correct INTEGER NOT NULL,
        skipped INTEGER NOT NULL DEFAULT 0,
        hints INTEGER NOT NULL,
        seconds REAL NOT NULL,
        kb_fingerprint TEXT NOT NULL,
        created TEXT NOT NULL);
    CREATE INDEX attempts_trainee ON attempts(trainee_id, created);
    CREATE TABLE mastery(
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        scope TEXT NOT NULL,                  -- rule | topic | section
        key TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        score_sum REAL NOT NULL,
        level REAL NOT NULL,                  -- 0..1, recent answers weigh most
        last TEXT NOT NULL,
        PRIMARY KEY(trainee_id, scope, key));
    CREATE TABLE leitner(
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        item_id TEXT NOT NULL,
        box INTEGER NOT NULL,
        due TEXT NOT NULL,
        last TEXT NOT NULL,
        PRIMARY KEY(trainee_id, item_id));
    """,
    2: """
    CREATE TABLE programme_cases(             -- case files a trainer added to the programme
        case_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,                   -- the file name it was added from (its suffix says YAML or JSON)
        content BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        added TEXT NOT NULL);
    CREATE TABLE case_summaries(              -- what each case exercises, by knowledge base and case content
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL);
    """,
    3: """
    CREATE TABLE drafts(                      -- rows of a matrix typed before its last row (kept on quit)
        exercise_id TEXT NOT NULL REFERENCES exercises(id),
        item_id TEXT NOT NULL,
        answer TEXT NOT NULL,                 -- JSON {row: value}
        PRIMARY KEY(exercise_id, item_id));
    """,
    4: """
    CREATE TABLE trainer_content(             -- trainers' item and override files (YAML), by name
        name TEXT PRIMARY KEY,
        content BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        added TEXT NOT NULL);
    """,
    5: """
    CREATE TABLE review_cards(                -- FSRS cards, one per item row (review_cards.py)
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        card_key TEXT NOT NULL,               -- item id, '#row' for a row of a table or an option
        item_id TEXT NOT NULL,
        card TEXT NOT NULL,                   -- FSRS's JSON
        due TEXT NOT NULL,
        reviews INTEGER NOT NULL,
        PRIMARY KEY(trainee_id, card_key));
    CREATE INDEX review_cards_due ON review_cards(trainee_id, due);
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)


class TrainingDBError(PPPExpertError):
    """The training database cannot be opened, read or written."""


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/ppp-expert/training.db`` (``~/.local/share`` without XDG_DATA_HOME)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ppp-expert" / "training.db"


def _reason(exc: BaseException) -> str:
    return str(exc).rstrip(".") or type(exc).__name__


class Database:
    """An open training database: checked, migrated, in WAL mode, with explicit transactions."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.conn = self._connect()
        try:
            self._check_and_migrate()
        except BaseException:
            self.conn.close()
            raise

    # ------------------------------------------------------------------ opening
    def _error(self, message: str) -> TrainingDBError:
        return TrainingDBError(message, path=str(self.path))

    def _connect(self) -> sqlite3.Connection:
        path = self.path
        if str(path) in ("", "."):
            raise self._error("is empty; expected a training database file name (or leave --db out)")
        if path.is_symlink():
            raise self._error("is a symbolic link; refusing to open a training database through it "
                              "(choose another --db)")
        if path.exists() and not path.is_file():
            raise self._error("is not a file; expected a training database file (choose another --db)")
        if self.readonly:
            if not path.exists():
                raise self._error("no training database here yet; train first or choose another --db")
            try:
                conn = files.open_database(path, readonly=True, timeout=BUSY_TIMEOUT_S)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                if "not a database" in str(exc) or "malformed" in str(exc):
                    raise self._error(f"not a training database ({_reason(exc)}); expected a file written by "
                                      "'ppp-expert train' (choose another --db)") from None
                # A read-only folder: the WAL index cannot be created; read the file as it stands.
                conn = files.open_database(path, readonly=True, immutable=True)
            return conn
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(f"cannot create its folder ({exc.strerror or exc}); choose another --db") from None
        if path.exists() and not os.access(path, os.R_OK):
            raise self._error("cannot be read (permission denied); choose another --db")
        try:
            conn = files.open_database(path, readonly=False, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise self._error(f"cannot be opened ({_reason(exc)}); choose another --db") from None
        return conn

    def _check_and_migrate(self) -> None:
        conn = self.conn
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise self._error(f"not a training database ({_reason(exc)}); expected a file written by "
                                  "'ppp-expert train' (choose another --db)") from None
            raise self._write_error(exc) from None
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
            shown = ", ".join(tables[:5]) + (" ..." if len(tables) > 5 else "")
            raise self._error(f"a SQLite database of another program (tables: {shown or 'none'}); expected a "
                              "ppp-expert training database (choose another --db)")
        if version > SCHEMA_VERSION:
            raise self._error(f"written by a newer ppp-expert (schema version {version}; this one reads up to "
                              f"{SCHEMA_VERSION}); upgrade ppp-expert to open it")
        try:
            check = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            check = _reason(exc)
        if check != "ok":
            raise self._error(f"is damaged ({check}); restore a copy or choose another --db")
        if self.readonly:
            if version < SCHEMA_VERSION:
                raise self._error(f"has schema version {version} and needs upgrading to {SCHEMA_VERSION}; open it "
                                  "once with a training command that can write to it")
            return
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise self._error("cannot switch to write-ahead logging; expected a file on a local disk")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                self._migrate(version)
        except sqlite3.OperationalError as exc:
            raise self._write_error(exc) from None

    def _migrate(self, version: int) -> None:
        """Bring the file from ``version`` to the current schema in one transaction."""
        conn = self.conn
        self._begin()
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for step in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _statements(MIGRATIONS[step]):
                    conn.execute(statement)
            if current == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("INSERT INTO meta(key, value) VALUES ('created_by', 'ppp-expert train')")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _write_error(self, exc: sqlite3.Error) -> TrainingDBError:
        text = _reason(exc)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return self._error(f"cannot be written ({text}; is the file or its folder read-only?); "
                               "choose another --db")
        if "locked" in text or "busy" in text:
            return self._error(f"is busy: another process held it for over {BUSY_TIMEOUT_S:.0f} s ({text}); try again")
        return self._error(f"cannot be written ({text})")

    # ---------------------------------------------------------------- using it
    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``) so two writers queue rather
        than deadlock; committed whole or rolled back whole."""
        if self.readonly:
            raise self._error("is open read-only")
        try:
            self._begin()
        except sqlite3.OperationalError as exc:
            raise self._write_error(exc) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise self._write_error(exc) from None
        except BaseException:
            self._rollback()
            raise

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE``; when another process holds the write lock for over a second, say
        so on stderr before waiting for it (up to ``BUSY_TIMEOUT_S``), rather than waiting without a word."""
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {QUIET_WAIT_MS}")
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        print(f"note: {self.path}: another process is writing to this training database; waiting for it (up to "
              f"{BUSY_TIMEOUT_S:.0f} s)", file=sys.stderr, flush=True)
        conn.execute("BEGIN IMMEDIATE")

    def _rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        self.conn.row_factory = sqlite3.Row
        try:
            return list(self.conn.execute(sql, params))
        except sqlite3.DatabaseError as exc:
            raise self._error(f"cannot be read ({_reason(exc)})") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _statements(script: str) -> list[str]:
    """The statements of a migration script (no semicolons inside our statements)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
