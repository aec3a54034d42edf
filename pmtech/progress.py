"""The learner's attempt log: one SQLite file, safe for several kernels at once.

Every answer from a quiz, the diagnostic or an exercise check is one row. The file is
``progress.db`` in the course's data folder (``paths.py``: ``$PMTECH_HOME``, otherwise the
operating system's place for user data). Writes use WAL mode and one
short ``BEGIN IMMEDIATE`` transaction each, so two notebooks open at once never lose a row.
A file that is not a readable progress store is renamed aside (never deleted) and a fresh store
is started, with a warning that says where the old file went.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import uuid as uuidlib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from pmtech.outcome import BY_VALUE, OUTCOMES, Outcome
from pmtech.paths import default_home

SCHEMA_VERSION = 2  # 2 added the outcome "seen"
EXPORT_FORMAT = "pmtech-attempts"
SOURCES = ("quiz", "diagnostic", "exercise")
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    learner TEXT NOT NULL,
    question_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    outcome TEXT NOT NULL CHECK (outcome IN ('not_attempted', 'incorrect', 'correct', 'seen')),
    answer TEXT NOT NULL,
    hints_used INTEGER NOT NULL DEFAULT 0 CHECK (hints_used >= 0),
    source TEXT NOT NULL CHECK (source IN ('quiz', 'diagnostic', 'exercise')),
    retry INTEGER NOT NULL DEFAULT 0 CHECK (retry IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_learner ON attempts (learner, question_id, created_at);
CREATE TABLE IF NOT EXISTS self_ratings (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    learner TEXT NOT NULL,
    topic TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    context TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


class StoreError(Exception):
    """The progress store cannot be used; the message says why and what to do."""


class StoreRecoveredWarning(UserWarning):
    """A damaged progress file was moved aside and a fresh one started."""


def default_learner() -> str:
    """The learner's name: ``$PMTECH_LEARNER`` or the login name."""
    name = os.environ.get("PMTECH_LEARNER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "learner"


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (what the store records)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Attempt:
    """One recorded answer. ``answer`` is any JSON value; ``retry`` marks a second try
    at the same question in the same sitting (practice, not evidence of knowledge)."""

    learner: str
    question_id: str
    topic: str
    level: int
    outcome: Outcome
    answer: object = None
    hints_used: int = 0
    source: str = "quiz"
    retry: bool = False
    created_at: datetime = field(default_factory=utc_now)
    uuid: str = field(default_factory=lambda: uuidlib.uuid4().hex)

    def __post_init__(self) -> None:
        # One spelling everywhere: a stored or exported value becomes the enum.
        outcome = BY_VALUE.get(self.outcome) if isinstance(self.outcome, str) else None
        if outcome is None:
            raise StoreError(f"outcome must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}")
        object.__setattr__(self, "outcome", outcome)

    def to_json(self) -> dict:
        """A JSON-ready dict of this attempt (the answer as recorded, not copied)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["outcome"] = self.outcome.value
        data["created_at"] = self.created_at.isoformat()
        return data


@dataclass(frozen=True)
class SelfRating:
    """How deep a learner said they can go in a topic (0-5), kept apart from evidence.

    ``context`` says where they said it: ``start-here`` (once per topic) or ``ladder:<id>``
    (just before a follow-up ladder).
    """

    learner: str
    topic: str
    level: int
    context: str = "start-here"
    created_at: datetime = field(default_factory=utc_now)
    uuid: str = field(default_factory=lambda: uuidlib.uuid4().hex)

    def __post_init__(self) -> None:
        if (
            not isinstance(self.level, int)
            or isinstance(self.level, bool)
            or not 0 <= self.level <= 5
        ):
            raise StoreError(f"a self-rating is a level 0-5, got {self.level!r}")

    def to_json(self) -> dict:
        """A JSON-ready dict of this rating."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["created_at"] = self.created_at.isoformat()
        return data


def _check_attempt_fields(data: dict, where: str) -> Attempt:
    """Build an Attempt from a dict (an import), raising StoreError naming the bad field."""

    def need(key, test, what):
        if key not in data:
            raise StoreError(f"{where}: field {key!r} is missing")
        if not test(data[key]):
            raise StoreError(f"{where}: field {key!r} must be {what}, got {data[key]!r}")
        return data[key]

    def is_text(v):
        return isinstance(v, str) and v != ""

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    created = need("created_at", is_text, "an ISO 8601 time")
    try:
        created_at = datetime.fromisoformat(created)
    except ValueError:
        raise StoreError(
            f"{where}: field 'created_at' is not an ISO 8601 time: {created!r}"
        ) from None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=timezone.utc)
    return Attempt(
        learner=need("learner", is_text, "text"),
        question_id=need("question_id", is_text, "text"),
        topic=need("topic", is_text, "text"),
        level=need("level", lambda v: is_int(v) and 1 <= v <= 5, "a level 1-5"),
        outcome=need("outcome", lambda v: v in OUTCOMES, f"one of {', '.join(OUTCOMES)}"),
        answer=data.get("answer"),
        hints_used=need("hints_used", lambda v: is_int(v) and v >= 0, "a count >= 0"),
        source=need("source", lambda v: v in SOURCES, f"one of {', '.join(SOURCES)}"),
        retry=bool(data.get("retry", False)),
        created_at=created_at,
        uuid=need("uuid", is_text, "text"),
    )


def read_export(path: Path | str) -> list[Attempt]:
    """The attempts of an exported JSON file, every entry checked.

    Raises StoreError naming the file, the entry and the field of the first problem.
    """
    return read_export_file(path)[0]


def read_export_file(path: Path | str) -> tuple[list[Attempt], list[SelfRating]]:
    """The attempts and the self-ratings (none in an older export) of an exported JSON file,
    read once, every entry checked; StoreError names the file, entry and field."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != EXPORT_FORMAT:
        raise StoreError(f"{path} is not a pmtech attempts export (no format {EXPORT_FORMAT!r})")
    if not isinstance(payload.get("version"), int) or payload["version"] > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has export version {payload.get('version')!r}; "
            f"this pmtech reads version {SCHEMA_VERSION} or older"
        )
    entries = payload.get("attempts")
    if not isinstance(entries, list):
        raise StoreError(f"{path}: field 'attempts' must be a list")
    attempts = []
    for i, entry in enumerate(entries):
        where = f"{path.name}: attempt {i + 1}"
        if not isinstance(entry, dict):
            raise StoreError(f"{where} is not a mapping of fields")
        attempts.append(_check_attempt_fields(entry, where))
    return attempts, _check_ratings(payload, path)


def _check_ratings(payload: dict, path: Path) -> list[SelfRating]:
    """The self-ratings of an export's payload, each checked."""
    entries = payload.get("self_ratings", [])
    if not isinstance(entries, list):
        raise StoreError(f"{path}: field 'self_ratings' must be a list")
    ratings = []
    for i, entry in enumerate(entries):
        where = f"{path.name}: self-rating {i + 1}"
        try:
            created = datetime.fromisoformat(entry["created_at"])
            ratings.append(
                SelfRating(
                    learner=str(entry["learner"]),
                    topic=str(entry["topic"]),
                    level=entry["level"],
                    context=str(entry.get("context", "start-here")),
                    created_at=created if created.tzinfo else created.replace(tzinfo=timezone.utc),
                    uuid=str(entry["uuid"]),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"{where}: missing or malformed field ({exc})") from None
        except StoreError as exc:
            raise StoreError(f"{where}: {exc}") from None
    return ratings


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added, and rows skipped because they were already there."""

    added: int
    skipped: int


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a store written by an older pmtech up to ``SCHEMA_VERSION``, keeping every row.

    Version 1 allowed three outcomes; SQLite cannot change a CHECK constraint in place, so
    the table is rebuilt under the new schema in one transaction (all or nothing).
    """

    def version() -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    if version() >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if version() >= SCHEMA_VERSION:  # another process upgraded it while we waited
            conn.execute("COMMIT")
            return
        conn.execute("ALTER TABLE attempts RENAME TO attempts_v1")
        conn.execute("DROP INDEX IF EXISTS attempts_by_learner")
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO attempts SELECT * FROM attempts_v1")
        conn.execute("DROP TABLE attempts_v1")
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class ProgressStore:
    """The attempt log in one SQLite file.

    Open it with ``ProgressStore()`` for the default location or ``ProgressStore(path)``.
    ``recovered_from`` is set when a damaged file was moved aside while opening.
    """

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_home() / "progress.db"
        self.recovered_from: Path | None = None
        self._open_or_recover()

    # -- opening --------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return conn

    def _open_or_recover(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the progress folder {self.path.parent}: {exc}. "
                "Set PMTECH_HOME to a folder you can write."
            ) from exc
        problem = self._check_existing()
        if problem:
            self._move_aside(problem)
        try:
            conn = self._connect()
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript(_SCHEMA)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                _migrate(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write the progress store {self.path}: {exc}") from exc

    def _check_existing(self) -> str | None:
        """Return why an existing file is unusable, or None when it is fine (or absent)."""
        if not self.path.exists():
            return None
        if not os.access(self.path, os.R_OK | os.W_OK):
            return "it cannot be read and written by you"
        try:
            conn = self._connect()
            try:
                check = conn.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    return f"SQLite's integrity check failed ({check})"
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                if tables and "attempts" not in tables:
                    return "it is an SQLite file but not a pmtech progress store"
                if "meta" in tables:
                    row = conn.execute(
                        "SELECT value FROM meta WHERE key = 'schema_version'"
                    ).fetchone()
                    if row and int(row[0]) > SCHEMA_VERSION:
                        raise StoreError(
                            f"{self.path} was written by a newer pmtech (schema {row[0]}); "
                            "update the course (git pull, then make lab) to read it"
                        )
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return f"it is not a readable SQLite database ({exc})"
        return None

    def _move_aside(self, reason: str) -> None:
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        try:
            self.path.rename(target)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    side.rename(target.with_name(target.name + suffix))
        except OSError as exc:
            raise StoreError(
                f"the progress file {self.path} is unusable ({reason}) and could not be moved "
                f"aside: {exc}. Move it yourself or set PMTECH_HOME to another folder."
            ) from exc
        self.recovered_from = target
        warnings.warn(
            f"Your progress file {self.path} was unusable: {reason}. It was kept as {target} "
            "(nothing was deleted) and a fresh progress file was started.",
            StoreRecoveredWarning,
            stacklevel=3,
        )

    # -- writing --------------------------------------------------------------------------
    def record(self, attempt: Attempt) -> Attempt:
        """Append one attempt (one short transaction) and return it."""
        self._insert([attempt], ignore_existing=False)
        return attempt

    def _insert(self, attempts: Iterable[Attempt], ignore_existing: bool) -> int:
        verb = "INSERT OR IGNORE" if ignore_existing else "INSERT"
        rows = [
            (
                a.uuid,
                a.learner,
                a.question_id,
                a.topic,
                a.level,
                a.outcome.value,
                json.dumps(a.answer),
                a.hints_used,
                a.source,
                int(bool(a.retry)),
                a.created_at.astimezone(timezone.utc).isoformat(),
            )
            for a in attempts
        ]
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                before = conn.total_changes
                conn.executemany(
                    f"{verb} INTO attempts (uuid, learner, question_id, topic, level, outcome, "
                    "answer, hints_used, source, retry, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = conn.total_changes - before
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"an attempt was rejected by the store: {exc}") from exc
        finally:
            conn.close()
        return added

    # -- reading --------------------------------------------------------------------------
    def attempts(self, learner: str | None = None, question_id: str | None = None) -> list[Attempt]:
        """Attempts in the order they were made, optionally for one learner or question."""
        sql = (
            "SELECT learner, question_id, topic, level, outcome, answer, hints_used, source, "
            "retry, created_at, uuid FROM attempts"
        )
        where, args = [], []
        if learner is not None:
            where.append("learner = ?")
            args.append(learner)
        if question_id is not None:
            where.append("question_id = ?")
            args.append(question_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at, id"
        conn = self._connect()
        try:
            rows = conn.execute(sql, args).fetchall()
        finally:
            conn.close()
        return [
            Attempt(
                learner=r[0],
                question_id=r[1],
                topic=r[2],
                level=r[3],
                outcome=r[4],
                answer=json.loads(r[5]),
                hints_used=r[6],
                source=r[7],
                retry=bool(r[8]),
                created_at=datetime.fromisoformat(r[9]),
                uuid=r[10],
            )
            for r in rows
        ]

    def latest(self, learner: str, question_id: str) -> Attempt | None:
        """The learner's most recent attempt at one question, or None."""
        found = self.attempts(learner, question_id)
        return found[-1] if found else None

    def setting(self, key: str) -> str | None:
        """A small saved value (e.g. where the current diagnostic run starts), or None."""
        conn = self._connect()
        try:
            row = conn.execute(
                "SELECT value FROM meta WHERE key = ?", (f"setting:{key}",)
            ).fetchone()
        finally:
            conn.close()
        return row[0] if row else None

    def save_setting(self, key: str, value: str) -> None:
        """Save a small value under ``key`` (one short transaction), replacing any old one."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"setting:{key}", value)
            )
            conn.execute("COMMIT")
        finally:
            conn.close()

    def record_rating(self, rating: SelfRating) -> SelfRating:
        """Save one self-rating (one short transaction) and return it."""
        self._insert_ratings([rating])
        return rating

    def _insert_ratings(self, ratings: Iterable[SelfRating]) -> int:
        rows = [
            (r.uuid, r.learner, r.topic, r.level, r.context,
             r.created_at.astimezone(timezone.utc).isoformat())
            for r in ratings
        ]  # fmt: skip
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO self_ratings (uuid, learner, topic, level, context, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("COMMIT")
            return conn.total_changes - before
        finally:
            conn.close()

    def ratings(self, learner: str | None = None) -> list[SelfRating]:
        """Self-ratings in the order they were given, optionally of one learner."""
        sql = "SELECT learner, topic, level, context, created_at, uuid FROM self_ratings"
        args: list = []
        if learner is not None:
            sql += " WHERE learner = ?"
            args.append(learner)
        conn = self._connect()
        try:
            rows = conn.execute(sql + " ORDER BY created_at, id", args).fetchall()
        finally:
            conn.close()
        return [
            SelfRating(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5]) for r in rows
        ]

    def latest_ratings(self, learner: str) -> dict[str, int]:
        """Topic -> the level the learner most recently said they can reach."""
        return {r.topic: r.level for r in self.ratings(learner)}

    def learners(self) -> list[str]:
        """Every learner with at least one attempt, sorted."""
        conn = self._connect()
        try:
            return [r[0] for r in conn.execute("SELECT DISTINCT learner FROM attempts ORDER BY 1")]
        finally:
            conn.close()

    # -- export / import ------------------------------------------------------------------
    def export_json(self, path: Path | str, learner: str | None = None) -> int:
        """Write the attempts (of one learner, or all) to a JSON file; return how many."""
        attempts = self.attempts(learner)
        payload = {
            "format": EXPORT_FORMAT,
            "version": SCHEMA_VERSION,
            "exported_at": utc_now().isoformat(),
            "learner": learner,
            "attempts": [a.to_json() for a in attempts],
            "self_ratings": [r.to_json() for r in self.ratings(learner)],
        }
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        tmp.replace(path)
        return len(attempts)

    def import_json(self, path: Path | str) -> ImportResult:
        """Add the attempts of an exported file. Re-importing the same file adds nothing.

        The whole file is checked first; if any entry is bad nothing is written and the
        StoreError names the entry and the field.
        """
        attempts, ratings = read_export_file(path)
        added = self._insert(attempts, ignore_existing=True)
        self._insert_ratings(ratings)
        return ImportResult(added=added, skipped=len(attempts) - added)


_OPEN_STORES: dict[str, ProgressStore] = {}


def default_store() -> ProgressStore:
    """The learner's progress store at the default location, opened once per process.

    The one place notebooks, quizzes, practice cells, the diagnostic and the primer's checks
    open the learner's store (``PMTECH_HOME`` chooses the folder).
    """
    key = str(default_home())
    if key not in _OPEN_STORES:
        _OPEN_STORES[key] = ProgressStore()
    return _OPEN_STORES[key]
